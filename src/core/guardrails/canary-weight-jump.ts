import { describeAction, HOLD } from '../action';
import type { GuardRuleFn, RuleVerdict } from './rule';
import { usableValue } from './usable-value';

/** Flagger's maxWeight when the Canary sets neither maxWeight nor stepWeights (spec.go GetMaxWeight). */
export const FLAGGER_DEFAULT_MAX_WEIGHT = 100;

/**
 * Rule 10 — canary weight jump. The agent never moves canary traffic by more than
 * `canaryMaxStepWeight` percent (default 25, at most 99) in one step, so never from 0 — or any
 * weight — straight to 100:
 * - `advance` lets Flagger step by the declared `analysis.stepWeight` now (the new one is written to
 *   git but applies later), so the declared step must be known and within the limit, or the weight
 *   is held (lower it in git); a requested `stepWeight` is floored to whole percent and clamped to
 *   the limit, and one below 1 % or not a number is held;
 * - `promote` below `maxWeight` (declared, default 100) would skip the remaining steps: held;
 * - only a person's forced promote (`forced: true`) may skip the steps; a forced advance is limited
 *   like any other.
 * The current weight must be usable (0..100) for either. A canary action on a target that is not a
 * flagger-canary means nothing there: held.
 */
export const canaryWeightJump: GuardRuleFn = ({ action }, { observation, limits, nowMs }) => {
  if (action.type !== 'canary' || action.verb === 'hold') return undefined;
  const hold = (why: string): RuleVerdict => ({
    effect: 'vetoed',
    to: HOLD,
    reason: `${why}: holding instead of ${describeAction(action)}`,
  });
  if (observation.kind !== 'flagger-canary')
    return hold(`${observation.target} is a ${observation.kind} target, not a canary`);
  if (action.verb === 'rollback' || (action.verb === 'promote' && action.forced === true)) return undefined;
  const weight = usableValue(observation.canary?.weight, nowMs, limits.stalenessSeconds);
  if (!weight.ok) return hold(`canary weight unknown (${weight.why})`);
  if (weight.value > 100) return hold(`canary weight ${weight.value} % is out of range`);
  const cap = limits.canaryMaxStepWeight;
  const declared = observation.declared;

  if (action.verb === 'promote') {
    const maxWeight = isWeight(declared.maxWeight) ? declared.maxWeight : FLAGGER_DEFAULT_MAX_WEIGHT;
    if (weight.value >= maxWeight) return undefined;
    return hold(
      `promoting at weight ${weight.value} % would skip the steps up to maxWeight ${maxWeight} % ` +
        `(only an operator's forced promote may skip analysis)`,
    );
  }

  const declaredStep = declared.stepWeight;
  if (!isWeight(declaredStep) || declaredStep < 1) {
    return hold(
      `analysis.stepWeight is not declared as a percentage (${String(declaredStep)}), so the step cannot be bounded`,
    );
  }
  if (declaredStep > cap) {
    return hold(
      `declared analysis.stepWeight ${declaredStep} % exceeds canaryMaxStepWeight ${cap} % ` +
        `and Flagger would take that step now; set it to ${cap} or less in git`,
    );
  }
  const requested = action.stepWeight;
  if (requested === undefined) return undefined;
  if (!(requested >= 1)) return hold(`requested stepWeight ${requested} is not a step of at least 1 %`);
  const step = Math.min(cap, Math.floor(requested));
  if (step === requested) return undefined;
  return {
    effect: 'clamped',
    to: { ...action, stepWeight: step },
    reason: `requested canary step ${requested} % limited to ${step} % (canaryMaxStepWeight ${cap} %, whole percent)`,
  };
};

function isWeight(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v) && v >= 0 && v <= 100;
}
