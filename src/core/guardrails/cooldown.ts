import { describeAction, HOLD } from '../action';
import type { GuardRuleFn, RuleVerdict } from './rule';

/**
 * Rule 7 — cooldowns. A scale-up within `scaleUpCooldownSeconds` (default 60) of the last scale-up is
 * held: the pods it added are still starting. A scale-down within `scaleDownCooldownSeconds`
 * (default 300, the HPA's scale-down stabilisation window) of the last scale-up or scale-down is
 * held. A timestamp in the future (clock skew) counts as "just now". Safety-forced scale-ups pass.
 */
export const cooldown: GuardRuleFn = ({ action, safety }, { history, limits, nowMs }) => {
  if (safety || action.type !== 'replicas') return undefined;
  const within = (at: number | undefined, seconds: number): boolean =>
    at !== undefined && Number.isFinite(at) && nowMs - at < seconds * 1000;
  const hold = (what: string, at: number, seconds: number): RuleVerdict => ({
    effect: 'vetoed',
    to: HOLD,
    reason:
      `last ${what} was ${Math.round((nowMs - at) / 1000)} s ago, within the ` +
      `${action.delta > 0 ? 'scale-up' : 'scale-down'} cooldown of ${seconds} s: no ${describeAction(action)}`,
  });
  if (action.delta > 0) {
    const up = limits.scaleUpCooldownSeconds;
    if (within(history.lastScaleUpAt, up)) return hold('scale-up', history.lastScaleUpAt as number, up);
  } else if (action.delta < 0) {
    const down = limits.scaleDownCooldownSeconds;
    if (within(history.lastScaleUpAt, down)) return hold('scale-up', history.lastScaleUpAt as number, down);
    if (within(history.lastScaleDownAt, down))
      return hold('scale-down', history.lastScaleDownAt as number, down);
  }
  return undefined;
};
