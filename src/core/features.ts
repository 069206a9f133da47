import { memoCanaryEvidence, type CanaryEvidence } from './canary-evidence';
import type { CanaryPhase, Observation } from './observation';
import type { Sample } from './sample';

/**
 * The fixed feature vectors a model sees, built from an Observation. The trainer, the ONNX policy
 * and the model card all use exactly this: names, order, units and normalisation are versioned by
 * FEATURE_VERSION, and a model whose card names another version is refused.
 *
 * Layout of a model input: `[values (N), mask (N)]`, length 2N. For each feature, `mask` is 1 when
 * the source had no data (missing series, NaN, Inf, stale, Prometheus error) and then the value is
 * 0 — never a made-up number. Values are clipped to [0, CLIP_MAX] after normalisation so that a wild
 * reading cannot push a model far outside its training range.
 *
 * Change anything below → bump that set's version in FEATURE_VERSIONS.
 */
export const FEATURE_VERSION = 1;

/**
 * Version per feature set; a model card records its set's version. Canary v2 added the sequential
 * evidence features (src/core/canary-evidence.ts) after the 14 features of v1.
 */
export const FEATURE_VERSIONS: Readonly<Record<'autoscale' | 'canary', number>> = Object.freeze({
  autoscale: FEATURE_VERSION,
  canary: 2,
});

export const CLIP_MAX = 10;

/** What normalisation needs beyond the observation (PolicyContext satisfies it). */
export interface FeatureContext {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** ms */
  readonly sloP95Ms: number;
  /** fraction 0..1 */
  readonly sloErrorRate: number;
}

export interface FeatureSpec {
  readonly name: string;
  /** unit of the raw value */
  readonly unit: string;
  /** how the raw value becomes the model input, in words (the README table shows this) */
  readonly normalisation: string;
  /** the raw value, or undefined for no data */
  readonly raw: (obs: Observation, ctx: FeatureContext) => number | undefined;
  readonly normalise: (raw: number, ctx: FeatureContext) => number;
}

const ok = (s: Sample | undefined): number | undefined => (s && s.ok ? s.value : undefined);
const perMax = (v: number, ctx: FeatureContext) => v / Math.max(1, ctx.maxReplicas);
const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;

/** Autoscaling features (deployment-replicas and hpa-bounds targets). */
export const AUTOSCALE_FEATURES: readonly FeatureSpec[] = [
  {
    name: 'cpu_utilization',
    unit: 'fraction of CPU requests (0.7 = 70 %)',
    normalisation: 'as is',
    raw: (o) => ok(o.service.cpuUtilization),
    normalise: (v) => v,
  },
  {
    name: 'memory_per_pod_gib',
    unit: 'bytes (working set per pod)',
    normalisation: '/ 2^30 (GiB)',
    raw: (o) => ok(o.service.memoryBytes),
    normalise: (v) => v / GIB,
  },
  {
    name: 'ready_replicas',
    unit: 'pods',
    normalisation: '/ maxReplicas',
    raw: (o) => ok(o.service.readyReplicas),
    normalise: perMax,
  },
  {
    name: 'spec_replicas',
    unit: 'pods',
    normalisation: '/ maxReplicas',
    raw: (o) => ok(o.service.specReplicas),
    normalise: perMax,
  },
  {
    name: 'declared_replicas',
    unit: 'pods (git: spec.replicas, or the HPA floor for hpa-bounds)',
    normalisation: '/ maxReplicas',
    raw: (o) => o.declared.replicas ?? o.declared.minReplicas,
    normalise: perMax,
  },
  {
    name: 'min_replicas',
    unit: "pods (the target's hard floor)",
    normalisation: '/ maxReplicas',
    raw: (_o, c) => c.minReplicas,
    normalise: perMax,
  },
  {
    name: 'rps',
    unit: 'requests/s (whole service)',
    normalisation: '/ 1000',
    raw: (o) => ok(o.service.rps),
    normalise: (v) => v / 1000,
  },
  {
    name: 'rps_per_ready_pod',
    unit: 'requests/s per ready pod',
    normalisation: '/ 100',
    raw: (o) => {
      const rps = ok(o.service.rps);
      const ready = ok(o.service.readyReplicas);
      return rps === undefined || ready === undefined || ready <= 0 ? undefined : rps / ready;
    },
    normalise: (v) => v / 100,
  },
  {
    name: 'p95_latency',
    unit: 'ms',
    normalisation: '/ slo.p95Ms',
    raw: (o) => ok(o.service.p95LatencyMs),
    normalise: (v, c) => v / c.sloP95Ms,
  },
  {
    name: 'p99_latency',
    unit: 'ms',
    normalisation: '/ slo.p95Ms',
    raw: (o) => ok(o.service.p99LatencyMs),
    normalise: (v, c) => v / c.sloP95Ms,
  },
  {
    name: 'error_rate',
    unit: 'fraction of requests answered 5xx',
    normalisation: '/ slo.errorRate',
    raw: (o) => ok(o.service.errorRate),
    normalise: (v, c) => v / Math.max(1e-6, c.sloErrorRate),
  },
  {
    name: 'time_of_day_sin',
    unit: 'observation time (UTC)',
    normalisation: '(sin(2π·t/24h) + 1) / 2',
    raw: (o) => o.at,
    normalise: (t) => (Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS) + 1) / 2,
  },
  {
    name: 'time_of_day_cos',
    unit: 'observation time (UTC)',
    normalisation: '(cos(2π·t/24h) + 1) / 2',
    raw: (o) => o.at,
    normalise: (t) => (Math.cos((2 * Math.PI * (t % DAY_MS)) / DAY_MS) + 1) / 2,
  },
];

/** Flagger phases a canary model distinguishes; anything else is "other". */
const PHASE_GROUPS: ReadonlyArray<readonly [string, readonly CanaryPhase[]]> = [
  ['progressing', ['Progressing', 'Initialized', 'Waiting']],
  ['waiting_promotion', ['WaitingPromotion', 'Promoting', 'Finalising']],
];

/** Canary features of v1 (flagger-canary targets): the current readings. */
const CANARY_READING_FEATURES: readonly FeatureSpec[] = [
  {
    name: 'canary_weight',
    unit: 'percent of traffic on the canary',
    normalisation: '/ 100',
    raw: (o) => ok(o.canary?.weight),
    normalise: (v) => v / 100,
  },
  {
    name: 'failed_checks',
    unit: 'failed checks in this run',
    normalisation: '/ 10',
    raw: (o) => o.canary?.failedChecks,
    normalise: (v) => v / 10,
  },
  ...PHASE_GROUPS.map(([group, phases]): FeatureSpec => ({
    name: `phase_${group}`,
    unit: `1 when the phase is ${phases.join('/')}`,
    normalisation: 'as is',
    raw: (o) => (o.canary ? (phases.includes(o.canary.phase) ? 1 : 0) : undefined),
    normalise: (v) => v,
  })),
  ...(['canary', 'primary'] as const).flatMap((side): FeatureSpec[] => [
    {
      name: `${side}_rps`,
      unit: 'requests/s',
      normalisation: '/ 1000',
      raw: (o) => ok(o.canary?.[side].rps),
      normalise: (v) => v / 1000,
    },
    {
      name: `${side}_p95_latency`,
      unit: 'ms',
      normalisation: '/ slo.p95Ms',
      raw: (o) => ok(o.canary?.[side].p95LatencyMs),
      normalise: (v, c) => v / c.sloP95Ms,
    },
    {
      name: `${side}_p99_latency`,
      unit: 'ms',
      normalisation: '/ slo.p95Ms',
      raw: (o) => ok(o.canary?.[side].p99LatencyMs),
      normalise: (v, c) => v / c.sloP95Ms,
    },
    {
      name: `${side}_error_rate`,
      unit: 'fraction of requests answered 5xx',
      normalisation: '/ slo.errorRate',
      raw: (o) => ok(o.canary?.[side].errorRate),
      normalise: (v, c) => v / Math.max(1e-6, c.sloErrorRate),
    },
  ]),
  {
    name: 'p95_ratio_canary_primary',
    unit: 'canary p95 / primary p95',
    normalisation: 'as is',
    raw: (o) => ratio(ok(o.canary?.canary.p95LatencyMs), ok(o.canary?.primary.p95LatencyMs)),
    normalise: (v) => v,
  },
  {
    name: 'error_rate_diff',
    unit: 'canary − primary error rate (fraction)',
    normalisation: '/ slo.errorRate, shifted by +1 (1 = equal)',
    raw: (o) => {
      const c = ok(o.canary?.canary.errorRate);
      const p = ok(o.canary?.primary.errorRate);
      return c === undefined || p === undefined ? undefined : c - p;
    },
    normalise: (v, c) => v / Math.max(1e-6, c.sloErrorRate) + 1,
  },
];

/** The observation's canary evidence, undefined without steps. */
function evidenceOf(o: Observation, ctx: FeatureContext): CanaryEvidence | undefined {
  const steps = o.canary?.steps;
  return steps ? memoCanaryEvidence(steps, ctx) : undefined;
}

/** LLRs in [−25, 25] map onto the clip range [0, 10]; 5 = no evidence either way. */
const llrFeature = (name: string, unit: string, pick: (e: CanaryEvidence) => number): FeatureSpec => ({
  name,
  unit,
  normalisation: '/ 5, shifted by +5 (5 = no evidence)',
  raw: (o, c) => {
    const e = evidenceOf(o, c);
    return e === undefined || e.canaryRequests <= 0 ? undefined : pick(e);
  },
  normalise: (v) => v / 5 + 5,
});

/** Canary v2: sequential evidence over the run (src/core/canary-evidence.ts), appended to v1. */
const CANARY_EVIDENCE_FEATURES: readonly FeatureSpec[] = [
  llrFeature(
    'error_llr_vs_primary',
    'LLR: canary error rate = primary + 0.15 × slo.errorRate vs equal (healthy-primary steps)',
    (e) => e.errorVsPrimary,
  ),
  llrFeature('error_llr_vs_slo', 'LLR: canary error rate 1.5 × vs 0.5 × slo.errorRate', (e) => e.errorVsSlo),
  llrFeature(
    'latency_llr_balanced',
    'LLR: canary p95 ×1.1 vs equal to primary (steps with balanced load)',
    (e) => e.latencyBalanced,
  ),
  llrFeature(
    'latency_llr_lighter',
    'LLR: canary p95 ×1.1 vs equal to primary (steps where the canary serves less; slowness only)',
    (e) => e.latencyLighter,
  ),
  llrFeature(
    'latency_llr_vs_slo',
    'LLR: canary p95 ×1.1 vs ×1/1.1 slo.p95Ms (steps with ≤ half the primary’s requests)',
    (e) => e.latencyVsSlo,
  ),
  llrFeature(
    'regression_llr',
    'LLR: the strongest of the five above (any metric regressed: roll back)',
    (e) => Math.max(e.errorVsPrimary, e.errorVsSlo, e.latencyBalanced, e.latencyLighter, e.latencyVsSlo),
  ),
  llrFeature(
    'acceptance_llr',
    'LLR: the weaker of error_llr_vs_primary and latency_llr_balanced (every metric must accept to promote)',
    (e) => Math.max(e.errorVsPrimary, e.latencyBalanced),
  ),
  {
    name: 'reference_steps',
    unit: 'steps with canary traffic and a primary within the SLO',
    normalisation: '/ 10',
    raw: (o, c) => evidenceOf(o, c)?.referenceSteps,
    normalise: (v) => v / 10,
  },
  {
    name: 'balanced_steps',
    unit: 'reference steps where both versions served within 20 % of the same requests',
    normalisation: '/ 10',
    raw: (o, c) => evidenceOf(o, c)?.balancedSteps,
    normalise: (v) => v / 10,
  },
];

/** Canary features (flagger-canary targets), v2: the readings, then the evidence over the run. */
export const CANARY_FEATURES: readonly FeatureSpec[] = [
  ...CANARY_READING_FEATURES,
  ...CANARY_EVIDENCE_FEATURES,
];

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b <= 0 ? undefined : a / b;
}

export type FeatureSet = 'autoscale' | 'canary';

export function featureSpecs(set: FeatureSet): readonly FeatureSpec[] {
  return set === 'autoscale' ? AUTOSCALE_FEATURES : CANARY_FEATURES;
}

/** The feature set for a target kind. */
export function featureSetFor(kind: Observation['kind']): FeatureSet {
  return kind === 'flagger-canary' ? 'canary' : 'autoscale';
}

export interface FeatureVector {
  readonly version: number;
  readonly set: FeatureSet;
  readonly names: readonly string[];
  /** normalised and clipped; 0 where mask is 1 */
  readonly values: Float32Array;
  /** 1 = no data for this feature */
  readonly mask: Float32Array;
  /** values followed by mask: the model input, length 2 * names.length */
  readonly input: Float32Array;
}

function clip(v: number): number {
  return Math.min(CLIP_MAX, Math.max(0, v));
}

/** Encodes one observation. Pure; NaN/Inf after normalisation also count as no data. */
export function encodeFeatures(
  obs: Observation,
  ctx: FeatureContext,
  set: FeatureSet = featureSetFor(obs.kind),
): FeatureVector {
  const specs = featureSpecs(set);
  const n = specs.length;
  const values = new Float32Array(n);
  const mask = new Float32Array(n);
  specs.forEach((f, i) => {
    const raw = f.raw(obs, ctx);
    const v = raw === undefined ? undefined : f.normalise(raw, ctx);
    if (v === undefined || !Number.isFinite(v)) {
      values[i] = 0;
      mask[i] = 1;
    } else {
      values[i] = clip(v);
      mask[i] = 0;
    }
  });
  const input = new Float32Array(2 * n);
  input.set(values, 0);
  input.set(mask, n);
  return { version: FEATURE_VERSIONS[set], set, names: specs.map((f) => f.name), values, mask, input };
}

/** The markdown table documenting a feature set (README and model cards). */
export function featureTable(set: FeatureSet): string {
  const rows = featureSpecs(set).map((f, i) => `| ${i} | \`${f.name}\` | ${f.unit} | ${f.normalisation} |`);
  return ['| # | feature | unit (raw) | normalisation |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** What a model card records about its input: enough to refuse a model built for another encoding. */
export interface FeatureCard {
  readonly featureVersion: number;
  readonly set: FeatureSet;
  /** input length: 2 × names.length (values, then the no-data mask) */
  readonly inputLength: number;
  readonly features: ReadonlyArray<{
    readonly name: string;
    readonly unit: string;
    readonly normalisation: string;
  }>;
}

export function featureCard(set: FeatureSet): FeatureCard {
  const specs = featureSpecs(set);
  return {
    featureVersion: FEATURE_VERSIONS[set],
    set,
    inputLength: 2 * specs.length,
    features: specs.map((f) => ({ name: f.name, unit: f.unit, normalisation: f.normalisation })),
  };
}
