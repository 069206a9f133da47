/**
 * The Kubernetes HPA controller's normalisation step, reproduced as pure functions over an explicit
 * state (the controller keeps the same data in maps keyed by HPA).
 *
 * Source: kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go — `reconcileAutoscaler`
 * (the min/max preamble and `recordInitialRecommendation`), `normalizeDesiredReplicas`,
 * `stabilizeRecommendation`, `convertDesiredReplicasWithRules`, `calculateScaleUpLimit`,
 * `normalizeDesiredReplicasWithBehaviors`, `stabilizeRecommendationWithBehaviors`,
 * `convertDesiredReplicasWithBehaviorRate`, `calculateScaleUpLimitWithScalingRules`,
 * `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod`, `storeScaleEvent`,
 * `markScaleEventsOutdated`; behavior defaults from pkg/apis/autoscaling/v2/defaults.go.
 *
 * Time is `nowMs` (ms since epoch), passed in. Go's `Before`/`After` are strict; so are these.
 */

export type HpaPolicyType = 'Pods' | 'Percent';
export type HpaSelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface HpaScalingPolicy {
  readonly type: HpaPolicyType;
  readonly value: number;
  readonly periodSeconds: number;
}

export interface HpaScalingRules {
  readonly stabilizationWindowSeconds?: number;
  readonly selectPolicy?: HpaSelectPolicy;
  readonly policies?: readonly HpaScalingPolicy[];
}

/** spec.behavior; a missing direction gets the API defaults. */
export interface HpaBehavior {
  readonly scaleUp?: HpaScalingRules;
  readonly scaleDown?: HpaScalingRules;
}

/** Fully defaulted rules. */
export interface ResolvedScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: HpaSelectPolicy;
  readonly policies: readonly HpaScalingPolicy[];
}

/** kube-controller-manager --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
export const DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;
/** --horizontal-pod-autoscaler-sync-period (default 15 s). */
export const HPA_SYNC_PERIOD_SECONDS = 15;
/** horizontal.go: scaleUpLimitFactor = 2.0, scaleUpLimitMinimum = 4.0 */
export const SCALE_UP_LIMIT_FACTOR = 2;
export const SCALE_UP_LIMIT_MINIMUM = 4;

/** autoscaling/v2 defaults: scale up by max(4 pods, 100 %) per 15 s, no stabilisation. */
export const DEFAULT_SCALE_UP_RULES: ResolvedScalingRules = Object.freeze({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: Object.freeze([
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ]) as readonly HpaScalingPolicy[],
});

/** autoscaling/v2 defaults: scale down by up to 100 % per 15 s; window from the controller flag. */
export function defaultScaleDownRules(downscaleStabilizationSeconds: number): ResolvedScalingRules {
  return {
    stabilizationWindowSeconds: downscaleStabilizationSeconds,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules + maybeInitScaleDownStabilizationWindow. */
export function resolveBehavior(
  b: HpaBehavior,
  downscaleStabilizationSeconds = DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
): { scaleUp: ResolvedScalingRules; scaleDown: ResolvedScalingRules } {
  const down = defaultScaleDownRules(downscaleStabilizationSeconds);
  const merge = (r: HpaScalingRules | undefined, d: ResolvedScalingRules): ResolvedScalingRules =>
    r === undefined
      ? d
      : {
          stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? d.stabilizationWindowSeconds,
          selectPolicy: r.selectPolicy ?? d.selectPolicy,
          policies: r.policies ?? d.policies,
        };
  return { scaleUp: merge(b.scaleUp, DEFAULT_SCALE_UP_RULES), scaleDown: merge(b.scaleDown, down) };
}

export interface TimestampedRecommendation {
  readonly recommendation: number;
  readonly atMs: number;
}

export interface TimestampedScaleEvent {
  readonly replicaChange: number;
  readonly atMs: number;
  readonly outdated: boolean;
}

/** What the controller remembers about one HPA between syncs. */
export interface HpaControllerState {
  readonly recommendations: readonly TimestampedRecommendation[];
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
}

export const EMPTY_HPA_STATE: HpaControllerState = Object.freeze({
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
});

/** calculateScaleUpLimit: max(2 * current, 4). */
export function calculateScaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
}

/**
 * stabilizeRecommendation (no behavior): the max of the recommendations not older than the window;
 * the new recommendation replaces an old entry (the last one found) or is appended.
 */
export function stabilizeRecommendation(
  recommendations: readonly TimestampedRecommendation[],
  prenormalizedDesiredReplicas: number,
  nowMs: number,
  windowSeconds = DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
): { stabilized: number; recommendations: TimestampedRecommendation[] } {
  let max = prenormalizedDesiredReplicas;
  let oldIndex = -1;
  const cutoff = nowMs - windowSeconds * 1000;
  recommendations.forEach((rec, i) => {
    if (rec.atMs < cutoff) oldIndex = i;
    else if (rec.recommendation > max) max = rec.recommendation;
  });
  const next = [...recommendations];
  const entry = { recommendation: prenormalizedDesiredReplicas, atMs: nowMs };
  if (oldIndex >= 0) next[oldIndex] = entry;
  else next.push(entry);
  return { stabilized: max, recommendations: next };
}

export type LimitCondition =
  'DesiredWithinRange' | 'TooFewReplicas' | 'TooManyReplicas' | 'ScaleUpLimit' | 'ScaleDownLimit';

/** convertDesiredReplicasWithRules: bounds plus the legacy scale-up limit. */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
): { replicas: number; condition: LimitCondition } {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas);
  let maximumAllowed: number;
  let condition: LimitCondition;
  if (maxReplicas > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    condition = 'ScaleUpLimit';
  } else {
    maximumAllowed = maxReplicas;
    condition = 'TooManyReplicas';
  }
  if (desiredReplicas < minReplicas) return { replicas: minReplicas, condition: 'TooFewReplicas' };
  if (desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, condition };
  return { replicas: desiredReplicas, condition: 'DesiredWithinRange' };
}

/**
 * stabilizeRecommendationWithBehaviors: the recommendation is pulled into
 * [min of recent (up window), max of recent (down window)] around the current replicas.
 */
export function stabilizeRecommendationWithBehaviors(
  recommendations: readonly TimestampedRecommendation[],
  args: {
    readonly currentReplicas: number;
    readonly desiredReplicas: number;
    readonly scaleUpWindowSeconds: number;
    readonly scaleDownWindowSeconds: number;
  },
  nowMs: number,
): { stabilized: number; recommendations: TimestampedRecommendation[] } {
  let up = args.desiredReplicas;
  let down = args.desiredReplicas;
  const upCutoff = nowMs - args.scaleUpWindowSeconds * 1000;
  const downCutoff = nowMs - args.scaleDownWindowSeconds * 1000;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.atMs > upCutoff) up = Math.min(rec.recommendation, up);
    if (rec.atMs > downCutoff) down = Math.max(rec.recommendation, down);
    if (rec.atMs < upCutoff && rec.atMs < downCutoff) oldIndex = i;
  });
  let recommendation = args.currentReplicas;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  const next = [...recommendations];
  const entry = { recommendation: args.desiredReplicas, atMs: nowMs };
  if (oldIndex >= 0) next[oldIndex] = entry;
  else next.push(entry);
  return { stabilized: recommendation, recommendations: next };
}

/** getReplicasChangePerPeriod: the sum of changes strictly after now - period. */
export function getReplicasChangePerPeriod(
  periodSeconds: number,
  events: readonly TimestampedScaleEvent[],
  nowMs: number,
): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.replicaChange;
  return sum;
}

/** calculateScaleUpLimitWithScalingRules. */
export function calculateScaleUpLimitWithScalingRules(
  currentReplicas: number,
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  rules: ResolvedScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const added = getReplicasChangePerPeriod(p.periodSeconds, scaleUpEvents, nowMs);
    const deleted = getReplicasChangePerPeriod(p.periodSeconds, scaleDownEvents, nowMs);
    const periodStart = currentReplicas - added + deleted;
    // rounded up so that a small percent still adds a pod (the Kubernetes comment)
    const proposed = p.type === 'Pods' ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100));
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function calculateScaleDownLimitWithBehaviors(
  currentReplicas: number,
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  rules: ResolvedScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const added = getReplicasChangePerPeriod(p.periodSeconds, scaleUpEvents, nowMs);
    const deleted = getReplicasChangePerPeriod(p.periodSeconds, scaleDownEvents, nowMs);
    const periodStart = currentReplicas - added + deleted;
    // Go: int32(float64(periodStart) * (1 - value/100)) truncates toward zero
    const proposed =
      p.type === 'Pods' ? periodStart - p.value : Math.trunc(periodStart * (1 - p.value / 100));
    // 'Min' change for a scale-down is the highest floor, 'Max' the lowest
    result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate. */
export function convertDesiredReplicasWithBehaviorRate(
  args: {
    readonly currentReplicas: number;
    readonly desiredReplicas: number;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly scaleUp: ResolvedScalingRules;
    readonly scaleDown: ResolvedScalingRules;
  },
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  nowMs: number,
): { replicas: number; condition: LimitCondition } {
  const { currentReplicas: current, desiredReplicas: desired } = args;
  if (desired > current) {
    let limit = calculateScaleUpLimitWithScalingRules(
      current,
      scaleUpEvents,
      scaleDownEvents,
      args.scaleUp,
      nowMs,
    );
    // no further scale-up until old events leave the period
    if (limit < current) limit = current;
    let maximumAllowed = args.maxReplicas;
    let condition: LimitCondition;
    if (maximumAllowed > limit) {
      maximumAllowed = limit;
      condition = 'ScaleUpLimit';
    } else {
      condition = 'TooManyReplicas';
    }
    if (desired > maximumAllowed) return { replicas: maximumAllowed, condition };
  } else if (desired < current) {
    let limit = calculateScaleDownLimitWithBehaviors(
      current,
      scaleUpEvents,
      scaleDownEvents,
      args.scaleDown,
      nowMs,
    );
    if (limit > current) limit = current;
    let minimumAllowed = args.minReplicas;
    let condition: LimitCondition;
    if (minimumAllowed < limit) {
      minimumAllowed = limit;
      condition = 'ScaleDownLimit';
    } else {
      condition = 'TooFewReplicas';
    }
    if (desired < minimumAllowed) return { replicas: minimumAllowed, condition };
  }
  return { replicas: desired, condition: 'DesiredWithinRange' };
}

/** markScaleEventsOutdated + storeScaleEvent (only with a behavior; events reuse an outdated slot). */
export function storeScaleEvent(
  state: HpaControllerState,
  rules: { scaleUp: ResolvedScalingRules; scaleDown: ResolvedScalingRules },
  prevReplicas: number,
  newReplicas: number,
  nowMs: number,
): HpaControllerState {
  const up = newReplicas > prevReplicas;
  const policies = up ? rules.scaleUp.policies : rules.scaleDown.policies;
  const longest = policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);
  const cutoff = nowMs - longest * 1000;
  const events = (up ? state.scaleUpEvents : state.scaleDownEvents).map((e) =>
    e.atMs < cutoff ? { ...e, outdated: true } : e,
  );
  let oldIndex = -1;
  events.forEach((e, i) => {
    if (e.outdated) oldIndex = i;
  });
  const entry = { replicaChange: Math.abs(newReplicas - prevReplicas), atMs: nowMs, outdated: false };
  if (oldIndex >= 0) events[oldIndex] = entry;
  else events.push(entry);
  return up ? { ...state, scaleUpEvents: events } : { ...state, scaleDownEvents: events };
}

export interface HpaStepInput {
  /** scale.spec.replicas */
  readonly currentReplicas: number;
  /** spec.minReplicas (Kubernetes default 1) */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** the largest replica proposal over the HPA's metrics (calculateReplicas per metric) */
  readonly metricDesiredReplicas: number;
  /** spec.behavior; omitted = the legacy path (normalizeDesiredReplicas) */
  readonly behavior?: HpaBehavior;
  /** --horizontal-pod-autoscaler-downscale-stabilization in seconds; default 300 */
  readonly downscaleStabilizationSeconds?: number;
}

export interface HpaStepResult {
  /** the replica count the controller writes (equals current when it does not rescale) */
  readonly desired: number;
  readonly rescale: boolean;
  readonly state: HpaControllerState;
  /** the stabilised recommendation before rate limits (for explanations) */
  readonly stabilized?: number;
  readonly condition?: LimitCondition;
  readonly reason: string;
}

/**
 * One HPA sync for one HPA: reconcileAutoscaler's decision part. The caller computes
 * `metricDesiredReplicas` with `calculateReplicas` and applies the result (and, with a behavior,
 * the returned scale events are what the next call's rate limits see).
 */
export function hpaStep(state: HpaControllerState, input: HpaStepInput, nowMs: number): HpaStepResult {
  const { currentReplicas: current, minReplicas, maxReplicas } = input;
  const window = input.downscaleStabilizationSeconds ?? DEFAULT_DOWNSCALE_STABILIZATION_SECONDS;
  // recordInitialRecommendation
  let s: HpaControllerState =
    state.recommendations.length === 0
      ? { ...state, recommendations: [{ recommendation: current, atMs: nowMs }] }
      : state;

  let desired: number;
  let reason: string;
  let stabilized: number | undefined;
  let condition: LimitCondition | undefined;
  if (current === 0 && minReplicas !== 0) {
    return {
      desired: 0,
      rescale: false,
      state: s,
      reason: 'scaling is disabled since the replica count of the target is zero',
    };
  } else if (current > maxReplicas) {
    desired = maxReplicas;
    reason = 'Current number of replicas above Spec.MaxReplicas';
  } else if (current < minReplicas) {
    desired = minReplicas;
    reason = 'Current number of replicas below Spec.MinReplicas';
  } else {
    const proposal = Math.max(0, input.metricDesiredReplicas);
    reason =
      proposal > current
        ? 'metric above target'
        : proposal < current
          ? 'All metrics below target'
          : 'no change';
    if (input.behavior === undefined) {
      const st = stabilizeRecommendation(s.recommendations, proposal, nowMs, window);
      s = { ...s, recommendations: st.recommendations };
      stabilized = st.stabilized;
      const conv = convertDesiredReplicasWithRules(current, st.stabilized, minReplicas, maxReplicas);
      desired = conv.replicas;
      condition = conv.condition;
    } else {
      const rules = resolveBehavior(input.behavior, window);
      const st = stabilizeRecommendationWithBehaviors(
        s.recommendations,
        {
          currentReplicas: current,
          desiredReplicas: proposal,
          scaleUpWindowSeconds: rules.scaleUp.stabilizationWindowSeconds,
          scaleDownWindowSeconds: rules.scaleDown.stabilizationWindowSeconds,
        },
        nowMs,
      );
      s = { ...s, recommendations: st.recommendations };
      stabilized = st.stabilized;
      const conv = convertDesiredReplicasWithBehaviorRate(
        { currentReplicas: current, desiredReplicas: st.stabilized, minReplicas, maxReplicas, ...rules },
        s.scaleUpEvents,
        s.scaleDownEvents,
        nowMs,
      );
      desired = conv.replicas;
      condition = conv.condition;
    }
    if (stabilized !== proposal) reason = `${reason}; stabilized ${proposal} -> ${stabilized}`;
    if (condition !== 'DesiredWithinRange') reason = `${reason}; limited by ${condition}`;
  }
  const rescale = desired !== current;
  if (rescale && input.behavior !== undefined) {
    s = storeScaleEvent(s, resolveBehavior(input.behavior, window), current, desired, nowMs);
  }
  return {
    desired: rescale ? desired : current,
    rescale,
    state: s,
    ...(stabilized === undefined ? {} : { stabilized }),
    ...(condition === undefined ? {} : { condition }),
    reason,
  };
}
