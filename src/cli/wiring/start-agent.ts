import type { Logger } from 'pino';
import type { MaestroConfig } from '../../config/schema';
import type { PolicyFactories } from '../../core/policies/policy-registry';
import type { Clock, ConfigRepo, MetricsSource, Person } from '../../core/ports';
import type { Redactor } from '../../core/redact';
import { coreCommitMessages } from '../../loop/commit-messages';
import { ControlLoop } from '../../loop/control-loop';
import type { HistorySource, TargetManifests } from '../../loop/ports';
import { guard } from '../../core/guardrails/guard';
import { AgentMetrics } from '../../server/agent-metrics';
import { startAgentServer, type AgentServer } from '../../server/agent-server';
import type { CommitDetails } from '../../server/app';
import { TokenBook, type TokenEntry } from '../../server/auth';
import { onnxPolicyFactory } from '../../adapters/onnx/onnx-policy';
import { loopTargets } from './loop-targets';
import { policyResolver, type PolicyResolverOptions } from './policy-resolver';

/**
 * Assembles one running agent from already-constructed adapters: the control loop over the
 * configured targets, the HTTP server (API, gates, WS feed, dashboard) and the metrics. Used by
 * `maestro run` (real Flux repo + Prometheus) and `maestro demo` (embedded git + simulator).
 */
export interface AgentParts {
  readonly config: MaestroConfig;
  readonly repo: ConfigRepo;
  readonly history?: HistorySource;
  readonly metrics: MetricsSource;
  /** shown on the dashboard, e.g. `Prometheus at http://…` or `simulator (direct)` */
  readonly metricsDescription: string;
  readonly manifests: TargetManifests;
  readonly clock: Clock;
  readonly tokens: readonly TokenEntry[];
  readonly gateSecret?: string;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly repoUrl?: string;
  readonly commitUrl?: (sha: string) => string | undefined;
  readonly describeCommit?: (sha: string) => Promise<CommitDetails | undefined>;
  readonly policyFactories?: PolicyFactories;
  /** builds `onnx:` policies; default: src/adapters/onnx (see policy-resolver.ts) */
  readonly onnx?: PolicyResolverOptions['onnx'];
  /** folder relative model paths are resolved against (the config file's folder) */
  readonly baseDir?: string;
  /** override config.server.port (the demo binds port 0) */
  readonly port?: number;
}

export interface RunningAgent {
  readonly loop: ControlLoop;
  readonly server: AgentServer;
  readonly metrics: AgentMetrics;
  stop(): Promise<void>;
}

export async function startAgent(parts: AgentParts): Promise<RunningAgent> {
  const { config } = parts;
  const targets = loopTargets(config);
  const agent: Person = config.git.author;
  const loop = new ControlLoop(
    targets,
    {
      clock: parts.clock,
      repo: parts.repo,
      metrics: parts.metrics,
      policies: policyResolver(targets, {
        ...(parts.policyFactories ? { factories: parts.policyFactories } : {}),
        // inference latency is wall time, whatever clock the loop runs on
        onnx: parts.onnx ?? ((path, o) => onnxPolicyFactory({ ...o, now: () => Date.now() })(path)),
        ...(parts.baseDir ? { baseDir: parts.baseDir } : {}),
        onnxLimits: Object.fromEntries(
          config.targets.map((t) => [
            t.name,
            { minConfidence: t.minConfidence, latencyBudgetMs: t.latencyBudgetMs },
          ]),
        ),
      }),
      guard,
      manifests: parts.manifests,
      messages: coreCommitMessages(parts.redactor.redact),
      ...(parts.history ? { history: parts.history } : {}),
    },
    {
      cycleIntervalSeconds: config.cycleIntervalSeconds,
      applyTimeoutSeconds: config.applyTimeoutSeconds,
      shadow: config.git.shadow,
      metricsSource: parts.metricsDescription,
      agent,
      ...(parts.repoUrl !== undefined ? { repoUrl: parts.redactor.redact(parts.repoUrl) } : {}),
      ...(parts.commitUrl ? { commitUrl: parts.commitUrl } : {}),
    },
  );
  const metrics = new AgentMetrics({ processMetrics: true });
  const log = parts.logger;
  loop.state.subscribe((e) => {
    if (e.type === 'error') log.warn({ target: e.target, code: e.code }, e.message);
    else if (e.type === 'commit')
      log.info(
        {
          sha: e.commit.sha,
          targets: e.commit.targets,
          author: e.commit.author,
          attempts: e.commit.attempts,
        },
        e.commit.subject,
      );
    else if (e.type === 'decision' && e.decision.pushed)
      log.info(
        {
          target: e.decision.target,
          id: e.decision.id,
          policy: e.decision.policy.name,
          pushed: e.decision.pushed,
        },
        e.decision.final,
      );
    else if (e.type === 'override')
      log.info(
        { target: e.override.target, by: e.override.by, action: e.override.action },
        e.override.result,
      );
  });
  const server = await startAgentServer(
    {
      state: loop.state,
      control: loop,
      tokens: new TokenBook(parts.tokens),
      metrics,
      logger: log,
      redactor: parts.redactor,
      now: () => parts.clock.now(),
      ...(parts.gateSecret !== undefined ? { gateSecret: parts.gateSecret } : {}),
      allowedOrigins: config.server.allowedOrigins,
      ...(parts.describeCommit ? { describeCommit: parts.describeCommit } : {}),
    },
    config.server.host,
    parts.port ?? config.server.port,
  );
  await loop.start();
  return {
    loop,
    server,
    metrics,
    async stop() {
      await loop.stop();
      await server.close();
    },
  };
}
