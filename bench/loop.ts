/**
 * End-to-end control loop: observe (metrics) → decide (hpa baseline) → guard → edit YAML → one
 * batched commit → push, per ControlLoop.runCycle(), against the embedded git HTTP server
 * (`git http-backend`) and a real Prometheus (/usr/bin/prometheus) scraping a synthetic cluster
 * (bench/lib/synthetic-cluster.ts), or that cluster's figures read in-process ("direct").
 *
 * The loop is assembled as src/cli/wiring/start-agent.ts assembles it (config parsed by the real
 * config loader, loopTargets, policyResolver, guard, the YAML manifests adapter, core commit
 * messages, a GitRepoSession), minus the HTTP server: runCycle() is called one tick at a time so
 * each tick can be timed. The cluster keeps CPU at 95 % of requests, so every cycle scales every
 * target up by one guarded step; the bench checks that each timed cycle pushed one commit covering
 * every target (cycles that did not are reported, not hidden). Between cycles (untimed) the
 * synthetic cluster applies the commit like Flux and the bench waits until Prometheus has scraped
 * that state, so the next decision sees the applied change.
 *
 * Rows: 1 target (≥ 200 decisions in the full run: per-decision p50/p95/p99), 100 and 1000 targets
 * per cycle (cycle time, memory). Targets: p99 < 150 ms per single-target decision; 1000 targets
 * < 3 s per cycle.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedGitServer } from '../src/adapters/git/embedded-git-server';
import { PrometheusMetricsSource } from '../src/adapters/prometheus/metrics-source';
import { PrometheusClient } from '../src/adapters/prometheus/prometheus-client';
import {
  findPrometheus,
  startPrometheus,
  type PrometheusProcess,
} from '../src/cli/wiring/prometheus-process';
import type { MetricsSource } from '../src/core/ports';
import type { DecisionView } from '../src/loop/events';
import { distribution, isQuick, memoryMiB, printTable, writeResults, type Distribution } from './lib/report';
import { buildLoop, PortTimings, configFor, deploymentFiles, serviceName } from './lib/bench-agent';
import { SyntheticCluster } from './lib/synthetic-cluster';

type Source = 'prometheus' | 'direct';

interface Case {
  readonly targets: number;
  readonly source: Source;
  readonly cycles: number;
  readonly warmup: number;
}

interface CaseResult {
  readonly targets: number;
  readonly source: Source;
  readonly metricsSource: string;
  readonly cycles: number;
  /** cycles whose commit covered every target */
  readonly fullCommits: number;
  /** decisions that ended in a pushed commit */
  readonly pushedDecisions: number;
  readonly decisions: number;
  readonly errors: number;
  readonly cycleMs: Distribution;
  /** time inside the git port (refs check or fetch for the snapshot; commit + push) per cycle, without planning */
  readonly gitMs: Distribution;
  /** time in the loop's commit planner (re-read files, YAML edits, commit message) inside commit() */
  readonly planMs: Distribution;
  /** time inside the metrics port per cycle, summed over targets (reads overlap git and each other) */
  readonly metricsMs: Distribution;
  /** cycle time / targets (ms per decision) */
  readonly perDecisionP50Ms: number;
  readonly pushAttemptsMax: number;
  readonly memoryBefore: { rssMiB: number; heapUsedMiB: number };
  readonly memoryAfter: { rssMiB: number; heapUsedMiB: number };
  readonly peakRssMiB: number;
  /** os.loadavg()[0] before and after: the machine is shared, a high load inflates every time */
  readonly loadAverage1m: readonly [number, number];
  readonly firstError?: string;
  /** the first timed decision that did not push, with its reasons */
  readonly firstHold?: string;
}

async function runCase(c: Case, prometheusBinary: string | undefined): Promise<CaseResult | undefined> {
  if (c.source === 'prometheus' && !prometheusBinary) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'maestro-bench-loop-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const git = await EmbeddedGitServer.start({ root: join(dir, 'git') });
    stops.push(() => git.close());
    const repo = await git.createRepo('config.git', deploymentFiles(c.targets), { message: 'bench repo' });
    const config = configFor(repo.url, c.targets);
    const cluster = new SyntheticCluster(
      Array.from({ length: c.targets }, (_, k) => ({
        namespace: 'shop',
        name: serviceName(k + 1),
        replicas: 3,
        cpuUtilization: 0.95,
        rps: 50,
        latencySeconds: 0.04,
      })),
    );
    let metrics: MetricsSource;
    let metricsSource: string;
    let prometheus: PrometheusProcess | undefined;
    let client: PrometheusClient | undefined;
    if (c.source === 'prometheus') {
      const served = await cluster.serve();
      stops.push(() => served.close());
      // speed 15 → a 1 s scrape interval (prometheus-process.ts scrapes every 15 s / speed)
      prometheus = await startPrometheus({
        binary: prometheusBinary!,
        target: served.hostPort,
        dir: join(dir, 'prometheus'),
        speed: 15,
      });
      stops.push(() => prometheus!.stop());
      client = new PrometheusClient({ url: prometheus.url, timeoutMs: 5000 });
      metrics = new PrometheusMetricsSource(client, { rateWindow: '5s', stalenessSeconds: 120 });
      metricsSource = `Prometheus (scrape ${prometheus.scrapeIntervalSeconds}s)`;
      // rate() over the 5 s window is only right once the window is full of scrapes
      await waitForQuery(client, 'count_over_time(bench_cluster_generation[10s])', 7);
    } else {
      metrics = cluster.directSource();
      metricsSource = 'direct (in-process)';
    }

    const timings = new PortTimings();
    const { loop, session } = buildLoop(config, metrics, metricsSource, join(dir, 'agent-git'), timings);
    // the first fetch clones the whole repo: done here, untimed, as a running agent did long ago
    await session.snapshot();
    await loop.restore();

    // what the cycle published
    let decisions: DecisionView[] = [];
    let commits: Array<{ sha: string; targets: readonly string[]; attempts: number }> = [];
    let errors = 0;
    let firstError: string | undefined;
    let firstHold: string | undefined;
    loop.state.subscribe((e) => {
      if (e.type === 'decision') decisions.push(e.decision);
      else if (e.type === 'commit')
        commits.push({ sha: e.commit.sha, targets: e.commit.targets, attempts: e.commit.attempts });
      else if (e.type === 'error') {
        errors++;
        firstError ??= `${e.code}: ${e.message}`;
      }
    });

    /** Instant Flux: the cluster takes the committed replicas; then wait for Prometheus to see it. */
    const applyCommitted = async () => {
      const commit = commits[commits.length - 1];
      if (!commit) return;
      const replicas = new Map<string, number>();
      for (const d of decisions) {
        if (!d.pushed || d.finalAction.type !== 'replicas') continue;
        const before = cluster.replicasOf(d.target) ?? 0;
        replicas.set(d.target, before + d.finalAction.delta);
      }
      cluster.apply(replicas, commit.sha);
      if (client) await waitForScrape(client, cluster.generation);
    };

    let totalDecisions = 0;
    let pushedDecisions = 0;
    let fullCommits = 0;
    let attemptsMax = 0;
    const cycleMs: number[] = [];
    const gitMs: number[] = [];
    const planMs: number[] = [];
    const metricsMs: number[] = [];
    for (let i = 0; i < c.warmup; i++) {
      decisions = [];
      commits = [];
      await loop.runCycle();
      await applyCommitted();
    }
    errors = 0;
    firstError = undefined;
    global.gc?.();
    const memoryBefore = memoryMiB();
    const loadBefore = loadavg()[0]!;
    let peakRss = memoryBefore.rssMiB;
    for (let i = 0; i < c.cycles; i++) {
      decisions = [];
      commits = [];
      timings.reset();
      const t0 = performance.now();
      await loop.runCycle();
      cycleMs.push(performance.now() - t0);
      gitMs.push(timings.gitMs - timings.planMs);
      planMs.push(timings.planMs);
      metricsMs.push(timings.metricsMs);
      peakRss = Math.max(peakRss, memoryMiB().rssMiB);
      totalDecisions += decisions.length;
      pushedDecisions += decisions.filter((d) => d.pushed).length;
      const held = decisions.find((d) => !d.pushed);
      if (held) firstHold ??= `${held.target}: ${held.final}; ${held.reasons.join('; ')}`;
      if (commits.length === 1 && commits[0]!.targets.length === c.targets) fullCommits++;
      for (const k of commits) attemptsMax = Math.max(attemptsMax, k.attempts);
      await applyCommitted();
    }
    const memoryAfter = memoryMiB();
    const dist = distribution(cycleMs);
    return {
      targets: c.targets,
      source: c.source,
      metricsSource,
      cycles: c.cycles,
      fullCommits,
      pushedDecisions,
      decisions: totalDecisions,
      errors,
      cycleMs: dist,
      gitMs: distribution(gitMs),
      planMs: distribution(planMs),
      metricsMs: distribution(metricsMs),
      perDecisionP50Ms: dist.p50 / c.targets,
      pushAttemptsMax: attemptsMax,
      memoryBefore,
      memoryAfter,
      peakRssMiB: peakRss,
      loadAverage1m: [loadBefore, loadavg()[0]!],
      ...(firstError ? { firstError } : {}),
      ...(firstHold ? { firstHold } : {}),
    };
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls Prometheus until it has scraped the cluster's generation `gen` (untimed: between cycles). */
function waitForScrape(client: PrometheusClient, gen: number): Promise<void> {
  return waitForQuery(client, 'max(bench_cluster_generation)', gen);
}

async function waitForQuery(client: PrometheusClient, query: string, atLeast: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await client.queryInstant(query);
    if (r.resultType === 'vector' && Number(r.result[0]?.value[1]) >= atLeast) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`Prometheus: ${query} did not reach ${atLeast} within 60 s`);
}

/** `--case 100:direct:5` runs one case (targets:source:cycles), e.g. under --cpu-prof. */
function cases(quick: boolean): Case[] {
  const i = process.argv.indexOf('--case');
  if (i >= 0) {
    const [n, source, cycles] = (process.argv[i + 1] ?? '').split(':');
    return [{ targets: Number(n), source: source as Source, cycles: Number(cycles ?? 10), warmup: 1 }];
  }
  // quick is a smoke run (CI, < 5 min for all benchmarks); the full run has the >= 200 decisions
  return quick
    ? [
        { targets: 1, source: 'prometheus', cycles: 20, warmup: 2 },
        { targets: 1, source: 'direct', cycles: 30, warmup: 2 },
        { targets: 100, source: 'prometheus', cycles: 2, warmup: 0 },
        { targets: 100, source: 'direct', cycles: 2, warmup: 0 },
        { targets: 1000, source: 'direct', cycles: 1, warmup: 0 },
      ]
    : [
        { targets: 1, source: 'prometheus', cycles: 220, warmup: 5 },
        { targets: 1, source: 'direct', cycles: 220, warmup: 5 },
        { targets: 100, source: 'prometheus', cycles: 10, warmup: 1 },
        { targets: 100, source: 'direct', cycles: 10, warmup: 1 },
        { targets: 1000, source: 'direct', cycles: 4, warmup: 1 },
      ];
}

async function main(): Promise<void> {
  const quick = isQuick();
  const binary = findPrometheus();
  if (!binary) process.stdout.write('no prometheus binary found: the Prometheus rows are skipped\n');
  const results: CaseResult[] = [];
  for (const c of cases(quick)) {
    const r = await runCase(c, binary);
    if (!r) continue;
    results.push(r);
    process.stdout.write(
      `  ${r.targets} target(s), ${r.metricsSource}: p50 ${r.cycleMs.p50.toFixed(1)} ms over ${r.cycles} cycles\n`,
    );
  }
  process.stdout.write('\n');
  printTable(
    [
      'targets',
      'metrics source',
      'cycles',
      'pushed decisions',
      'full commits',
      'cycle p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'git p50 ms',
      'plan p50 ms',
      'metrics p50 ms',
      'ms/decision (p50)',
      'RSS before MiB',
      'RSS after MiB',
      'heap before MiB',
      'heap after MiB',
      'load 1m',
      'errors',
    ],
    results.map((r) => [
      r.targets,
      r.metricsSource,
      r.cycles,
      `${r.pushedDecisions}/${r.decisions}`,
      `${r.fullCommits}/${r.cycles}`,
      r.cycleMs.p50,
      r.cycleMs.p95,
      r.cycleMs.p99,
      r.cycleMs.max,
      r.gitMs.p50,
      r.planMs.p50,
      r.metricsMs.p50,
      r.perDecisionP50Ms,
      r.memoryBefore.rssMiB,
      r.memoryAfter.rssMiB,
      r.memoryBefore.heapUsedMiB,
      r.memoryAfter.heapUsedMiB,
      `${r.loadAverage1m[0].toFixed(1)}-${r.loadAverage1m[1].toFixed(1)}`,
      r.errors,
    ]),
  );
  for (const r of results)
    if (r.firstHold) process.stdout.write(`first hold (${r.targets}, ${r.metricsSource}): ${r.firstHold}\n`);
  for (const r of results)
    if (r.firstError)
      process.stdout.write(`first error (${r.targets}, ${r.metricsSource}): ${r.firstError}\n`);

  const single =
    results.find((r) => r.targets === 1 && r.source === 'prometheus') ?? results.find((r) => r.targets === 1);
  const big = results.filter((r) => r.targets === 1000);
  const checks = [
    single && {
      target: 'p99 < 150 ms per single-target decision',
      measured: `${single.cycleMs.p99.toFixed(1)} ms (${single.metricsSource}, ${single.cycles} decisions)`,
      met: single.cycleMs.p99 < 150,
    },
    ...big.map((r) => ({
      target: '1000 targets < 3 s per cycle',
      measured: `${(r.cycleMs.p50 / 1000).toFixed(2)} s p50, ${(r.cycleMs.max / 1000).toFixed(2)} s max (${r.metricsSource})`,
      met: r.cycleMs.max < 3000,
    })),
  ].filter((x): x is { target: string; measured: string; met: boolean } => Boolean(x));
  process.stdout.write('\n');
  for (const k of checks)
    process.stdout.write(`target ${k.target}: ${k.met ? 'met' : 'NOT met'}, ${k.measured}\n`);
  writeResults('loop', { results, checks });
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
