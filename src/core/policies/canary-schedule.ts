import type { CanaryObservation, CanaryPhase, Observation } from '../observation';

/**
 * Flagger's progressive traffic schedule (fluxcd/flagger pkg/controller/scheduler.go `maxWeight`,
 * `nextStepWeight`, `totalWeight`), shared by the canary policies.
 */

/** Flagger's totalWeight: always 100 %. */
export const TOTAL_WEIGHT = 100;

/** Canary analysis fields a canary policy needs (from git when declared, else these defaults). */
export interface CanarySchedule {
  /** analysis.stepWeight (percent) */
  readonly stepWeight: number;
  /** analysis.stepWeights, when used instead of stepWeight */
  readonly stepWeights?: readonly number[];
  /** analysis.maxWeight (percent) */
  readonly maxWeight: number;
  /** analysis.threshold: failed checks before rollback */
  readonly threshold: number;
}

/**
 * Defaults: the values of Flagger's documented canary example (stepWeight 10, maxWeight 50,
 * threshold 5). Flagger's own zero-value defaults (threshold 1, maxWeight 100) apply only when a
 * Canary omits them, which the agent's committed Canaries never do.
 */
export const DEFAULT_CANARY_SCHEDULE: CanarySchedule = Object.freeze({
  stepWeight: 10,
  maxWeight: 50,
  threshold: 5,
});

/** The schedule for an observation: git's declared stepWeight/maxWeight override the options. */
export function scheduleFor(obs: Observation, options: Partial<CanarySchedule> = {}): CanarySchedule {
  const base = { ...DEFAULT_CANARY_SCHEDULE, ...options };
  return {
    ...base,
    stepWeight: obs.declared.stepWeight ?? base.stepWeight,
    maxWeight: obs.declared.maxWeight ?? base.maxWeight,
  };
}

/** scheduler.go maxWeight. */
export function maxWeightOf(s: CanarySchedule): number {
  if (s.stepWeights && s.stepWeights.length > 0)
    return Math.min(TOTAL_WEIGHT, s.stepWeights[s.stepWeights.length - 1]!);
  return s.maxWeight > 0 ? s.maxWeight : TOTAL_WEIGHT;
}

/** scheduler.go nextStepWeight. */
export function nextStepWeight(s: CanarySchedule, canaryWeight: number): number {
  const steps = s.stepWeights ?? [];
  if (s.stepWeight > 0 || steps.length === 0) return s.stepWeight;
  const maxStep = TOTAL_WEIGHT - canaryWeight;
  if (maxStep === 0) return 1;
  if (canaryWeight === 0) return Math.min(maxStep, steps[0]!);
  for (let i = 0; i < steps.length - 1; i++) {
    if (steps[i] === canaryWeight) return Math.min(maxStep, steps[i + 1]! - canaryWeight);
  }
  return maxStep;
}

/** Phases in which Flagger runs the analysis (and so a canary policy has something to decide). */
export const ANALYSING_PHASES: readonly CanaryPhase[] = ['Progressing', 'WaitingPromotion'];

/** What a canary policy remembers within one run. */
export interface CanaryRunState {
  /** the revision the memory belongs to; a new checksum starts a new run */
  readonly checksum?: string;
  readonly failedChecks: number;
}

/** The run memory for this observation: Flagger's own counter when observed, else ours (reset per checksum). */
export function runStateFor(c: CanaryObservation, state: unknown): CanaryRunState {
  const prev = state as Partial<CanaryRunState> | undefined;
  const sameRun =
    prev !== undefined &&
    prev !== null &&
    typeof prev.failedChecks === 'number' &&
    prev.checksum === c.checksum;
  const failedChecks = c.failedChecks ?? (sameRun ? prev.failedChecks! : 0);
  return c.checksum === undefined ? { failedChecks } : { checksum: c.checksum, failedChecks };
}
