/**
 * Policy quality, as `maestro eval` measures it (src/eval: the simulator's AutoscaleEnv in virtual
 * time, one decision per 15 s, same seed for every policy), on every built-in traffic pattern
 * (BUILT_IN_EVAL_SCENARIOS) and every evaluation trace (traces/eval-*.csv, rescaled to `maestro
 * eval`'s default peak): pod-minutes, SLO-violation minutes, and ratios to the HPA baseline and
 * to the oracle (the fewest pods meeting the SLO, knowing the future) measured in the same run.
 *
 * Policies: `hpa`, the shipped model `onnx:policies/autoscale.onnx` when it exists (falling back to
 * hpa as in production), and `oracle`. `--quick` evaluates the first hour of each run only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVAL_DEFAULTS } from '../src/cli/commands/eval';
import { evalPolicies } from '../src/cli/wiring/eval-policies';
import { findPackageRoot } from '../src/cli/wiring/template-files';
import { builtInRuns, runSuite, type TraceRun } from '../src/eval/autoscale-suite';
import { patternDuration } from '../src/sim/traffic/patterns';
import { parseTraceCsv, traceToPattern } from '../src/sim/traffic/trace-csv';
import { isQuick, printTable, writeResults } from './lib/report';

interface Row {
  readonly run: string;
  readonly hours: number;
  readonly policy: string;
  readonly podMinutes: number;
  readonly sloViolationMinutes: number;
  readonly p95Ms: number;
  readonly commits: number;
  readonly fallbacks: number;
  readonly podMinutesVsHpa: number;
  readonly podMinutesVsOracle: number;
  readonly violationMinutesHpa: number;
  readonly violationMinutesOracle: number;
}

function evalTraceRuns(root: string): TraceRun[] {
  const dir = join(root, 'traces');
  return readdirSync(dir)
    .filter((f) => /^eval-.*\.csv$/.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const trace = parseTraceCsv(readFileSync(file, 'utf8'), file);
      const pattern = traceToPattern(trace, EVAL_DEFAULTS.peakRps);
      const durationSeconds = patternDuration(pattern) ?? trace.counts.length * trace.stepSeconds;
      return { name: `traces/${f}`, pattern, durationSeconds };
    });
}

async function main(): Promise<void> {
  const quick = isQuick();
  const root = findPackageRoot();
  const model = join(root, 'policies', 'autoscale.onnx');
  const refs = ['hpa', ...(existsSync(model) ? ['onnx:policies/autoscale.onnx'] : []), 'oracle'];
  if (!existsSync(model)) process.stdout.write('policies/autoscale.onnx not found: hpa and oracle only\n');
  const { policies, models } = await evalPolicies(
    refs.map((r) => (r.startsWith('onnx:') ? `onnx:${model}` : r)),
    { fallback: 'hpa', minConfidence: 0.5, latencyBudgetMs: 50, now: () => performance.now() },
  );
  const cap = quick ? 3600 : Number.POSITIVE_INFINITY;
  const runs = [...builtInRuns(), ...evalTraceRuns(root)].map((r) => ({
    ...r,
    durationSeconds: Math.min(r.durationSeconds, cap),
  }));
  const started = performance.now();
  try {
    const suite = await runSuite(runs, policies, {
      seed: EVAL_DEFAULTS.seed,
      sloP95Ms: EVAL_DEFAULTS.sloP95Ms,
      sloErrorRate: 0.01,
      service: { startupSeconds: EVAL_DEFAULTS.startupSeconds, startupJitterSeconds: 0 },
      minReplicas: EVAL_DEFAULTS.minReplicas,
      maxReplicas: EVAL_DEFAULTS.maxReplicas,
    });
    const rows: Row[] = [];
    for (const run of suite) {
      const sums = run.results.map((r) => r.summary);
      const hpa = sums[0]!;
      const oracle = sums[sums.length - 1]!;
      for (const [i, s] of sums.entries()) {
        rows.push({
          run: run.name,
          hours: run.durationSeconds / 3600,
          policy: refs[i]!,
          podMinutes: s.podMinutes,
          sloViolationMinutes: s.sloViolationMinutes,
          p95Ms: s.p95Ms,
          commits: s.commits,
          fallbacks: s.fallbacks,
          podMinutesVsHpa: s.podMinutes / hpa.podMinutes,
          podMinutesVsOracle: s.podMinutes / oracle.podMinutes,
          violationMinutesHpa: hpa.sloViolationMinutes,
          violationMinutesOracle: oracle.sloViolationMinutes,
        });
      }
    }
    printTable(
      [
        'run',
        'hours',
        'policy',
        'pod-min',
        'SLO-viol-min',
        'pod-min / hpa',
        'pod-min / oracle',
        'p95 ms',
        'commits',
        'fallbacks',
      ],
      rows.map((r) => [
        r.run,
        r.hours,
        r.policy,
        r.podMinutes,
        r.sloViolationMinutes,
        r.podMinutesVsHpa,
        r.podMinutesVsOracle,
        r.p95Ms,
        r.commits,
        r.fallbacks,
      ]),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\n${runs.length} runs x ${refs.length} policies in ${seconds.toFixed(1)} s\n`);
    writeResults('policy', {
      policies: refs,
      settings: { ...EVAL_DEFAULTS, quickHoursCap: quick ? 1 : null },
      seconds,
      rows,
    });
  } finally {
    await Promise.all(models.map((m) => m.close()));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
