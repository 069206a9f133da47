import { describeAction, HOLD } from '../action';
import { classifyAction } from './action-class';
import type { GuardRuleFn } from './rule';

export const COMMIT_RATE_WINDOW_MS = 3_600_000;

/**
 * Rule 8 — commit rate. When the agent already made `maxCommitsPerHour` (default 30) commits for
 * this target in the rolling hour before `nowMs`, its next change is held: a flapping policy must not
 * flood the config repo and Flux. Timestamps in the future count (clock skew errs on the safe side).
 * Not held: safety-forced actions, rollbacks and a person's forced actions.
 */
export const commitRate: GuardRuleFn = ({ action, safety }, { history, limits, nowMs }) => {
  if (safety || classifyAction(action) !== 'change') return undefined;
  const recent = history.commitTimes.filter((t) => nowMs - t < COMMIT_RATE_WINDOW_MS).length;
  if (recent < limits.maxCommitsPerHour) return undefined;
  return {
    effect: 'vetoed',
    to: HOLD,
    reason: `${recent} commits for this target in the last hour (limit ${limits.maxCommitsPerHour}): no ${describeAction(action)}`,
  };
};
