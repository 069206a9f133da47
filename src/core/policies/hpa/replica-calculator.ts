/**
 * The Kubernetes HPA replica calculation, reproduced as pure functions.
 *
 * Source: kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go (v1.33+:
 * `GetResourceReplicas`, `GetRawResourceReplicas`, `GetMetricReplicas`, `calcPlainMetricReplicas`,
 * `GetExternalMetricReplicas`, `GetExternalPerPodMetricReplicas`, `getUsageRatioReplicaCount`,
 * `groupPods`, `removeMetricsForPods`) and pkg/controller/podautoscaler/metrics/utilization.go
 * (`GetResourceUtilizationRatio`, `GetMetricUsageRatio`).
 *
 * Units: `usage` and `request` are in one unit of your choice; give them in milli-units (e.g.
 * millicores) to reproduce Kubernetes' int64 milli-value arithmetic exactly (utilisation is an
 * integer percent truncated toward zero; per-pod averages are truncated too).
 *
 * Readiness: Kubernetes decides "unready" for CPU from the Ready condition, the pod start time and
 * the CPU initialisation period (default 5 min) / initial readiness delay (default 30 s). Here the
 * caller passes the outcome as `ready`; it is used only for CPU, exactly like `groupPods`. For other
 * resources and for pod (custom) metrics only the Pending phase makes a pod unready.
 */

export type HpaPodPhase = 'Running' | 'Pending' | 'Failed' | 'Succeeded';

export interface HpaPod {
  readonly name: string;
  readonly phase: HpaPodPhase;
  /** outcome of Kubernetes' CPU readiness rules (Ready condition + initialisation period) */
  readonly ready: boolean;
  /** the pod has a deletionTimestamp (terminating) */
  readonly deleting: boolean;
  /** the metrics API returned a sample for this pod */
  readonly hasMetric: boolean;
  /** the pod's metric value (resource usage, or the pod metric's value); ignored when !hasMetric */
  readonly usage: number;
  /** the pod's resource request (sum over containers); used by Utilization targets only */
  readonly request: number;
}

/** autoscaling/v2 MetricTarget. */
export type HpaMetricTarget =
  | { readonly type: 'Utilization'; readonly averageUtilization: number }
  | { readonly type: 'AverageValue'; readonly averageValue: number }
  | { readonly type: 'Value'; readonly value: number };

/**
 * Where the metric comes from (autoscaling/v2 MetricSourceType):
 * - `resource`: per-pod resource metric (`cpu` applies the readiness rules); Utilization →
 *   GetResourceReplicas, AverageValue → GetRawResourceReplicas.
 * - `pods`: per-pod custom metric, AverageValue → GetMetricReplicas.
 * - `external`: one total (`metricTotal`), AverageValue → GetExternalPerPodMetricReplicas,
 *   Value → GetExternalMetricReplicas (Object metrics follow the same two formulas).
 */
export type HpaMetricSource = 'resource' | 'pods' | 'external';

/** Per-direction tolerance (HPAScalingRules.tolerance, v1.33); both default to 0.1. */
export interface HpaTolerances {
  readonly scaleUp: number;
  readonly scaleDown: number;
}

export interface HpaCalcInput {
  /** scale.spec.replicas (for per-pod external targets: status.replicas) */
  readonly currentReplicas: number;
  readonly target: HpaMetricTarget;
  readonly pods: readonly HpaPod[];
  /** default: `external` when `metricTotal` is given, else `resource` */
  readonly source?: HpaMetricSource;
  /** resource name for `resource` sources; default `cpu` (readiness rules apply only to cpu) */
  readonly resource?: 'cpu' | 'memory';
  /** sum of the external/object metric's values (same unit as the target) */
  readonly metricTotal?: number;
  /** --horizontal-pod-autoscaler-tolerance; default 0.1 */
  readonly tolerance?: number | HpaTolerances;
}

export type HpaCalcReason =
  | 'within-tolerance'
  | 'computed'
  | 'direction-would-flip'
  | 'metrics-length-would-flip'
  | 'scale-from-zero'
  | 'no-pods'
  | 'no-metrics'
  | 'no-requests'
  | 'invalid-target';

export interface HpaCalcResult {
  /** desired replicas; equals currentReplicas when there is no change or an error */
  readonly replicas: number;
  /** Utilization targets: current utilisation in integer percent (status.currentMetrics) */
  readonly utilization?: number;
  /** current value as Kubernetes reports it: raw average per pod (resource/pods), total (external Value) or per-pod average (external AverageValue) */
  readonly value?: number;
  readonly reason: HpaCalcReason;
  /** set when Kubernetes would fail the computation (the HPA then keeps the current scale) */
  readonly error?: string;
}

export const DEFAULT_TOLERANCE = 0.1;

function tolerancesOf(t: HpaCalcInput['tolerance']): HpaTolerances {
  if (t === undefined) return { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };
  if (typeof t === 'number') return { scaleUp: t, scaleDown: t };
  return t;
}

/** Tolerances.isWithin: (1 - down) <= ratio <= (1 + up). */
export function isWithinTolerance(t: HpaTolerances, usageRatio: number): boolean {
  return 1.0 - t.scaleDown <= usageRatio && usageRatio <= 1.0 + t.scaleUp;
}

/**
 * Integer division of non-negative milli-values as Go's int64 `/` does. The tiny epsilon only
 * absorbs binary floating-point noise for fractional inputs; for integer inputs below 1e9 it never
 * changes the result (a non-integer quotient a/b is at least 1/b away from the next integer).
 */
function truncDiv(a: number, b: number): number {
  const q = a / b;
  return q >= 0 ? Math.floor(q + 1e-9) : Math.ceil(q - 1e-9);
}

interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: ignored = deleting or Failed; unready = Pending, or (cpu) not ready; missing = no metric. */
export function groupPods(pods: readonly HpaPod[], cpuReadinessRules: boolean): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      g.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      g.unready.add(pod.name);
      continue;
    }
    if (!pod.hasMetric) {
      g.missing.add(pod.name);
      continue;
    }
    if (cpuReadinessRules && !pod.ready) {
      g.unready.add(pod.name);
      continue;
    }
    g.readyPodCount++;
  }
  return g;
}

/** Pod metrics as the metrics client returns them (only pods that have a sample). */
function podMetrics(pods: readonly HpaPod[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of pods) if (p.hasMetric) m.set(p.name, p.usage);
  return m;
}

function removeMetricsForPods(metrics: Map<string, number>, pods: Set<string>): void {
  for (const p of pods) metrics.delete(p);
}

/** metrics.GetResourceUtilizationRatio; undefined when the request total is 0. */
function resourceUtilizationRatio(
  metrics: Map<string, number>,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } | undefined {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    // missing requests == extraneous metrics (the Kubernetes comment)
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) return undefined;
  const utilization = truncDiv(metricsTotal * 100, requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: truncDiv(metricsTotal, entries) };
}

/** metrics.GetMetricUsageRatio: the average is truncated before the ratio is taken. */
function metricUsageRatio(
  metrics: Map<string, number>,
  targetUsage: number,
): { ratio: number; usage: number } {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const usage = truncDiv(total, metrics.size);
  return { ratio: usage / targetUsage, usage };
}

/** GetResourceReplicas (Utilization target of a Resource metric). */
function getResourceReplicas(
  input: HpaCalcInput,
  targetUtilization: number,
  t: HpaTolerances,
): HpaCalcResult {
  const current = input.currentReplicas;
  const metrics = podMetrics(input.pods);
  if (input.pods.length === 0)
    return fail(current, 'no-pods', 'no pods returned by selector while calculating replica count');
  const g = groupPods(input.pods, (input.resource ?? 'cpu') === 'cpu');
  removeMetricsForPods(metrics, g.ignored);
  removeMetricsForPods(metrics, g.unready);
  if (metrics.size === 0) {
    return fail(current, 'no-metrics', 'did not receive metrics for targeted pods (pods might be unready)');
  }
  const requests = new Map(input.pods.map((p) => [p.name, p.request] as const));
  const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
  if (!first) return fail(current, 'no-requests', 'no metrics returned matched known pods');
  const { ratio: usageRatio, utilization, rawAverage } = first;
  const out = (replicas: number, reason: HpaCalcReason): HpaCalcResult => ({
    replicas,
    utilization,
    value: rawAverage,
    reason,
  });

  const scaleUpWithUnready = g.unready.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithinTolerance(t, usageRatio)) return out(current, 'within-tolerance');
    return out(Math.ceil(usageRatio * g.readyPodCount), 'computed');
  }

  if (g.missing.size > 0) {
    if (usageRatio < 1.0) {
      // scale-down: missing pods use 100 % of their request, or the target when it is above 100 %
      const fallbackUtilization = Math.max(100, targetUtilization);
      for (const name of g.missing)
        metrics.set(name, truncDiv((requests.get(name) ?? 0) * fallbackUtilization, 100));
    } else if (usageRatio > 1.0) {
      // scale-up: missing pods use 0 %
      for (const name of g.missing) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) {
    for (const name of g.unready) metrics.set(name, 0);
  }

  const second = resourceUtilizationRatio(metrics, requests, targetUtilization);
  if (!second) return fail(current, 'no-requests', 'no metrics returned matched known pods');
  const newUsageRatio = second.ratio;
  if (
    isWithinTolerance(t, newUsageRatio) ||
    (usageRatio < 1.0 && newUsageRatio > 1.0) ||
    (usageRatio > 1.0 && newUsageRatio < 1.0)
  ) {
    return out(current, isWithinTolerance(t, newUsageRatio) ? 'within-tolerance' : 'direction-would-flip');
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > current) || (newUsageRatio > 1.0 && newReplicas < current)) {
    return out(current, 'metrics-length-would-flip');
  }
  return out(newReplicas, 'computed');
}

/** calcPlainMetricReplicas (GetRawResourceReplicas and GetMetricReplicas: AverageValue per pod). */
function calcPlainMetricReplicas(input: HpaCalcInput, targetUsage: number, t: HpaTolerances): HpaCalcResult {
  const current = input.currentReplicas;
  if (input.pods.length === 0)
    return fail(current, 'no-pods', 'no pods returned by selector while calculating replica count');
  const metrics = podMetrics(input.pods);
  const cpuRules = (input.source ?? 'resource') === 'resource' && (input.resource ?? 'cpu') === 'cpu';
  const g = groupPods(input.pods, cpuRules);
  removeMetricsForPods(metrics, g.ignored);
  removeMetricsForPods(metrics, g.unready);
  if (metrics.size === 0) {
    return fail(current, 'no-metrics', 'did not receive metrics for targeted pods (pods might be unready)');
  }
  const { ratio: usageRatio, usage } = metricUsageRatio(metrics, targetUsage);
  const out = (replicas: number, reason: HpaCalcReason): HpaCalcResult => ({
    replicas,
    value: usage,
    reason,
  });

  const scaleUpWithUnready = g.unready.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithinTolerance(t, usageRatio)) return out(current, 'within-tolerance');
    return out(Math.ceil(usageRatio * g.readyPodCount), 'computed');
  }
  if (g.missing.size > 0) {
    if (usageRatio < 1.0) {
      // scale-down: missing pods use exactly the target amount
      for (const name of g.missing) metrics.set(name, targetUsage);
    } else if (usageRatio > 1.0) {
      for (const name of g.missing) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) {
    for (const name of g.unready) metrics.set(name, 0);
  }
  const { ratio: newUsageRatio } = metricUsageRatio(metrics, targetUsage);
  if (
    isWithinTolerance(t, newUsageRatio) ||
    (usageRatio < 1.0 && newUsageRatio > 1.0) ||
    (usageRatio > 1.0 && newUsageRatio < 1.0)
  ) {
    return out(current, isWithinTolerance(t, newUsageRatio) ? 'within-tolerance' : 'direction-would-flip');
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > current) || (newUsageRatio > 1.0 && newReplicas < current)) {
    return out(current, 'metrics-length-would-flip');
  }
  return out(newReplicas, 'computed');
}

/** getReadyPodsCount: Running and Ready (used by Value targets). */
function readyPodsCount(pods: readonly HpaPod[]): number {
  return pods.filter((p) => p.phase === 'Running' && p.ready).length;
}

/** GetExternalMetricReplicas → getUsageRatioReplicaCount (Value target of an External/Object metric). */
function getExternalMetricReplicas(
  input: HpaCalcInput,
  total: number,
  targetValue: number,
  t: HpaTolerances,
): HpaCalcResult {
  const current = input.currentReplicas;
  const usageRatio = total / targetValue;
  if (current === 0) {
    // scale to zero or n pods depending on the ratio, ignoring ready pods and tolerance
    return { replicas: Math.ceil(usageRatio), value: total, reason: 'scale-from-zero' };
  }
  if (isWithinTolerance(t, usageRatio))
    return { replicas: current, value: total, reason: 'within-tolerance' };
  if (input.pods.length === 0)
    return fail(
      current,
      'no-pods',
      'unable to calculate ready pods: no pods returned by selector while calculating replica count',
    );
  return { replicas: Math.ceil(usageRatio * readyPodsCount(input.pods)), value: total, reason: 'computed' };
}

/** GetExternalPerPodMetricReplicas (AverageValue target of an External/Object metric). */
function getExternalPerPodMetricReplicas(
  input: HpaCalcInput,
  total: number,
  targetPerPod: number,
  t: HpaTolerances,
): HpaCalcResult {
  const statusReplicas = input.currentReplicas;
  let replicas = statusReplicas;
  let reason: HpaCalcReason = 'within-tolerance';
  const usageRatio = total / (targetPerPod * statusReplicas);
  if (!isWithinTolerance(t, usageRatio)) {
    replicas = Math.ceil(total / targetPerPod);
    reason = 'computed';
  }
  return { replicas, value: Math.ceil(total / statusReplicas), reason };
}

function fail(current: number, reason: HpaCalcReason, error: string): HpaCalcResult {
  return { replicas: current, reason, error };
}

/**
 * The desired replica count for one metric, as the Kubernetes HPA's replica calculator computes
 * it (before the controller's min/max bounds, rate limits and stabilisation: see `hpaStep`).
 */
export function calculateReplicas(input: HpaCalcInput): HpaCalcResult {
  const t = tolerancesOf(input.tolerance);
  const source: HpaMetricSource = input.source ?? (input.metricTotal !== undefined ? 'external' : 'resource');
  const target = input.target;
  if (source === 'external') {
    if (input.metricTotal === undefined) {
      return fail(input.currentReplicas, 'no-metrics', 'an external metric needs metricTotal');
    }
    if (target.type === 'AverageValue')
      return getExternalPerPodMetricReplicas(input, input.metricTotal, target.averageValue, t);
    if (target.type === 'Value') return getExternalMetricReplicas(input, input.metricTotal, target.value, t);
    return fail(
      input.currentReplicas,
      'invalid-target',
      'invalid external metric source: neither a value target nor an average value target was set',
    );
  }
  if (source === 'pods') {
    if (target.type !== 'AverageValue') {
      return fail(input.currentReplicas, 'invalid-target', 'a pods metric needs an AverageValue target');
    }
    return calcPlainMetricReplicas(input, target.averageValue, t);
  }
  if (target.type === 'Utilization') return getResourceReplicas(input, target.averageUtilization, t);
  if (target.type === 'AverageValue') return calcPlainMetricReplicas(input, target.averageValue, t);
  return fail(
    input.currentReplicas,
    'invalid-target',
    'invalid resource metric source: neither an average utilization target nor an average value target was set',
  );
}
