import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedGitServer } from '../../adapters/git/embedded-git-server';
import { GitRepoSession } from '../../adapters/git/repo-session';
import { PrometheusClient } from '../../adapters/prometheus/prometheus-client';
import type { Clock, MetricsSource, Person } from '../../core/ports';
import { valueOf } from '../../core/sample';
import { createRng } from '../../sim/rng';
import { getScenario } from '../../sim/scenarios';
import { SimRuntime } from '../../sim/runtime/sim-runtime';
import { findPrometheus, startPrometheus, type PrometheusProcess } from '../wiring/prometheus-process';
import { simDirectMetrics } from '../wiring/sim-direct-metrics';
import { loadTemplateFiles } from '../wiring/template-files';
import type { AgentMetricsWiring, ArmedKill } from './agent-protocol';
import { AgentReplica, type ReplicaTick } from './agent-replica';
import {
  activeAt,
  faultSchedule,
  parseKillDetail,
  type Fault,
  type FaultEvent,
  type KillPoint,
  type KillScope,
} from './fault-schedule';
import { faultyMetrics, type MetricsFault } from './faulty-metrics';
import { startSoakExporter, type SoakExporter } from './soak-exporter';
import { checkAgentCommits, firstParentHistory, forcedUpdates, unreachable } from './soak-evidence';
import { soakConfig } from './soak-targets';

/**
 * `maestro soak`: the demo's pieces — a real embedded git server holding the template config repo,
 * the simulator reconciling that repo like Flux, a real Prometheus scraping the simulator when the
 * binary is installed, and the agent replicas as separate OS processes (agent-process.ts) — stepped
 * through virtual time while a seeded fault schedule (fault-schedule.ts) breaks them. The same run
 * without faults (same seed, run alongside) gives the SLO baseline. Everything counted in the report comes from
 * the server's repo after the run (soak-evidence.ts) plus the agents' decision events for decision
 * times.
 *
 * Time: virtual time advances one agent cycle (cycleIntervalSeconds, 15 s) per step; `speed` caps
 * how fast (virtual seconds per wall second) — the run never outpaces it, and is slower when git is
 * slow, an agent restarts or Prometheus restarts (virtual time waits for them).
 *
 * Metrics with Prometheus: each step the soak republishes the simulator's exposition stamped with
 * virtual time (soak-exporter.ts), waits until Prometheus has ingested that scrape, then lets the
 * agents observe through the real Prometheus adapter. So Prometheus holds one sample per 15 virtual
 * seconds — a real cluster's scrape interval — and rate() windows, lookback and staleness are in
 * virtual time at any speed. What is not accelerated: Prometheus' start (its target discovery
 * waits ~5 s of wall time before the first scrape, plus the WAL replay after a kill; virtual time
 * waits) and the wall scrape interval (50 ms), which bounds the speed to about 15 s / (50 ms +
 * agent cycle) ≈ 60–100× here. Without Prometheus (or `prometheus: 'off'`) the agents read the
 * simulator directly through the soak, and the metrics faults are applied at that source.
 *
 * Metrics faults with Prometheus: `prometheus-down` SIGKILLs the Prometheus process and starts it
 * again on the same port and data dir when the window ends (WAL replay; the agents' URL stays
 * valid); `prometheus-nan/stale` makes the scrape target answer 503, so its series end (the agent
 * reads no data, not an old value: see LOOKBACK); `prometheus-nan/nan` makes it serve the
 * application's series as NaN. That one found a bug: Prometheus 2.42 answers histogram_quantile()
 * over NaN buckets with the highest finite bucket bound (10 s), not NaN, and the forced scale-up
 * acted on it; the adapter now drops a quantile whose request rate is NaN (quantileBackedByRate).
 */
export interface SoakOptions {
  readonly durationS: number;
  readonly speed: number;
  readonly seed: number | string;
  readonly faults: readonly Fault[];
  /** `auto`: a real Prometheus when the binary is found; `off`: the direct source. Default auto. */
  readonly prometheus?: 'auto' | 'off';
  readonly say?: (line: string) => void;
}

export interface SoakCounts {
  /** agent processes that died by themselves or hung, and exceptions out of an agent cycle */
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

/** Which metrics source the agents used, and what happened to Prometheus. */
export interface SoakMetricsInfo {
  readonly source: 'prometheus' | 'direct';
  readonly description: string;
  /** Prometheus mode: wall ms between scrapes; each scrape carries one virtual step (15 s) */
  readonly scrapeIntervalMs?: number;
  /** Prometheus processes SIGKILLed (prometheus-down) and started again on the same port and data dir */
  readonly prometheusKills?: number;
  readonly prometheusRestarts?: number;
  /** steps whose scrape Prometheus had not ingested within the wait (the agents then read older data) */
  readonly scrapeWaitsTimedOut?: number;
  /** which faults were injected where */
  readonly faultInjection: Readonly<Record<string, string>>;
}

export interface SoakRunSummary {
  readonly counts: SoakCounts;
  readonly details: Record<string, string[]>;
  readonly sloViolationMinutes: number;
  readonly agentCommits: number;
  readonly humanCommitsPushed: number;
  readonly leaseCommits: number;
  /** SIGKILLs of agent processes by the agent-crash fault */
  readonly kills: number;
  readonly killsByPoint: Readonly<Record<string, number>>;
  /** agent-crash events whose kill point was never reached before the run ended */
  readonly killsPending: number;
  /** new agent processes after a kill or a crash */
  readonly restarts: number;
  readonly leaderChanges: number;
  readonly fenceRefusals: number;
  readonly faultEvents: Readonly<Record<string, number>>;
  readonly metrics: SoakMetricsInfo;
  readonly wallSeconds: number;
}

export interface SoakReport {
  readonly durationS: number;
  readonly speed: number;
  readonly seed: string;
  readonly faults: readonly Fault[];
  /** the metrics source of the fault run (`prometheus` or `direct`) */
  readonly metricsSource: SoakMetricsInfo['source'];
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
  // the two runs share nothing (own dirs, git server, Prometheus, agents) and are mostly waiting
  // (scrapes, IPC, Prometheus start): side by side they take the wall time of one
  const [withFaults, faultFree] = await Promise.all([
    runOnce(o, o.faults, schedule).then((r) => {
      o.say?.(`soak: fault run done in ${r.wallSeconds}s`);
      return r;
    }),
    runOnce(o, [], []).then((r) => {
      o.say?.(`soak: fault-free baseline run done in ${r.wallSeconds}s`);
      return r;
    }),
  ]);
  const counts = withFaults.counts;
  return {
    durationS: o.durationS,
    speed: o.speed,
    seed: String(o.seed),
    faults: o.faults,
    metricsSource: withFaults.metrics.source,
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
/** virtual time 0: a Monday 08:00 UTC, just after the demo config's weekend freeze */
const EPOCH_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
/** wall ms between Prometheus scrapes of the soak's exporter */
const SCRAPE_INTERVAL_MS = 50;
/** wall ms to wait for a step's scrape; after a (re)start Prometheus needs ~5 s to discover its target */
const SCRAPE_WAIT_MS = 3000;
const FIRST_SCRAPE_WAIT_MS = 30_000;
/**
 * Samples with explicit timestamps get no staleness markers, so a series that vanished from the
 * target (an old Flux revision label, everything while the target is down) would answer instant
 * queries for Prometheus' default 5 minutes. A lookback shorter than one step (15 s) ends it at the
 * next step instead, as the markers do after the next scrape in a cluster.
 */
const LOOKBACK = '10s';
/** the newest sample time of a simulator series (not Prometheus' `up`, written in wall time) */
const SCRAPED_SERIES = 'kube_deployment_spec_replicas';
const SCRAPED_AT = `max(timestamp(${SCRAPED_SERIES}))`;

/** The metrics fault (down, NaN or stale) active at virtual second `t`, if any. */
function dataFaultAt(schedule: readonly FaultEvent[], t: number): FaultEvent | undefined {
  return activeAt(schedule, 'prometheus-down', t) ?? activeAt(schedule, 'prometheus-nan', t);
}

async function runOnce(
  o: SoakOptions,
  faults: readonly Fault[],
  schedule: readonly FaultEvent[],
): Promise<SoakRunSummary> {
  const wallStart = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'maestro-soak-'));
  const server = await EmbeddedGitServer.start({ root: join(dir, 'git') });
  const stops: Array<() => Promise<void>> = [];
  let replicas: AgentReplica[] = [];
  let prometheus: PrometheusProcess | undefined;
  // Ctrl-C or a kill of the soak must not leave Prometheus running: SIGKILL it (and the agents,
  // which would also go with their IPC channel) at once, then die of the signal as before
  const onSignal = (signal: NodeJS.Signals) => {
    void prometheus?.kill();
    for (const r of replicas) void r.kill();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const repo = await server.createRepo('config.git', loadTemplateFiles(), {
      message: 'initial config (gitops-repo-template)',
    });
    const { config, targets } = soakConfig(repo.url);
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
      // counters in simulated units: Prometheus reads them against virtual timestamps
      speed: 1,
      epochMs: EPOCH_MS,
      callWebhook: async () => ({ status: 503 }),
    });
    await sim.init();
    const clock: Clock = {
      now: () => sim.epochMs + Math.round(sim.now * 1000),
      sleep: async () => undefined,
    };
    const t = () => sim.now;
    const cycleS = config.cycleIntervalSeconds;
    const direct = simDirectMetrics(sim);

    // metrics: a real Prometheus over the soak's exporter, else the simulator directly
    const binary = o.prometheus === 'off' ? undefined : findPrometheus();
    let exporter: SoakExporter | undefined;
    let promUp = false;
    let promClient: PrometheusClient | undefined;
    let prometheusKills = 0;
    let prometheusRestarts = 0;
    let scrapeWaitsTimedOut = 0;
    /** Prometheus was just (re)started: its first scrape comes only after its target discovery */
    let promFresh = false;
    /**
     * Prometheus time = agent (virtual) time + offset, see shifted-time-metrics.ts: the run is laid
     * out in the hour(s) before the wall clock, ending an hour before the start, because Prometheus
     * refuses samples more than 10 minutes in its future; out-of-order ingestion (a window covering
     * the run) lets it take samples that far behind its own `up` series.
     */
    const offsetMs = Math.floor(wallStart / 1000) * 1000 - (o.durationS + 3600) * 1000 - EPOCH_MS;
    const outOfOrderTimeWindow = `${Math.ceil(o.durationS / 3600) + 25}h`;
    const promDir = join(dir, 'prometheus');
    const startProm = (port?: number) =>
      startPrometheus({
        binary: binary!,
        target: exporter!.target,
        dir: promDir,
        speed: o.speed,
        scrapeIntervalMs: SCRAPE_INTERVAL_MS,
        outOfOrderTimeWindow,
        lookbackDelta: LOOKBACK,
        ...(port !== undefined ? { port } : {}),
      });
    /** publishes the simulator's exposition now; false when it has no deployments yet (nothing to wait for) */
    const publish = () => {
      const text = sim.cluster.metrics?.render() ?? '';
      exporter?.publish(text, clock.now() + offsetMs);
      return text.includes(`\n${SCRAPED_SERIES}{`);
    };
    /** Waits until Prometheus has ingested the scrape of the current step (its newest sample is now). */
    const waitIngested = async (timeoutMs: number) => {
      const want = clock.now() + offsetMs;
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          const r = await promClient!.queryInstant(SCRAPED_AT, want);
          if (r.resultType === 'vector' && Number(r.result[0]?.value[1]) * 1000 >= want - 1) return true;
        } catch {
          // starting up
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      scrapeWaitsTimedOut++;
      return false;
    };
    let metricsWiring: AgentMetricsWiring;
    let description: string;
    if (binary) {
      exporter = await startSoakExporter();
      stops.push(() => exporter!.close());
      prometheus = await startProm();
      promUp = true;
      promFresh = true;
      stops.push(() => prometheus!.stop());
      promClient = new PrometheusClient({ url: prometheus.url, timeoutMs: 2000 });
      metricsWiring = { kind: 'prometheus', url: prometheus.url, offsetMs, timeoutMs: 2000 };
      description = `Prometheus (${binary}) at ${prometheus.url} scraping the simulator every ${SCRAPE_INTERVAL_MS} ms wall, one 15 s virtual step per scrape, samples stamped with virtual time`;
    } else {
      metricsWiring = { kind: 'soak' };
      description = `simulator read directly (${o.prometheus === 'off' ? 'Prometheus turned off' : 'no prometheus binary found'})`;
    }
    o.say?.(`soak: metrics from ${description}`);
    const metricsFault = (): MetricsFault => {
      if (activeAt(schedule, 'prometheus-down', t())) return 'down';
      const nan = activeAt(schedule, 'prometheus-nan', t());
      return nan ? (nan.detail === 'stale' ? 'stale' : 'nan') : 'none';
    };
    const sourceMetrics: MetricsSource = faultyMetrics(direct, metricsFault);

    /** decision id -> virtual second it was decided at, and what it was */
    const decided = new Map<string, { at: number; summary: string }>();
    const startReplica = (name: string) =>
      AgentReplica.start({
        name,
        dir: join(dir, name),
        repoUrl: repo.url,
        leaseMs: 4 * cycleS * 1000,
        nowMs: clock.now(),
        metrics: metricsWiring,
        read: (target, nowMs) => sourceMetrics.read(target, nowMs),
        onDecision: (id, atMs, summary) => decided.set(id, { at: (atMs - EPOCH_MS) / 1000, summary }),
      });
    const names = faults.includes('replica-race') ? ['maestro-a', 'maestro-b'] : ['maestro-a'];
    replicas = await Promise.all(names.map(startReplica));

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
    let kills = 0;
    const killsByPoint: Record<string, number> = {};
    let restarts = 0;
    let leaderChanges = 0;
    let leader: string | undefined;
    let fenceRefusals = 0;
    const refusalsSeen = new Map<AgentReplica, number>();
    let sloMinutes = 0;
    let nextMinute = 60;
    const faultCounts: Record<string, number> = {};
    let next = 0; // index of the next instant event in the schedule
    const badYamlFixes: number[] = [];
    /** agent-crash kills not yet fired, oldest first */
    const pendingKills: Array<{ point: KillPoint; scope: KillScope }> = [];
    const killRng = createRng(`kill-delays:${o.seed}`);

    while (sim.now < o.durationS) {
      const now = t();
      // windowed git faults
      const down = activeAt(schedule, 'git-down', now);
      const slow = activeAt(schedule, 'slow-git', now);
      server.setFaults({
        ...(down ? { down: 'reset' as const } : {}),
        ...(slow ? { latencyMs: Number(slow.detail) } : {}),
      });
      // Prometheus faults on the real process and its scrape target
      if (prometheus && exporter) {
        const promDown = activeAt(schedule, 'prometheus-down', now);
        if (promDown && promUp) {
          await prometheus.kill();
          promUp = false;
          prometheusKills++;
        } else if (!promDown && !promUp) {
          prometheus = await startProm(prometheus.port);
          promUp = true;
          promFresh = true;
          prometheusRestarts++;
        }
        const metricsFault = activeAt(schedule, 'prometheus-nan', now)?.detail;
        exporter.mode = metricsFault === 'stale' ? 'unreachable' : metricsFault === 'nan' ? 'nan' : 'up';
      }
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
          pendingKills.push(parseKillDetail(e.detail));
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
      // Prometheus has scraped the cluster as it is now before the agents look
      if (exporter && promUp) {
        if (publish() && exporter.mode !== 'unreachable') {
          if (await waitIngested(promFresh ? FIRST_SCRAPE_WAIT_MS : SCRAPE_WAIT_MS)) promFresh = false;
        }
      }
      // the replicas' cycles, concurrently; the leader carries the armed kill points
      const leaderName = leader ?? replicas[0]!.name;
      const armed: ArmedKill[] = pendingKills
        .filter((k): k is ArmedKill => k.point !== 'idle')
        .map((k) => ({ point: k.point, scope: k.scope }));
      const dead = new Set<AgentReplica>();
      // through Prometheus every metrics fault is at the scrape target; none at the agent's source
      const agentFault: MetricsFault = 'none';
      const ticks: ReplicaTick[] = await Promise.all(
        replicas.map(async (r) => {
          const tk = await r.tick(clock.now(), r.name === leaderName ? armed : [], agentFault);
          if (tk.kind === 'at') {
            // a real SIGKILL at that point; during a push it races the push (0–30 ms later)
            if (tk.point === 'during-push') await new Promise((res) => setTimeout(res, killRng.next() * 30));
            await r.kill();
            dead.add(r);
            kills++;
            killsByPoint[tk.point] = (killsByPoint[tk.point] ?? 0) + 1;
            const i = pendingKills.findIndex((k) => k.point === tk.point && k.scope === tk.scope);
            if (i >= 0) pendingKills.splice(i, 1);
          } else if (tk.kind === 'exited') {
            crashes++;
            crashDetails.push(`${r.name} at ${now}s: ${tk.detail}`);
            await r.kill();
            dead.add(r);
          } else {
            if (tk.error) {
              crashes++;
              crashDetails.push(`${r.name} at ${now}s: ${tk.error}`);
            }
            fenceRefusals += tk.fenceRefusals - (refusalsSeen.get(r) ?? 0);
            refusalsSeen.set(r, tk.fenceRefusals);
          }
          return tk;
        }),
      );
      ticks.forEach((tk, i) => {
        if (tk.kind === 'ticked' && tk.role === 'leader' && replicas[i]!.name !== leader) {
          if (leader !== undefined) leaderChanges++;
          leader = replicas[i]!.name;
        }
      });
      // an idle kill: the leader between two cycles
      const idle = pendingKills.findIndex((k) => k.point === 'idle');
      if (idle >= 0) {
        const r = replicas.find((x) => x.name === (leader ?? replicas[0]!.name))!;
        if (!dead.has(r)) {
          await r.kill();
          dead.add(r);
          kills++;
          killsByPoint.idle = (killsByPoint.idle ?? 0) + 1;
          pendingKills.splice(idle, 1);
        }
      }
      // killed replicas restart: a new process on the same disk
      replicas = await Promise.all(
        replicas.map(async (r) => {
          if (!dead.has(r)) return r;
          restarts++;
          return startReplica(r.name);
        }),
      );
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
        const d = decided.get(id);
        if (d === undefined) continue;
        const f = dataFaultAt(schedule, d.at);
        if (f)
          dataFaultActions.push(
            `${c.sha.slice(0, 7)} decided at ${d.at}s during ${f.fault}${f.detail ? `/${f.detail}` : ''}: ${d.summary}`,
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
    const metrics: SoakMetricsInfo = prometheus
      ? {
          source: 'prometheus',
          description,
          scrapeIntervalMs: SCRAPE_INTERVAL_MS,
          prometheusKills,
          prometheusRestarts,
          scrapeWaitsTimedOut,
          faultInjection: {
            'prometheus-down':
              'the Prometheus process is SIGKILLed, and started again on the same port and data dir',
            'prometheus-nan/nan':
              "the scrape target serves the application's series (requests, latency histogram, container CPU) as NaN",
            'prometheus-nan/stale':
              'the scrape target answers 503: its series end at once (no data), as staleness markers end them in a cluster',
          },
        }
      : {
          source: 'direct',
          description,
          faultInjection: {
            'prometheus-down':
              "at the metrics source: no data 'error', as the adapter answers for an unreachable Prometheus",
            'prometheus-nan/nan': "at the metrics source: no data 'nan'",
            'prometheus-nan/stale': 'at the metrics source: every sample dated 10 minutes back',
          },
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
      killsByPoint,
      killsPending: pendingKills.length,
      restarts,
      leaderChanges,
      fenceRefusals,
      faultEvents: faultCounts,
      metrics,
      wallSeconds: Math.round((Date.now() - wallStart) / 1000),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(replicas.map((r) => r.kill().catch(() => undefined)));
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await server.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
