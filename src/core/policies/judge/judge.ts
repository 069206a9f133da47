import { mannWhitneyU } from './mann-whitney';

/**
 * A Kayenta-style canary judge (Netflix kayenta-judge `NetflixACAJudge`, `MannWhitneyClassifier`,
 * `WeightedSumScorer`, `ThresholdScoreClassifier`), pure.
 *
 * Per metric: NaN handling (remove or replace with 0), no-data classification, Mann-Whitney U at
 * `confLevel` (default 0.98, as NetflixACAJudge) on canary − baseline, High/Low when the confidence
 * interval lies beyond ±tolerance·|Hodges–Lehmann estimate| (tolerance 0.25) in a direction the
 * metric cares about and the effect size (mean ratio canary/baseline) passes allowedIncrease /
 * allowedDecrease. Group score = 100·Pass/(Pass+High+Low+NodataFail); summary = weighted mean of
 * the groups that have data; a failing critical metric makes the score 0.
 *
 * Deterministic difference from Kayenta: when canary and baseline are each constant (and differ),
 * Kayenta adds tiny Gaussian noise (1e-5 of the value) so the rank test can run; here the exact
 * difference of the two constants is both the estimate and the interval, which is what the noisy
 * test converges to, without randomness — provided the rank test could reach `confLevel` with these
 * sample sizes at all (its p-value for the complete separation is ≤ 1 − confLevel); with fewer
 * readings, e.g. one a side (p = 1), the metric passes, as the noisy test would.
 */

export type MetricDirection = 'increase' | 'decrease' | 'either';
export type NanStrategy = 'remove' | 'replace';
export type MetricLabel = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFail';
export type JudgeVerdict = 'Pass' | 'Marginal' | 'Fail';

export interface JudgeMetricConfig {
  readonly name: string;
  readonly group: string;
  /** which deviation fails the metric: `increase` = only High, `decrease` = only Low; default either */
  readonly direction?: MetricDirection;
  /** default remove */
  readonly nanStrategy?: NanStrategy;
  /** a critical metric that fails (High/Low, or no data) fails the whole canary; default false */
  readonly critical?: boolean;
  /** no data fails the metric (NodataFail) instead of being ignored; default false */
  readonly mustHaveData?: boolean;
  /** effect size (canary mean / baseline mean) needed for High; default 1 (Kayenta's) */
  readonly allowedIncrease?: number;
  /** effect size needed for Low; default 1 */
  readonly allowedDecrease?: number;
  /** critical metrics: effect size needed to fail critically; default 1 */
  readonly criticalIncrease?: number;
  readonly criticalDecrease?: number;
}

export interface JudgeConfig {
  readonly metrics: readonly JudgeMetricConfig[];
  /** group name → weight; groups without a weight get 0 unless no weights are given (then equal) */
  readonly groupWeights?: Readonly<Record<string, number>>;
  /** score thresholds (0..100): >= pass is Pass, >= marginal is Marginal, else Fail; default 95/75 */
  readonly passThreshold?: number;
  readonly marginalThreshold?: number;
  /** default 0.98 (NetflixACAJudge) */
  readonly confLevel?: number;
  /** fraction of |estimate| the interval must clear; default 0.25 (MannWhitneyClassifier) */
  readonly tolerance?: number;
}

export interface MetricResult {
  readonly name: string;
  readonly group: string;
  readonly label: MetricLabel;
  readonly critical: boolean;
  /** mean(canary) / mean(baseline) (effect size); see classifyMetric for a zero baseline */
  readonly deviation: number;
  readonly reason?: string;
  readonly confidenceInterval?: readonly [number, number];
  readonly estimate?: number;
  readonly pValue?: number;
}

export interface GroupScore {
  readonly group: string;
  readonly score: number;
  readonly noData: boolean;
}

export interface JudgeResult {
  readonly score: number;
  readonly verdict: JudgeVerdict;
  readonly metrics: readonly MetricResult[];
  readonly groups: readonly GroupScore[];
  readonly reasons: readonly string[];
}

function mean(a: readonly number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

function prepare(values: readonly number[], strategy: NanStrategy): number[] {
  // Inf is treated like NaN: no usable reading
  return strategy === 'remove'
    ? values.filter((v) => Number.isFinite(v))
    : values.map((v) => (Number.isFinite(v) ? v : 0));
}

/** MannWhitneyClassifier.classify for one metric. */
export function classifyMetric(
  m: JudgeMetricConfig,
  canaryRaw: readonly number[],
  baselineRaw: readonly number[],
  options: { confLevel?: number; tolerance?: number } = {},
): MetricResult {
  const critical = m.critical ?? false;
  const strategy = m.nanStrategy ?? 'remove';
  const canary = prepare(canaryRaw, strategy);
  const baseline = prepare(baselineRaw, strategy);
  const base = { name: m.name, group: m.group };

  if (canary.length === 0 || baseline.length === 0) {
    if (strategy === 'remove') {
      const reason = `Missing data for ${m.name}`;
      if ((m.mustHaveData ?? false) && !critical) {
        return { ...base, label: 'NodataFail', critical: false, deviation: 1, reason };
      }
      return { ...base, label: 'Nodata', critical, deviation: 1, reason };
    }
    return { ...base, label: 'Pass', critical: false, deviation: 1 };
  }
  const sortedC = [...canary].sort((a, b) => a - b);
  const sortedB = [...baseline].sort((a, b) => a - b);
  if (sortedC.length === sortedB.length && sortedC.every((v, i) => v === sortedB[i])) {
    return {
      ...base,
      label: 'Pass',
      critical: false,
      deviation: 1,
      reason: 'The canary and baseline data are identical',
    };
  }
  if (new Set([...canary, ...baseline]).size === 1) {
    return { ...base, label: 'Pass', critical: false, deviation: 1 };
  }

  // Kayenta reports 1.0 when the baseline mean is 0, which would never flag errors appearing on a
  // canary whose baseline has none; here a positive canary mean over a zero baseline is +Infinity.
  const mb = mean(baseline);
  const mc = mean(canary);
  const deviation = mb === 0 ? (mc > 0 ? Infinity : mc < 0 ? 0 : 1) : mc / mb;
  let lower: number;
  let upper: number;
  let estimate: number;
  let pValue: number | undefined;
  if (new Set(canary).size === 1 && new Set(baseline).size === 1) {
    // degenerate: both constant (see the file comment). The shortcut stands for the noisy rank test
    // only when that test could be significant at all with these sample sizes: with one reading a
    // side (or a few), complete separation still has a p-value above 1 − confLevel, and two
    // readings that merely differ are no evidence of a difference.
    const t = mannWhitneyU(canary, baseline, options.confLevel ?? 0.98);
    pValue = t.pValue;
    if (t.pValue > 1 - (options.confLevel ?? 0.98)) {
      return {
        ...base,
        label: 'Pass',
        critical: false,
        deviation,
        reason: `${m.name}: ${canary.length} vs ${baseline.length} readings cannot differ significantly (p = ${t.pValue.toFixed(2)})`,
        pValue,
      };
    }
    estimate = canary[0]! - baseline[0]!;
    lower = estimate;
    upper = estimate;
  } else {
    const t = mannWhitneyU(canary, baseline, options.confLevel ?? 0.98);
    [lower, upper] = t.confidenceInterval;
    estimate = t.estimate;
    pValue = t.pValue;
  }
  const critical_ = options.tolerance ?? 0.25;
  const bound = critical_ * Math.abs(estimate);
  const dir = m.direction ?? 'either';
  // R's interval is clamped to [min(x) − max(y), max(x) − min(y)] and, when the confidence is not
  // achievable with these sample sizes ("requested conf.level not achievable"), returns that clamp,
  // which can exclude 0 although the test is far from significant (e.g. 2 canary readings above 4
  // baseline ones: p = 0.1). A difference needs the test's own p-value at the confidence level too.
  const significant = pValue === undefined || pValue <= 1 - (options.confLevel ?? 0.98);
  const isHigh =
    significant &&
    (dir === 'increase' || dir === 'either') &&
    lower > bound &&
    deviation >= (m.allowedIncrease ?? 1);
  const isLow =
    significant &&
    (dir === 'decrease' || dir === 'either') &&
    upper < -bound &&
    deviation <= (m.allowedDecrease ?? 1);
  const stats = {
    confidenceInterval: [lower, upper] as const,
    estimate,
    ...(pValue === undefined ? {} : { pValue }),
  };
  if (isHigh) {
    const isCrit = critical && deviation >= (m.criticalIncrease ?? 1);
    return {
      ...base,
      label: 'High',
      critical: isCrit,
      deviation,
      reason: `${m.name} was classified as High${isCrit ? ' (Critical)' : ''}`,
      ...stats,
    };
  }
  if (isLow) {
    const isCrit = critical && deviation <= (m.criticalDecrease ?? 1);
    return {
      ...base,
      label: 'Low',
      critical: isCrit,
      deviation,
      reason: `${m.name} was classified as Low${isCrit ? ' (Critical)' : ''}`,
      ...stats,
    };
  }
  return { ...base, label: 'Pass', critical: false, deviation, ...stats };
}

/** WeightedSumScorer group score: 100·Pass/(Pass+High+Low+NodataFail); no data when the sum is 0. */
function groupScore(group: string, results: readonly MetricResult[]): GroupScore {
  const count = (l: MetricLabel) => results.filter((r) => r.label === l).length;
  const measured = count('Pass') + count('High') + count('Low') + count('NodataFail');
  return measured === 0
    ? { group, score: 0, noData: true }
    : { group, score: (100 * count('Pass')) / measured, noData: false };
}

/** Judges canary samples against baseline samples, per metric name. */
export function judgeCanary(
  config: JudgeConfig,
  canary: Readonly<Record<string, readonly number[]>>,
  baseline: Readonly<Record<string, readonly number[]>>,
): JudgeResult {
  const metrics = config.metrics.map((m) =>
    classifyMetric(m, canary[m.name] ?? [], baseline[m.name] ?? [], {
      ...(config.confLevel === undefined ? {} : { confLevel: config.confLevel }),
      ...(config.tolerance === undefined ? {} : { tolerance: config.tolerance }),
    }),
  );
  const groupNames = [...new Set(config.metrics.map((m) => m.group))];
  const groups = groupNames.map((g) =>
    groupScore(
      g,
      metrics.filter((r) => r.group === g),
    ),
  );
  const withData = groups.filter((g) => !g.noData);
  const weights = config.groupWeights;
  const hasWeights = weights !== undefined && Object.keys(weights).length > 0;
  const weightOf = (g: string) => (hasWeights ? (weights[g] ?? 0) : 1);
  const weightSum = withData.reduce((s, g) => s + weightOf(g.group), 0);
  let score = weightSum > 0 ? withData.reduce((s, g) => s + (g.score * weightOf(g.group)) / weightSum, 0) : 0;

  const reasons: string[] = [];
  const criticalFailures = metrics.filter((r) => r.critical && r.label !== 'Pass');
  if (criticalFailures.length > 0) {
    score = 0;
    reasons.push(
      `critical metric failed: ${criticalFailures.map((r) => `${r.name} ${r.label}`).join(', ')} (score 0)`,
    );
  }
  if (withData.length === 0 && criticalFailures.length === 0) reasons.push('no metric had data (score 0)');
  const pass = config.passThreshold ?? 95;
  const marginal = config.marginalThreshold ?? 75;
  const verdict: JudgeVerdict = score >= pass ? 'Pass' : score >= marginal ? 'Marginal' : 'Fail';
  for (const r of metrics) if (r.label !== 'Pass' && r.reason) reasons.push(r.reason);
  reasons.unshift(`judge score ${score.toFixed(1)} -> ${verdict} (pass >= ${pass}, marginal >= ${marginal})`);
  return { score, verdict, metrics, groups, reasons };
}
