import type { CanaryPhase } from '../observation';
import { classifyAction } from './action-class';
import { describePercent } from './describe-number';
import type { GuardRuleFn } from './rule';
import { usableValue } from './usable-value';

/** The phases in which Flagger calls the rollback gate (pkg/controller/scheduler.go, v1.44). */
export const ROLLBACK_GATED_PHASES: ReadonlySet<CanaryPhase> = new Set<CanaryPhase>([
  'Progressing',
  'Waiting',
  'WaitingPromotion',
]);

/**
 * Rule 4 — forced rollback. A flagger-canary target whose canary error rate (fresh, usable) is above
 * `limits.canaryErrorRateHardLimit` while Flagger still consults the rollback gate is rolled back,
 * whatever the policy proposed — also during a freeze and past the commit rate. Not when paused
 * (pause runs first and is final) and not over a person's forced action: an operator who
 * force-promotes with the error rate on the dashboard in front of them has decided. With no usable
 * error rate the rule cannot fire (stale-metrics already held any agent change).
 */
export const canaryErrorRollback: GuardRuleFn = ({ action }, { observation, limits, nowMs }) => {
  const canary = observation.canary;
  if (observation.kind !== 'flagger-canary' || canary === undefined) return undefined;
  if (classifyAction(action) === 'human' || !ROLLBACK_GATED_PHASES.has(canary.phase)) return undefined;
  const errorRate = usableValue(canary.canary.errorRate, nowMs, limits.stalenessSeconds);
  if (!errorRate.ok || !(errorRate.value > limits.canaryErrorRateHardLimit)) return undefined;
  return {
    effect: 'forced',
    to: { type: 'canary', verb: 'rollback' },
    reason:
      `canary error rate ${describePercent(errorRate.value)} is above the hard limit ` +
      `${describePercent(limits.canaryErrorRateHardLimit)} (phase ${canary.phase}): rolling back`,
  };
};
