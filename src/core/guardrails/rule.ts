import type { Action } from '../action';
import type { ActionHistory, GuardrailLimits, InterventionEffect } from '../guardrail-types';
import type { Observation } from '../observation';

/** Everything a rule may look at besides the action: the same for every rule of one `guard` call. */
export interface GuardContext {
  readonly observation: Observation;
  readonly history: ActionHistory;
  readonly limits: GuardrailLimits;
  /** decision time, ms since epoch (the injected clock) */
  readonly nowMs: number;
}

/** The action as it travels through the rules. */
export interface GuardState {
  readonly action: Action;
  /**
   * True once a safety rule (canary-error-rollback, slo-forced-scale-up) has forced the action or
   * found the proposal already doing what it would force. Rules meant to damp the agent (freeze,
   * cooldown, commit rate) let such an action through; step limit and replica bounds still apply.
   */
  readonly safety: boolean;
}

/** What a rule decides when it applies. `undefined` means the rule does not apply. */
export interface RuleVerdict {
  readonly effect: InterventionEffect;
  readonly to: Action;
  /** human-readable, with the numbers that triggered it */
  readonly reason: string;
  /** no later rule runs (only pause uses it: a paused agent does nothing more) */
  readonly final?: boolean;
}

/** The shared signature of every guardrail rule: pure, total (never throws), no clock of its own. */
export type GuardRuleFn = (state: GuardState, context: GuardContext) => RuleVerdict | undefined;
