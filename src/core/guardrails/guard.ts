import type { Action } from '../action';
import type {
  ActionHistory,
  GuardResult,
  GuardrailLimits,
  GuardrailRule,
  Intervention,
} from '../guardrail-types';
import type { Observation } from '../observation';
import { sameAction } from './action-class';
import { canaryErrorRollback } from './canary-error-rollback';
import { canaryWeightJump } from './canary-weight-jump';
import { commitRate } from './commit-rate';
import { cooldown } from './cooldown';
import { freezeWindow } from './freeze-window';
import { pause } from './pause';
import { replicaBounds } from './replica-bounds';
import type { GuardContext, GuardRuleFn, GuardState } from './rule';
import { sloForcedScaleUp } from './slo-forced-scale-up';
import { sloNoScaleDown } from './slo-no-scale-down';
import { staleMetrics } from './stale-metrics';
import { stepLimit } from './step-limit';

/**
 * The rules in the order they run. The order is part of the contract:
 * 1. pause first: a paused agent does nothing else (final);
 * 2-3. freeze and stale metrics hold the agent's own changes;
 * 4-5. the safety rules then force a rollback / scale-up even over those holds;
 * 6-8. SLO margin, cooldowns and commit rate hold agent changes (not safety-forced ones);
 * 9-10. step limits clamp what is left, safety actions included;
 * 11. replica bounds last, so nothing after them can break the bounds.
 */
export const GUARD_RULES: ReadonlyArray<{ readonly rule: GuardrailRule; readonly apply: GuardRuleFn }> = [
  { rule: 'pause', apply: pause },
  { rule: 'freeze-window', apply: freezeWindow },
  { rule: 'stale-metrics', apply: staleMetrics },
  { rule: 'canary-error-rollback', apply: canaryErrorRollback },
  { rule: 'slo-forced-scale-up', apply: sloForcedScaleUp },
  { rule: 'slo-no-scale-down', apply: sloNoScaleDown },
  { rule: 'cooldown', apply: cooldown },
  { rule: 'commit-rate', apply: commitRate },
  { rule: 'step-limit', apply: stepLimit },
  { rule: 'canary-weight-jump', apply: canaryWeightJump },
  { rule: 'replica-bounds', apply: replicaBounds },
];

/**
 * The guardrails: a policy's proposal in, the action that may be carried out plus every change the
 * rules made on the way out. Pure and total: the same inputs give the same result, whatever the
 * numbers (NaN, ±Infinity, negative, huge). Interventions chain: the first `from` is the proposal,
 * each `to` is the next `from`, the last `to` is the final action. A rule that finds nothing to
 * change records nothing.
 */
export function guard(
  proposal: Action,
  observation: Observation,
  history: ActionHistory,
  limits: GuardrailLimits,
  nowMs: number,
): GuardResult {
  const context: GuardContext = { observation, history, limits, nowMs };
  let state: GuardState = { action: proposal, safety: false };
  const interventions: Intervention[] = [];
  for (const { rule, apply } of GUARD_RULES) {
    const verdict = apply(state, context);
    if (verdict === undefined) continue;
    const changed = !sameAction(state.action, verdict.to);
    if (changed) {
      interventions.push({
        rule,
        effect: verdict.effect,
        from: state.action,
        to: verdict.to,
        reason: verdict.reason,
      });
    }
    state = {
      action: changed ? verdict.to : state.action,
      safety: state.safety || verdict.effect === 'forced',
    };
    if (verdict.final === true) break;
  }
  return { action: state.action, interventions };
}
