/**
 * The guardrail engine: `guard(proposal, observation, history, limits, nowMs)`, one file per rule,
 * run in the fixed order of `GUARD_RULES` (guard.ts).
 */
export { guard, GUARD_RULES } from './guard';
export type { GuardContext, GuardState, GuardRuleFn, RuleVerdict } from './rule';
export { parseCron, latestFiring, type CronSchedule, type CronParse } from './cron-schedule';
export { activeFreezeWindow, type ActiveFreeze } from './active-freeze-window';
export { classifyAction, type ActionClass } from './action-class';
export { currentReplicas } from './current-replicas';
export { usableValue, type UsableValue } from './usable-value';
export { REPLICA_CHANGE_METRICS } from './stale-metrics';
export { ROLLBACK_GATED_PHASES } from './canary-error-rollback';
export { FLAGGER_DEFAULT_MAX_WEIGHT } from './canary-weight-jump';
export { COMMIT_RATE_WINDOW_MS } from './commit-rate';
