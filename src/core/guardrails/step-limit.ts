import { HOLD } from '../action';
import type { GuardRuleFn } from './rule';

/**
 * Rule 9 — step limit. A replica delta is truncated to whole pods (towards zero: the smaller change)
 * and clamped to [-maxStepDown, +maxStepUp] (defaults 2 and 4 pods per decision); ±Infinity becomes
 * the largest step. A NaN delta is no proposal at all: held. Applies to safety-forced scale-ups too.
 */
export const stepLimit: GuardRuleFn = ({ action }, { limits }) => {
  if (action.type !== 'replicas') return undefined;
  const d = action.delta;
  if (Number.isNaN(d))
    return { effect: 'vetoed', to: HOLD, reason: 'the proposed replica delta is NaN: holding' };
  const clamped = Math.max(-limits.maxStepDown, Math.min(limits.maxStepUp, Math.trunc(d)));
  const delta = clamped === 0 ? 0 : clamped; // no -0 in records
  if (Object.is(delta, d)) return undefined;
  return {
    effect: 'clamped',
    to: { type: 'replicas', delta },
    reason: `replica delta ${d} limited to ${delta} (whole pods, at most +${limits.maxStepUp} / -${limits.maxStepDown} per decision)`,
  };
};
