import type { CanaryAnalysis } from './canary-manifest';

/**
 * Edits that are valid YAML and valid under the CRD but change what a *running* canary does next
 * (DESIGN-NOTES, "Canaries: who owns the weight"; Flagger pkg/controller/scheduler.go maxWeight and
 * nextStepWeight). A list of values, not errors: the agent decides whether to commit anyway.
 */
export interface CanaryHazard {
  readonly code: 'PROMOTES_AT_CURRENT_WEIGHT' | 'STEP_WEIGHTS_LACK_CURRENT';
  readonly message: string;
}

/** Flagger's total weight: every weight is a percentage of traffic. */
const TOTAL_WEIGHT = 100;

/**
 * The weight at which Flagger stops stepping and starts promotion: the last `stepWeights` entry
 * (capped at 100) when there is a list, else `maxWeight` when > 0, else 100.
 */
export function effectiveMaxWeight(analysis: CanaryAnalysis): number {
  const steps = analysis.stepWeights ?? [];
  if (steps.length > 0) return Math.min(TOTAL_WEIGHT, steps[steps.length - 1]!);
  if (analysis.maxWeight !== undefined && analysis.maxWeight > 0) return analysis.maxWeight;
  return TOTAL_WEIGHT;
}

/**
 * What would go wrong if the Canary's analysis changed from `before` to `after` while the canary
 * runs at `currentWeight` percent (Flagger's `status.canaryWeight`, read from `flagger_canary_weight`;
 * 0 when no release is running, and then nothing can go wrong).
 *
 * - PROMOTES_AT_CURRENT_WEIGHT: the new maximum (maxWeight, or the last stepWeights entry) is at or
 *   below the current weight while the old one was above it: the next passing tick promotes.
 * - STEP_WEIGHTS_LACK_CURRENT: Flagger finds the next step by looking the current weight up in
 *   `stepWeights` (all entries but the last); a list without it makes the next step jump to 100 %.
 *   Only when `stepWeights` is used (a `stepWeight` > 0 takes precedence in Flagger).
 */
export function checkCanaryEditHazards(
  before: CanaryAnalysis,
  after: CanaryAnalysis,
  currentWeight: number,
): CanaryHazard[] {
  if (!(currentWeight > 0)) return [];
  const hazards: CanaryHazard[] = [];
  const maxBefore = effectiveMaxWeight(before);
  const maxAfter = effectiveMaxWeight(after);
  if (maxAfter <= currentWeight && maxBefore > currentWeight) {
    hazards.push({
      code: 'PROMOTES_AT_CURRENT_WEIGHT',
      message:
        `the new maximum weight ${maxAfter}% is at or below the current canary weight ${currentWeight}% ` +
        `(was ${maxBefore}%): Flagger starts promotion on the next passing check`,
    });
  }
  const steps = after.stepWeights ?? [];
  const usesSteps = !(after.stepWeight !== undefined && after.stepWeight > 0) && steps.length > 0;
  if (usesSteps && currentWeight < maxAfter && !steps.slice(0, -1).includes(currentWeight)) {
    hazards.push({
      code: 'STEP_WEIGHTS_LACK_CURRENT',
      message:
        `stepWeights [${steps.join(', ')}] does not contain the current canary weight ${currentWeight}%: ` +
        `Flagger's next step would jump straight to ${TOTAL_WEIGHT}%. Keep ${currentWeight} in the list`,
    });
  }
  return hazards;
}
