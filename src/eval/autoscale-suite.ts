import { getScenario } from '../sim/scenarios';
import type { ServiceParams } from '../sim/service-params';
import type { TrafficPattern } from '../sim/traffic/patterns';
import { backtest, type BacktestPolicy, type BacktestResult, type PolicySummary } from './autoscale-backtest';

/** The built-in traffic patterns every autoscaling model is evaluated on (src/sim/scenarios.ts). */
export const BUILT_IN_EVAL_SCENARIOS: readonly string[] = Object.freeze([
  'steady',
  'diurnal-fast',
  'ramp',
  'spike',
  'flash-crowd',
  'bursts',
  'stages',
]);

export interface SuiteOptions {
  readonly seed: number;
  readonly sloP95Ms: number;
  readonly sloErrorRate: number;
  readonly service: Partial<ServiceParams>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

export interface TraceRun {
  readonly name: string;
  readonly pattern: TrafficPattern;
  readonly durationSeconds: number;
}

export interface SuiteRun {
  readonly name: string;
  readonly durationSeconds: number;
  readonly results: BacktestResult[];
}

export async function runSuite(
  runs: readonly TraceRun[],
  policies: readonly BacktestPolicy[],
  o: SuiteOptions,
): Promise<SuiteRun[]> {
  const out: SuiteRun[] = [];
  for (const r of runs) {
    const results: BacktestResult[] = [];
    for (const p of policies) {
      results.push(await backtest(p, { ...o, pattern: r.pattern, durationSeconds: r.durationSeconds }));
    }
    out.push({ name: r.name, durationSeconds: r.durationSeconds, results });
  }
  return out;
}

export function builtInRuns(names: readonly string[] = BUILT_IN_EVAL_SCENARIOS): TraceRun[] {
  return names.map((n) => {
    const s = getScenario(n);
    return { name: n, pattern: s.pattern, durationSeconds: Math.min(s.durationSeconds, 7200) };
  });
}

/** A's figures relative to B's: pod-minutes ratio and violation minutes. */
export function compare(a: PolicySummary, b: PolicySummary) {
  return {
    podMinutesRatio: b.podMinutes > 0 ? a.podMinutes / b.podMinutes : NaN,
    violationMinutes: a.sloViolationMinutes,
    baselineViolationMinutes: b.sloViolationMinutes,
  };
}

/** A fixed-width text table of the summaries. */
export function summaryTable(rows: readonly PolicySummary[]): string {
  const head = [
    'policy',
    'pod-min',
    'SLO-viol-min',
    'p95 ms',
    'p99 ms',
    'scale actions',
    'commits',
    'fallbacks',
  ];
  const body = rows.map((r) => [
    r.policy,
    r.podMinutes.toFixed(1),
    r.sloViolationMinutes.toFixed(2),
    Number.isFinite(r.p95Ms) ? r.p95Ms.toFixed(0) : '-',
    Number.isFinite(r.p99Ms) ? r.p99Ms.toFixed(0) : '-',
    String(r.scaleActions),
    String(r.commits),
    String(r.fallbacks),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
