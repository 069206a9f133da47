import { GitRepoSession } from '../../adapters/git/repo-session';
import { PrometheusMetricsSource } from '../../adapters/prometheus/metrics-source';
import { PrometheusClient } from '../../adapters/prometheus/prometheus-client';
import { guard } from '../../core/guardrails/guard';
import type { Policy } from '../../core/policy';
import type {
  Clock,
  CommitPlanner,
  ConfigRepo,
  MetricsReading,
  MetricsSource,
  Person,
} from '../../core/ports';
import { coreCommitMessages } from '../../loop/commit-messages';
import { ControlLoop } from '../../loop/control-loop';
import { LeaderGatedLoop } from '../../loop/leader-gated-loop';
import { GitLeaseElector, fencedRepo } from '../../loop/leader-git-lease';
import { gitHistorySource } from '../wiring/history-source';
import { policyResolver } from '../wiring/policy-resolver';
import { yamlTargetManifests } from '../wiring/target-manifests';
import type { AgentInit, ArmedKill, FromAgent, ToAgent } from './agent-protocol';
import { COMMIT_KILL_POINTS, type KillPoint, type KillScope } from './fault-schedule';
import { faultyMetrics, type MetricsFault } from './faulty-metrics';
import { shiftedTimeMetrics } from './shifted-time-metrics';
import { soakConfig } from './soak-targets';

/**
 * One soak agent replica as its own OS process (forked by agent-replica.ts), so the soak's
 * `agent-crash` kill is a real SIGKILL: whatever was on disk (the local git copy) and on the server
 * at that instant is all the next process gets. It is wired as `maestro run --ha` wires an agent:
 * a git session on its own directory, the git lease elector, the fenced repo, the control loop;
 * metrics from the real Prometheus adapter, or from the soak when there is no Prometheus.
 *
 * Kill points: the soak arms points in each tick message; reaching one, the process reports it and
 * waits there (`during-push`: it goes on pushing, so the kill races the push) until the soak kills
 * it. It never exits by itself.
 */
const DECISION_TRAILER = /^Maestro-Decision-Id: /m;

function send(m: FromAgent): void {
  process.send?.(m);
}

export function runAgentProcess(): void {
  let started: Promise<Agent> | undefined;
  process.on('message', (m: ToAgent) => {
    if (m.type === 'init') {
      started = startAgent(m);
      void started.then(() => send({ type: 'ready' }));
    } else if (m.type === 'tick') {
      void started?.then((a) => a.tick(m.seq, m.nowMs, m.armed, m.metricsFault));
    } else if (m.type === 'reading') {
      void started?.then((a) => a.onReading(m.id, m.reading));
    }
  });
  // the soak going away (its IPC channel closes) ends the replica
  process.on('disconnect', () => process.exit(0));
}

interface Agent {
  tick(seq: number, nowMs: number, armed: readonly ArmedKill[], fault: MetricsFault): Promise<void>;
  onReading(id: number, reading: MetricsReading): void;
}

async function startAgent(init: AgentInit): Promise<Agent> {
  const { config, targets } = soakConfig(init.repoUrl);
  let nowMs = init.nowMs;
  let seq = 0;
  let armed: readonly ArmedKill[] = [];
  let metricsFault: MetricsFault = 'none';
  const clock: Clock = { now: () => nowMs, sleep: async () => undefined };
  const person: Person = { name: init.name, email: `${init.name}@soak.local` };

  /** the commit being made: a decision commit (it carries a decision trailer) or another (the lease) */
  let committing: KillScope | undefined;
  const armedAt = (point: KillPoint): ArmedKill | undefined =>
    armed.find(
      (k) =>
        k.point === point &&
        (!COMMIT_KILL_POINTS.has(point) || k.scope === 'any' || committing === 'decision'),
    );
  const checkpoint = async (point: KillPoint): Promise<void> => {
    const k = armedAt(point);
    if (!k) return;
    armed = armed.filter((x) => x !== k);
    send({ type: 'at', seq, point, scope: k.scope });
    // the push goes on while the soak's SIGKILL is on its way; every other point waits for it
    if (point !== 'during-push') await new Promise<never>(() => undefined);
  };

  const session = new GitRepoSession({
    url: init.repoUrl,
    branch: 'main',
    dir: init.dir,
    author: person,
    backoff: { baseMs: 5, maxMs: 50, maxAttempts: 6 },
    random: Math.random,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => clock.now(),
    httpTimeoutMs: 5000,
    beforePush: async () => {
      await checkpoint('between-commit-and-push');
      await checkpoint('during-push');
    },
  });
  /** the session as the elector and the loop see it, with the commit and after-push kill points */
  const repo: ConfigRepo = {
    snapshot: () => session.snapshot(),
    commit: async (planner: CommitPlanner) => {
      const outcome = await session.commit(async (snap, attempt) => {
        const plan = await planner(snap, attempt);
        committing = plan ? (DECISION_TRAILER.test(plan.message) ? 'decision' : 'any') : undefined;
        if (plan) await checkpoint('commit');
        return plan;
      });
      if (outcome.kind === 'committed') await checkpoint('after-push');
      committing = undefined;
      return outcome;
    },
  };

  let metrics: MetricsSource;
  let description: string;
  const pending = new Map<number, (r: MetricsReading) => void>();
  if (init.metrics.kind === 'prometheus') {
    const source = new PrometheusMetricsSource(
      // retry backoff in the agent's virtual time, like every other wait of a soak agent
      new PrometheusClient({
        url: init.metrics.url,
        timeoutMs: init.metrics.timeoutMs,
        sleep: (ms) => clock.sleep(ms),
      }),
      {
        stalenessSeconds: config.prometheus.stalenessSeconds,
        queries: Object.fromEntries(config.targets.map((t) => [t.name, t.queries])),
      },
    );
    metrics = faultyMetrics(shiftedTimeMetrics(source, init.metrics.offsetMs), () => metricsFault);
    description = `Prometheus at ${init.metrics.url}`;
  } else {
    let nextId = 0;
    metrics = {
      read: (target, at) =>
        new Promise((resolve) => {
          const id = nextId++;
          pending.set(id, resolve);
          send({ type: 'read', id, target, nowMs: at });
        }),
    };
    description = 'simulator (read directly: no Prometheus)';
  }
  let observed = false;
  const observing: MetricsSource = {
    read: async (target, at) => {
      if (!observed) {
        observed = true;
        await checkpoint('observe');
      }
      return metrics.read(target, at);
    },
  };
  const resolve = policyResolver(targets);
  const deciding = (p: Policy): Policy => ({
    name: p.name,
    decide: async (o, c) => {
      const out = await p.decide(o, c);
      await checkpoint('decide');
      return out;
    },
  });
  const policies = (t: Parameters<typeof resolve>[0]) => {
    const pair = resolve(t);
    return { primary: deciding(pair.primary), fallback: deciding(pair.fallback) };
  };

  const elector = new GitLeaseElector(repo, { identity: init.name, durationMs: init.leaseMs });
  const fence = fencedRepo(repo, elector, () => clock.now());
  const messages = coreCommitMessages();
  const gated = new LeaderGatedLoop(
    elector,
    () => {
      const loop = new ControlLoop(
        targets,
        {
          clock,
          repo: fence,
          history: gitHistorySource(session),
          metrics: observing,
          policies,
          guard,
          manifests: yamlTargetManifests(),
          messages,
        },
        {
          cycleIntervalSeconds: config.cycleIntervalSeconds,
          applyTimeoutSeconds: config.applyTimeoutSeconds,
          shadow: false,
          metricsSource: description,
          agent: person,
        },
      );
      loop.state.subscribe((e) => {
        if (e.type === 'decision') {
          const d = e.decision;
          send({
            type: 'decision',
            id: d.id,
            atMs: d.at,
            summary: `${d.target}: ${d.final} (${d.policy.name}; ${d.reasons.join('; ')})`,
          });
        }
      });
      return loop;
    },
    clock,
  );

  return {
    async tick(s, now, kills, fault) {
      seq = s;
      nowMs = now;
      armed = kills;
      metricsFault = fault;
      observed = false;
      try {
        const r = await gated.tick();
        send({ type: 'ticked', seq: s, role: r.role, fenceRefusals: fence.refusals });
      } catch (e) {
        send({
          type: 'ticked',
          seq: s,
          role: 'error',
          fenceRefusals: fence.refusals,
          error: `${(e as { code?: string }).code ?? ''} ${(e as Error).message}`.trim(),
        });
      }
    },
    onReading(id, reading) {
      pending.get(id)?.(reading);
      pending.delete(id);
    },
  };
}

if (require.main === module) runAgentProcess();
