import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { MaestroConfig } from '../../config/schema';
import type { PolicyFactories } from '../../core/policies/policy-registry';
import type { Clock, ConfigRepo, MetricsSource, Person } from '../../core/ports';
import type { Redactor } from '../../core/redact';
import { MaestroError } from '../../core/errors';
import { coreCommitMessages } from '../../loop/commit-messages';
import { ControlLoop } from '../../loop/control-loop';
import type { AgentState } from '../../loop/agent-state';
import { GateBook } from '../../loop/gate-book';
import { LeaderGatedLoop } from '../../loop/leader-gated-loop';
import { fencedRepo } from '../../loop/leader-git-lease';
import { OVERRIDE_AUDIT_LOOKBACK_MS, OverrideAudit } from '../../loop/override-audit';
import type { HistorySource, TargetManifests } from '../../loop/ports';
import { guard } from '../../core/guardrails/guard';
import { AgentMetrics } from '../../server/agent-metrics';
import { startAgentServer, type AgentServer } from '../../server/agent-server';
import type { AgentControl, CommitDetails, LeadershipView } from '../../server/app';
import { TokenBook, type TokenEntry } from '../../server/auth';
import { onnxPolicyFactory } from '../../adapters/onnx/onnx-policy';
import { createReplicaElector, type ReplicaElector } from './leader-elector';
import { loopTargets } from './loop-targets';
import { policyResolver, type PolicyResolverOptions } from './policy-resolver';
import { pauseDocument } from './pause-document';

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
  /** the loop (HA: the first one built; every leader term's loop publishes into its `state`) */
  readonly loop: ControlLoop;
  readonly overrides: OverrideAudit;
  /** HA only: this replica's leadership as last seen */
  readonly leadership?: () => LeadershipView;
  /** HA only: the arbiter, e.g. `the Kubernetes Lease flux-system/maestro-leader` */
  readonly electorDescription?: string;
  readonly server: AgentServer;
  readonly metrics: AgentMetrics;
  stop(): Promise<void>;
}

export async function startAgent(parts: AgentParts): Promise<RunningAgent> {
  const { config } = parts;
  const targets = loopTargets(config);
  const agent: Person = config.git.author;
  const buildLoop = (repo: ConfigRepo, state?: AgentState) =>
    new ControlLoop(
      targets,
      {
        clock: parts.clock,
        repo,
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
        ...(state ? { state } : {}),
        pauseDocument: pauseDocument(config.git.pauseFile),
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
  const ha = config.ha.enabled ? leaderGated(parts, buildLoop) : undefined;
  const loop = ha?.first ?? buildLoop(parts.repo);
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
  // the audit trail: every override in git over the lookback, then live ones as they happen
  const overrides = new OverrideAudit();
  loop.state.subscribe((e) => {
    if (e.type === 'override') overrides.record(e.override);
  });
  if (parts.history) {
    try {
      const n = await overrides.rebuild(parts.history, parts.clock.now() - OVERRIDE_AUDIT_LOOKBACK_MS);
      log.info({ overrides: n }, 'override audit trail rebuilt from git');
    } catch (e) {
      // the agent still runs; the trail then starts with this run's overrides
      log.warn({ err: parts.redactor.redact(String(e)) }, 'override audit trail not rebuilt from git');
    }
  }
  const server = await startAgentServer(
    {
      state: loop.state,
      control: ha?.control ?? loop,
      overrides,
      ...(ha ? { leadership: ha.leadership } : {}),
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
  if (ha) {
    const history = parts.history;
    let trailReadAt = parts.clock.now();
    const refreshTrail = (now: number) => {
      trailReadAt = now;
      if (!history) return;
      overrides
        .rebuild(history, now - OVERRIDE_AUDIT_LOOKBACK_MS)
        .catch((e: unknown) =>
          log.warn({ err: parts.redactor.redact(String(e)) }, 'override audit trail not refreshed'),
        );
    };
    ha.gated.start(
      config.cycleIntervalSeconds * 1000,
      (e) => log.warn({ err: parts.redactor.redact(String(e)) }, 'leader tick failed'),
      (t) => {
        const now = parts.clock.now();
        if (t.role === 'leader' && t.fresh) {
          log.info(
            { identity: ha.identity, term: t.leadership.leader ? t.leadership.term : undefined },
            'leading',
          );
          // overrides made through the previous leader reach this replica's trail through git
          refreshTrail(now);
        } else if (t.role === 'follower' && now - trailReadAt >= config.ha.leaseSeconds * 1000) {
          // a follower sees the leader's overrides only in git: re-read at most once per lease period
          refreshTrail(now);
        }
      },
    );
  } else await loop.start();
  return {
    loop,
    overrides,
    ...(ha ? { leadership: ha.leadership, electorDescription: ha.replica.description } : {}),
    server,
    metrics,
    async stop() {
      if (ha) {
        await ha.gated.stop();
        // only now, with no cycle in flight, may the lease go (client-go ReleaseOnCancel)
        await ha.replica.release();
      } else await loop.stop();
      await server.close();
    },
  };
}

/** `<hostname>-<pid>`, reduced to the characters a lease holder may have. */
export function defaultLeaderIdentity(): string {
  return `${hostname()}-${process.pid}`.replace(/[^\w.@-]+/g, '-');
}

/**
 * Several replicas (config `ha`): the loop runs behind the lease of `ha.elector` (LeaderGatedLoop),
 * its commits fenced by it (the git lease in their base; the Kubernetes Lease read just before). The server keeps one AgentState across leader terms; while
 * this replica follows, gates answer from an empty gate book (every call holds: fail closed) and
 * overrides are refused with the leader's name, so a person's change is made by the one replica
 * that acts.
 */
function leaderGated(
  parts: AgentParts,
  buildLoop: (repo: ConfigRepo, state?: AgentState) => ControlLoop,
): {
  identity: string;
  replica: ReplicaElector;
  first: ControlLoop;
  gated: LeaderGatedLoop;
  control: AgentControl;
  leadership: () => LeadershipView;
} {
  const { config, clock } = parts;
  const identity = config.ha.identity ?? defaultLeaderIdentity();
  const replica = createReplicaElector(config, parts.repo, identity, clock, parts.logger);
  const elector = replica.elector;
  const repo = fencedRepo(parts.repo, elector, () => clock.now());
  const first = buildLoop(repo);
  let spare: ControlLoop | undefined = first;
  const gated = new LeaderGatedLoop(
    elector,
    () => {
      const loop = spare ?? buildLoop(repo, first.state);
      spare = undefined;
      return loop;
    },
    clock,
  );
  // never recorded into: a follower has no verdicts, so every gate call holds (HTTP 403)
  const followerGates = new GateBook(0);
  const leadership = (): LeadershipView => {
    const l = gated.leadership;
    if (!l) return { identity, leader: false, reason: 'no lease read yet' };
    if (l.leader) return { identity, leader: true, holder: identity, expiresAt: l.expiresAt, term: l.term };
    return {
      identity,
      leader: false,
      ...(l.holder !== undefined ? { holder: l.holder } : {}),
      ...(l.expiresAt !== undefined ? { expiresAt: l.expiresAt } : {}),
      reason: l.reason,
    };
  };
  const control: AgentControl = {
    get ready() {
      const loop = gated.current;
      // a follower that has read the lease is ready: it serves the API and answers gates (holding)
      return loop ? loop.ready : gated.leadership !== undefined;
    },
    get gates() {
      return gated.current?.gates ?? followerGates;
    },
    shadow: config.git.shadow,
    async override(request, by) {
      const loop = gated.current;
      if (loop) return loop.override(request, by);
      const holder = gated.leadership && !gated.leadership.leader ? gated.leadership.holder : undefined;
      throw new MaestroError(
        'FORBIDDEN',
        `this replica (${identity}) is not the leader; send overrides to ${holder ?? 'the leader'}`,
        { data: { identity, ...(holder !== undefined ? { leader: holder } : {}) } },
      );
    },
  };
  return { identity, replica, first, gated, control, leadership };
}
