import { describeAction, HOLD } from '../action';
import { currentReplicas, currentReplicasField } from './current-replicas';
import type { GuardRuleFn } from './rule';

/**
 * Rule 11 — replica bounds, last so no rule after it can break them. A `replicas` action must land
 * inside [minReplicas, maxReplicas]: current + delta is clamped into the bounds, also when the
 * declared current count is itself outside them (then any replicas action becomes the move back to
 * the nearest bound — the bounds are hard). When the current count is unknown (absent, NaN,
 * fractional, a canary target) no delta can be checked: held. A `hold` (or a zero delta) is left
 * alone even when git declares a count outside the bounds: holds come from pause, freeze, cooldown
 * and the like, and turning them into a change would defeat them.
 */
export const replicaBounds: GuardRuleFn = ({ action }, { observation, limits }) => {
  if (action.type !== 'replicas') return undefined;
  const lo = limits.minReplicas;
  const hi = limits.maxReplicas;
  if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo >= 0 && lo <= hi)) {
    return { effect: 'vetoed', to: HOLD, reason: `replica bounds [${lo}, ${hi}] are not valid: holding` };
  }
  const d = action.delta;
  // a zero delta changes nothing, like a hold (see above)
  if (d === 0) return undefined;
  if (Number.isNaN(d)) return { effect: 'vetoed', to: HOLD, reason: 'the replica delta is NaN: holding' };
  const current = currentReplicas(observation);
  if (current === undefined) {
    return {
      effect: 'vetoed',
      to: HOLD,
      reason:
        observation.kind === 'flagger-canary'
          ? `a flagger-canary target is scaled through its HPA, not by a replica delta: no ${describeAction(action)}`
          : `${currentReplicasField(observation)} is unknown, so [${lo}, ${hi}] cannot be checked: no ${describeAction(action)}`,
    };
  }
  const target = Math.min(hi, Math.max(lo, current + Math.trunc(d)));
  const delta = target - current === 0 ? 0 : target - current;
  if (Object.is(delta, d)) return undefined;
  const field = currentReplicasField(observation);
  const reason =
    current < lo || current > hi
      ? `${field} ${current} is outside [${lo}, ${hi}]: moving it to ${target} instead of ${describeAction(action)}`
      : `${current} ${d >= 0 ? '+' : ''}${d} is outside [${lo}, ${hi}]: limited to ${target} (delta ${delta})`;
  return { effect: 'clamped', to: { type: 'replicas', delta }, reason };
};
