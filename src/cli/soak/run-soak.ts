import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedGitServer } from '../../adapters/git/embedded-git-server';
import { GitRepoSession, type BeforePushInfo } from '../../adapters/git/repo-session';
import { MaestroError, isMaestroError } from '../../core/errors';
import { guard } from '../../core/guardrails/guard';
import type { Clock, MetricsSource, Person } from '../../core/ports';
import { valueOf } from '../../core/sample';
import { coreCommitMessages } from '../../loop/commit-messages';
import { ControlLoop } from '../../loop/control-loop';
import { LeaderGatedLoop } from '../../loop/leader-gated-loop';
import { GitLeaseElector, fencedRepo } from '../../loop/leader-git-lease';
import type { LoopTarget } from '../../loop/ports';
import { getScenario } from '../../sim/scenarios';
import { SimRuntime } from '../../sim/runtime/sim-runtime';
import { demoConfig } from '../wiring/demo-stack';
import { gitHistorySource } from '../wiring/history-source';
import { loopTargets } from '../wiring/loop-targets';
import { policyResolver } from '../wiring/policy-resolver';
import { simDirectMetrics } from '../wiring/sim-direct-metrics';
import { yamlTargetManifests } from '../wiring/target-manifests';
import { loadTemplateFiles } from '../wiring/template-files';
import { activeAt, faultSchedule, type Fault, type FaultEvent } from './fault-schedule';
import { faultyMetrics, type MetricsFault } from './faulty-metrics';
import { checkAgentCommits, firstParentHistory, forcedUpdates, gitCli, unreachable } from './soak-evidence';

/**
 * `maestro soak`: the demo's pieces — a real embedded git server holding the template config repo,
 * the simulator reconciling that repo like Flux, and the agent's control loop — stepped through
 * virtual time while a seeded fault schedule (fault-schedule.ts) breaks them. Then the same run
 * without faults (same seed) gives the SLO baseline. Everything counted in the report comes from
 * the server's repo after the run (soak-evidence.ts) plus the agents' decision log for decision times.
 *
 * Time: virtual time advances one agent cycle (cycleIntervalSeconds) per step; `speed` caps how fast
 * (virtual seconds per wall second) — the run never outpaces it, and is slower when git is slow.
 * Metrics come from the simulator directly (the demo's no-Prometheus source), so `prometheus-down`
 * and `prometheus-nan` are injected at the MetricsSource port with exactly what the Prometheus
 * adapter returns in those cases; a real Prometheus process in the loop is future work.
 */
export interface SoakOptions {
  readonly durationS: number;
  readonly speed: number;
  readonly seed: number | string;
  readonly faults: readonly Fault[];
  readonly say?: (line: string) => void;
}

export interface SoakCounts {
  /** unexpected exceptions out of an agent tick (simulated kills excluded) */
  readonly crashes: number;
  readonly lostHumanCommits: number;
  readonly forcePushes: number;
  /** agent commits decided while the metrics were down, NaN or stale */
  readonly actionsOnStaleOrMissingData: number;
  /** decision ids on the branch twice, plus decisions committed by a replica not holding the lease */
  readonly duplicateActions: number;
  /** replica changes not made against their parent's value */
  readonly staleDeltas: number;
  readonly decisionsOnUnparseableFile: number;
  readonly guardrailViolations: number;
}

export interface SoakRunSummary {
  readonly counts: SoakCounts;
  readonly details: Record<string, string[]>;
  readonly sloViolationMinutes: number;
  readonly agentCommits: number;
  readonly humanCommitsPushed: number;
  readonly leaseCommits: number;
  readonly kills: number;
  readonly restarts: number;
  readonly leaderChanges: number;
  readonly fenceRefusals: number;
  readonly faultEvents: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
}

export interface SoakReport {
  readonly durationS: number;
  readonly speed: number;
  readonly seed: string;
  readonly faults: readonly Fault[];
  readonly counts: SoakCounts;
  readonly slo: {
    readonly violationMinutes: number;
    readonly faultFreeViolationMinutes: number;
    readonly delta: number;
  };
  /** all counts 0 */
  readonly ok: boolean;
  readonly withFaults: SoakRunSummary;
  readonly faultFree: SoakRunSummary;
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const schedule = faultSchedule(o.faults, o.durationS, o.seed);
  o.say?.(`soak: ${schedule.length} fault events over ${o.durationS}s virtual (seed ${o.seed})`);
  const withFaults = await runOnce(o, o.faults, schedule);
  o.say?.(`soak: fault run done in ${withFaults.wallSeconds}s; fault-free baseline next`);
  const faultFree = await runOnce(o, [], []);
  const counts = withFaults.counts;
  return {
    durationS: o.durationS,
    speed: o.speed,
    seed: String(o.seed),
    faults: o.faults,
    counts,
    slo: {
      violationMinutes: withFaults.sloViolationMinutes,
      faultFreeViolationMinutes: faultFree.sloViolationMinutes,
      delta: withFaults.sloViolationMinutes - faultFree.sloViolationMinutes,
    },
    ok: Object.values(counts).every((n) => n === 0) && Object.values(faultFree.counts).every((n) => n === 0),
    withFaults,
    faultFree,
  };
}

const HUMAN: Person = { name: 'Soak Human', email: 'human@soak.local' };
const NOTES_FILE = 'docs/soak-notes.md';

class SimulatedKill extends MaestroError {
  constructor(where: string) {
    super('INTERNAL', `soak: agent killed ${where}`, { retryable: false });
  }
}

interface Replica {
  readonly name: string;
  gated: LeaderGatedLoop;
  fence: { readonly refusals: number };
  killed: boolean;
}

async function runOnce(
  o: SoakOptions,
  faults: readonly Fault[],
  schedule: readonly FaultEvent[],
): Promise<SoakRunSummary> {
  const wallStart = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'maestro-soak-'));
  const server = await EmbeddedGitServer.start({ root: join(dir, 'git') });
  try {
    const repo = await server.createRepo('config.git', loadTemplateFiles(), {
      message: 'initial config (gitops-repo-template)',
    });
    const config = demoConfig(repo.url, {}, () => undefined);
    // replica targets only (the canary needs Flagger's webhooks, covered by the demo's own tests);
    // ONNX policies run as their rule baseline so the soak needs no model file
    const targets: LoopTarget[] = loopTargets(config)
      .filter((t) => t.ref.kind !== 'flagger-canary')
      .map((t) => (t.policy.startsWith('onnx:') ? { ...t, policy: t.fallback } : t));
    const sim = new SimRuntime({
      scenario: getScenario('demo'),
      seed: o.seed,
      source: new GitRepoSession({
        url: repo.url,
        branch: 'main',
        dir: join(dir, 'flux'),
        author: { name: 'flux', email: 'flux@soak.local' },
        random: Math.random,
        sleep: async () => undefined,
      }),
      branch: 'main',
      path: 'apps',
      speed: o.speed,
      epochMs: Date.UTC(2026, 0, 5, 8, 0, 0),
      callWebhook: async () => ({ status: 503 }),
    });
    await sim.init();
    const clock: Clock = {
      now: () => sim.epochMs + Math.round(sim.now * 1000),
      sleep: async () => undefined,
    };
    const t = () => sim.now;
    const metricsFault = (): MetricsFault => {
      if (activeAt(schedule, 'prometheus-down', t())) return 'down';
      const nan = activeAt(schedule, 'prometheus-nan', t());
      return nan ? (nan.detail === 'stale' ? 'stale' : 'nan') : 'none';
    };
    const direct = simDirectMetrics(sim);
    const metrics: MetricsSource = faultyMetrics(direct, metricsFault);
    const policies = policyResolver(targets);
    const messages = coreCommitMessages();
    const decidedAt = new Map<string, number>(); // decision id -> virtual second
    let pendingKill: { replica: string; where: 'before-push' | 'after-push' } | undefined;
    let kills = 0;

    const makeReplica = (name: string): Replica => {
      const person: Person = { name, email: `${name}@soak.local` };
      const session = new GitRepoSession({
        url: repo.url,
        branch: 'main',
        dir: join(dir, name),
        author: person,
        backoff: { baseMs: 5, maxMs: 50, maxAttempts: 6 },
        random: Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => clock.now(),
        httpTimeoutMs: 5000,
        beforePush: async (c: BeforePushInfo) => {
          const kill = pendingKill;
          if (!kill || kill.replica !== name || c.parent === '') return;
          pendingKill = undefined;
          kills++;
          replica.killed = true;
          if (kill.where === 'after-push') {
            // the push reaches the server; the process dies before it learns so
            await gitCli(c.gitdir, 'push', '-q', 'origin', `${c.sha}:refs/heads/${c.branch}`).catch(
              () => undefined,
            );
          }
          throw new SimulatedKill(
            kill.where === 'after-push'
              ? 'just after its push reached the server'
              : 'between commit and push',
          );
        },
      });
      const elector = new GitLeaseElector(session, {
        identity: name,
        durationMs: 4 * config.cycleIntervalSeconds * 1000,
      });
      const fence = fencedRepo(session, elector, () => clock.now());
      const replica: Replica = {
        name,
        fence,
        killed: false,
        gated: new LeaderGatedLoop(
          elector,
          () => {
            const loop = new ControlLoop(
              targets,
              {
                clock,
                repo: fence,
                history: gitHistorySource(session),
                metrics,
                policies,
                guard,
                manifests: yamlTargetManifests(),
                messages,
              },
              {
                cycleIntervalSeconds: config.cycleIntervalSeconds,
                applyTimeoutSeconds: config.applyTimeoutSeconds,
                shadow: false,
                metricsSource: 'simulator (soak)',
                agent: person,
              },
            );
            loop.state.subscribe((e) => {
              if (e.type === 'decision') decidedAt.set(e.decision.id, (e.decision.at - sim.epochMs) / 1000);
            });
            return loop;
          },
          clock,
        ),
      };
      return replica;
    };

    const names = faults.includes('replica-race') ? ['maestro-a', 'maestro-b'] : ['maestro-a'];
    let replicas = names.map(makeReplica);
    const human = new GitRepoSession({
      url: repo.url,
      branch: 'main',
      dir: join(dir, 'human'),
      author: HUMAN,
      backoff: { baseMs: 5, maxMs: 50, maxAttempts: 6 },
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => clock.now(),
      httpTimeoutMs: 5000,
    });
    const humanShas: string[] = [];
    const brokenFile = targets[0]!.ref.file;
    const humanCommit = async (
      edit: (text: string | undefined) => string | undefined,
      path: string,
      message: string,
    ) => {
      try {
        const r = await human.commit(async (snap) => {
          const next = edit(await snap.readFile(path));
          return next === undefined ? null : { files: [{ path, content: next }], message };
        });
        if (r.kind === 'committed') humanShas.push(r.sha);
        return true;
      } catch {
        // git is down: the person's push failed and they know it; nothing is lost
        return false;
      }
    };
    const BROKEN = '\nbroken: [this line is not valid YAML\n';

    let crashes = 0;
    const crashDetails: string[] = [];
    let restarts = 0;
    let leaderChanges = 0;
    let lastLeader: string | undefined;
    let sloMinutes = 0;
    let nextMinute = 60;
    const faultCounts: Record<string, number> = {};
    let next = 0; // index of the next instant event in the schedule
    const cycleS = config.cycleIntervalSeconds;
    const badYamlFixes: number[] = [];

    while (sim.now < o.durationS) {
      const now = t();
      // windowed git faults
      const down = activeAt(schedule, 'git-down', now);
      const slow = activeAt(schedule, 'slow-git', now);
      server.setFaults({
        ...(down ? { down: 'reset' as const } : {}),
        ...(slow ? { latencyMs: Number(slow.detail) } : {}),
      });
      // instant events due
      while (next < schedule.length && schedule[next]!.at <= now) {
        const e = schedule[next++]!;
        faultCounts[e.fault] = (faultCounts[e.fault] ?? 0) + 1;
        if (e.fault === 'human-commits') {
          await humanCommit(
            (text) => `${text ?? '# soak notes\n'}- note at ${now}s\n`,
            NOTES_FILE,
            `notes: ${now}s`,
          );
        } else if (e.fault === 'bad-yaml') {
          await humanCommit(
            (text) => (text === undefined ? undefined : text + BROKEN),
            brokenFile,
            `oops: edit ${brokenFile}`,
          );
          badYamlFixes.push(e.at + e.durationS);
        } else if (e.fault === 'agent-crash') {
          const leader = replicas.find((r) => r.gated.current !== undefined) ?? replicas[0]!;
          pendingKill = {
            replica: leader.name,
            where: e.detail === 'after-push' ? 'after-push' : 'before-push',
          };
        }
      }
      if (badYamlFixes.length > 0 && badYamlFixes[0]! <= now) {
        badYamlFixes.shift();
        // the person keeps trying until the fix is pushed (git may be down right now)
        const pushed = await humanCommit(
          (text) => (text?.includes(BROKEN) ? text.replace(BROKEN, '') : undefined),
          brokenFile,
          `fix ${brokenFile}`,
        );
        if (!pushed) badYamlFixes.unshift(now + cycleS);
      }
      // the replicas' cycles, concurrently
      const ticks = await Promise.all(
        replicas.map(async (r) => {
          try {
            return await r.gated.tick();
          } catch (e) {
            if (!(e instanceof SimulatedKill)) {
              crashes++;
              crashDetails.push(
                `${r.name} at ${now}s: ${isMaestroError(e) ? e.code : ''} ${(e as Error).message}`,
              );
            }
            return undefined;
          }
        }),
      );
      ticks.forEach((tk, i) => {
        if (tk?.role === 'leader' && replicas[i]!.name !== lastLeader) {
          if (lastLeader !== undefined) leaderChanges++;
          lastLeader = replicas[i]!.name;
        }
      });
      // killed replicas restart: a new process on the same disk
      replicas = replicas.map((r) => {
        if (!r.killed) return r;
        restarts++;
        return makeReplica(r.name);
      });
      // the cluster moves on one cycle; a Flux poll failing while git is down is Flux's problem
      const target = now + cycleS;
      while (sim.now < target - 1e-9) {
        await sim.advance(target - sim.now).catch(() => undefined);
      }
      while (sim.now >= nextMinute) {
        nextMinute += 60;
        for (const tg of targets) {
          const s = (await direct.read(tg.ref, clock.now())).service;
          const p95 = valueOf(s.p95LatencyMs);
          const err = valueOf(s.errorRate);
          if ((p95 !== undefined && p95 > tg.slo.p95Ms) || (err !== undefined && err > tg.slo.errorRate))
            sloMinutes++;
        }
      }
      // never faster than --speed
      const ahead = (sim.now / o.speed) * 1000 - (Date.now() - wallStart);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
    server.setFaults({});

    // evidence
    const path = repo.path;
    const history = await firstParentHistory(path, 'main');
    const agentEmails = new Set(names.map((n) => `${n}@soak.local`));
    const agentCommits = history.filter((c) => c.decisionIds.length > 0);
    const findings = await checkAgentCommits(path, history, targets, (email) =>
      agentEmails.has(email) ? email.replace(/@soak\.local$/, '') : undefined,
    );
    const lost = await unreachable(path, 'main', humanShas);
    const forced = await forcedUpdates(path, 'main');
    const dataFaultActions: string[] = [];
    for (const c of agentCommits) {
      for (const id of c.decisionIds) {
        const at = decidedAt.get(id);
        if (at === undefined) continue;
        const f = activeAt(schedule, 'prometheus-down', at) ?? activeAt(schedule, 'prometheus-nan', at);
        if (f)
          dataFaultActions.push(
            `${c.sha.slice(0, 7)} decided at ${at}s during ${f.fault}${f.detail ? `/${f.detail}` : ''}`,
          );
      }
    }
    const counts: SoakCounts = {
      crashes,
      lostHumanCommits: lost.length,
      forcePushes: forced.length,
      actionsOnStaleOrMissingData: dataFaultActions.length,
      duplicateActions: findings.duplicateDecisionIds.length + findings.notLeaseHolder.length,
      staleDeltas: findings.staleDeltas.length,
      decisionsOnUnparseableFile: findings.onUnparseable.length,
      guardrailViolations: findings.guardrailViolations.length,
    };
    return {
      counts,
      details: {
        crashes: crashDetails,
        lostHumanCommits: lost,
        forcePushes: forced,
        actionsOnStaleOrMissingData: dataFaultActions,
        duplicateDecisionIds: findings.duplicateDecisionIds,
        notLeaseHolder: findings.notLeaseHolder,
        staleDeltas: findings.staleDeltas,
        decisionsOnUnparseableFile: findings.onUnparseable,
        guardrailViolations: findings.guardrailViolations,
      },
      sloViolationMinutes: sloMinutes,
      agentCommits: agentCommits.length,
      humanCommitsPushed: humanShas.length,
      leaseCommits: history.filter((c) => c.subject.startsWith('maestro: leader lease')).length,
      kills,
      restarts,
      leaderChanges,
      fenceRefusals: replicas.reduce((n, r) => n + r.fence.refusals, 0),
      faultEvents: faultCounts,
      wallSeconds: Math.round((Date.now() - wallStart) / 1000),
    };
  } finally {
    await server.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
