import { describeAction, HOLD } from '../action';
import { classifyAction } from './action-class';
import type { GuardRuleFn } from './rule';

/**
 * Rule 1 — pause. A person paused this target (`limits.paused`, an annotation on the object in git)
 * or the whole agent (`history.globallyPaused`). A pause means hands off: the agent changes nothing,
 * not even the forced scale-up or rollback of the safety rules (Flagger's own analysis threshold
 * still rolls back a failing canary). Only a person's own forced canary action passes. The rule is
 * final: once it holds, no later rule runs.
 */
export const pause: GuardRuleFn = ({ action }, { limits, history }) => {
  const targetPaused = limits.paused;
  if (!targetPaused && history.globallyPaused !== true) return undefined;
  const kind = classifyAction(action);
  if (kind === 'human') return undefined;
  const who = targetPaused ? 'this target is paused' : 'the agent is paused for all targets';
  return {
    effect: 'vetoed',
    // an action that changes nothing stays as it is (no intervention); the rule still ends the guard
    to: kind === 'none' ? action : HOLD,
    reason: `${who} by an operator: holding instead of ${describeAction(action)} until resumed`,
    final: true,
  };
};
