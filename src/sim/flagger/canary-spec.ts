import { MaestroError } from '../../core/errors';
import { parseDurationSeconds } from '../traffic/patterns';

/**
 * The parts of a Flagger Canary (flagger.app/v1beta1) the simulated controller uses, parsed from the
 * manifest object. Defaults as in Flagger v1.44 (pkg/apis/flagger/v1beta1/canary.go): interval 60 s
 * (floor 10 s), threshold 1, maxWeight 100, progressDeadlineSeconds 600.
 */
export type WebhookType =
  | 'confirm-rollout'
  | 'pre-rollout'
  | 'rollout'
  | 'confirm-traffic-increase'
  | 'confirm-promotion'
  | 'post-rollout'
  | 'rollback'
  | 'event';

export interface CanaryWebhook {
  readonly name: string;
  readonly type: WebhookType;
  readonly url: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface CanaryMetric {
  /** builtin: `request-success-rate` (percent) or `request-duration` (p99, ms) */
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  /** query window (s); default 60 */
  readonly intervalSeconds: number;
}

export interface CanaryAnalysis {
  readonly intervalSeconds: number;
  readonly threshold: number;
  readonly maxWeight?: number;
  readonly stepWeight?: number;
  readonly stepWeights?: readonly number[];
  readonly iterations?: number;
  readonly metrics: readonly CanaryMetric[];
  readonly webhooks: readonly CanaryWebhook[];
}

export interface CanarySpec {
  readonly name: string;
  readonly namespace: string;
  /** spec.targetRef.name: the Deployment under analysis */
  readonly targetName: string;
  readonly skipAnalysis: boolean;
  readonly progressDeadlineSeconds: number;
  readonly analysis: CanaryAnalysis;
}

const WEBHOOK_TYPES: readonly WebhookType[] = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event',
];

/** Flagger's GetMaxWeight: the last stepWeights entry, else maxWeight (default 100). */
export function maxWeightOf(a: CanaryAnalysis): number {
  if (a.stepWeights && a.stepWeights.length > 0) return a.stepWeights[a.stepWeights.length - 1] as number;
  return a.maxWeight ?? 100;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a Canary manifest object. Problems (including the CRD's oneOf: at most one of iterations,
 * stepWeight, stepWeights) are MANIFEST_SCHEMA_INVALID naming the file and field: Flux's apply fails.
 */
export function parseCanary(doc: unknown, file: string): CanarySpec {
  const bad = (field: string, message: string): never => {
    throw new MaestroError('MANIFEST_SCHEMA_INVALID', `${file}: Canary ${field}: ${message}`, {
      data: { file, field },
    });
  };
  if (!isObj(doc)) return bad('', 'not an object');
  const meta = isObj(doc.metadata) ? doc.metadata : bad('metadata', 'missing');
  const name = typeof meta.name === 'string' ? meta.name : bad('metadata.name', 'missing');
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const spec = isObj(doc.spec) ? doc.spec : bad('spec', 'missing');
  const targetRef = isObj(spec.targetRef) ? spec.targetRef : bad('spec.targetRef', 'missing');
  const targetName =
    typeof targetRef.name === 'string' ? targetRef.name : bad('spec.targetRef.name', 'missing');
  const a = isObj(spec.analysis)
    ? spec.analysis
    : isObj(spec.canaryAnalysis)
      ? spec.canaryAnalysis
      : bad('spec.analysis', 'missing');
  const num = (v: unknown, field: string, min: number, max = Infinity): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return bad(field, `must be an integer in [${min}, ${max === Infinity ? '∞' : max}]`);
    }
    return v;
  };
  const given = ['iterations', 'stepWeight', 'stepWeights'].filter(
    (k) => a[k] !== undefined && a[k] !== null,
  );
  if (given.length > 1) {
    bad(
      'spec.analysis',
      `set only one of iterations, stepWeight, stepWeights (found ${given.join(' and ')})`,
    );
  }
  let stepWeights: number[] | undefined;
  if (a.stepWeights !== undefined && a.stepWeights !== null) {
    if (!Array.isArray(a.stepWeights) || a.stepWeights.length === 0)
      bad('spec.analysis.stepWeights', 'must be a non-empty list');
    stepWeights = (a.stepWeights as unknown[]).map(
      (w, i) => num(w, `spec.analysis.stepWeights[${i}]`, 1, 100) as number,
    );
    for (let i = 1; i < stepWeights.length; i++) {
      if ((stepWeights[i] as number) <= (stepWeights[i - 1] as number)) {
        bad(`spec.analysis.stepWeights[${i}]`, 'must be greater than the previous entry');
      }
    }
  }
  const intervalText = a.interval === undefined ? '60s' : String(a.interval);
  let intervalSeconds: number;
  try {
    intervalSeconds = Math.max(10, parseDurationSeconds(intervalText));
  } catch {
    return bad('spec.analysis.interval', `"${intervalText}" is not a duration like 1m or 30s`);
  }
  const metrics: CanaryMetric[] = (Array.isArray(a.metrics) ? a.metrics : []).map((m: unknown, i: number) => {
    if (!isObj(m) || typeof m.name !== 'string') return bad(`spec.analysis.metrics[${i}].name`, 'missing');
    const range = isObj(m.thresholdRange) ? m.thresholdRange : {};
    const lim = (v: unknown) => (typeof v === 'number' ? v : undefined);
    let windowSeconds = 60;
    if (m.interval !== undefined) {
      try {
        windowSeconds = parseDurationSeconds(String(m.interval));
      } catch {
        bad(`spec.analysis.metrics[${i}].interval`, 'not a duration');
      }
    }
    const metric: CanaryMetric = { name: m.name, intervalSeconds: windowSeconds };
    const min = lim(range.min);
    const max = lim(range.max);
    return { ...metric, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  });
  const webhooks: CanaryWebhook[] = (Array.isArray(a.webhooks) ? a.webhooks : []).map(
    (w: unknown, i: number) => {
      if (!isObj(w) || typeof w.url !== 'string') return bad(`spec.analysis.webhooks[${i}].url`, 'missing');
      const type = (w.type ?? 'rollout') as WebhookType;
      if (!WEBHOOK_TYPES.includes(type))
        bad(`spec.analysis.webhooks[${i}].type`, `unknown type "${String(w.type)}"`);
      const metadata = isObj(w.metadata)
        ? Object.fromEntries(Object.entries(w.metadata).map(([k, v]) => [k, String(v)]))
        : undefined;
      return {
        name: typeof w.name === 'string' ? w.name : `webhook-${i}`,
        type,
        url: w.url,
        ...(metadata ? { metadata } : {}),
      };
    },
  );
  const maxWeight = num(a.maxWeight, 'spec.analysis.maxWeight', 1, 100);
  const stepWeight = num(a.stepWeight, 'spec.analysis.stepWeight', 1, 100);
  const iterations = num(a.iterations, 'spec.analysis.iterations', 1);
  const analysis: CanaryAnalysis = {
    intervalSeconds,
    threshold: num(a.threshold, 'spec.analysis.threshold', 1) ?? 1,
    metrics,
    webhooks,
    ...(maxWeight !== undefined ? { maxWeight } : {}),
    ...(stepWeight !== undefined ? { stepWeight } : {}),
    ...(stepWeights !== undefined ? { stepWeights } : {}),
    ...(iterations !== undefined ? { iterations } : {}),
  };
  return {
    name,
    namespace,
    targetName,
    skipAnalysis: spec.skipAnalysis === true,
    progressDeadlineSeconds: num(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds', 1) ?? 600,
    analysis,
  };
}
