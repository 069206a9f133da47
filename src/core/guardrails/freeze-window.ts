import { describeAction, HOLD } from '../action';
import { classifyAction } from './action-class';
import { activeFreezeWindow } from './active-freeze-window';
import type { GuardRuleFn } from './rule';

/**
 * Rule 2 — freeze windows (cron in UTC + duration, see active-freeze-window.ts). During a freeze
 * the agent's own changes (scale up/down, canary advance/promote) are held. What is NOT held: a
 * canary rollback (it only returns traffic to the primary), a person's forced canary action, and
 * the safety rules that run after this one (forced rollback on the canary error limit, forced
 * scale-up above the hard p95) — a change freeze must not stop the agent from protecting the SLO.
 */
export const freezeWindow: GuardRuleFn = ({ action }, { limits, nowMs }) => {
  if (classifyAction(action) !== 'change') return undefined;
  const active = activeFreezeWindow(limits.freezeWindows, nowMs);
  if (active === undefined) return undefined;
  const w = active.window;
  const what = `freeze window "${w.cron}" (${w.durationMinutes} min${w.reason ? `, ${w.reason}` : ''})`;
  const reason =
    active.invalid !== undefined
      ? `${what} cannot be evaluated (${active.invalid}); treating it as active: holding instead of ${describeAction(action)}`
      : `${what} active since ${new Date(active.startedAt).toISOString()}: holding instead of ${describeAction(action)}`;
  return { effect: 'vetoed', to: HOLD, reason };
};
