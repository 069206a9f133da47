import type { Action } from './action';
import type { Intervention } from './guardrail-types';
import type { Observation } from './observation';

/** Which policy produced the proposal, and whether a fallback took over. */
export interface PolicyRef {
  /** e.g. `hpa`, `flagger`, `judge`, `onnx:policies/autoscale.onnx` */
  readonly name: string;
  /** sha256 of the model file, for model policies */
  readonly modelHash?: string;
  /** set when the configured policy failed or was unsure and the baseline decided instead */
  readonly fallback?: { readonly from: string; readonly reason: string };
}

/** What a policy returns. Confidence is the max action probability for model policies. */
export interface PolicyOutput {
  readonly action: Action;
  readonly confidence?: number;
  readonly explanation: readonly string[];
  /** the policy's memory for its next call (see PolicyContext.state) */
  readonly state?: unknown;
  /**
   * Set by a model policy when its own fallback decided (model failed to load, inference error,
   * over the latency budget, confidence below the threshold): the ref to record in the decision.
   */
  readonly ref?: PolicyRef;
}

/**
 * The full record of one decision: inputs, policy, proposal, guardrail interventions, final action.
 * It is written to git (commit trailers), published on the WS feed and kept in the decision log.
 */
export interface DecisionRecord {
  /** stable id, also the `Maestro-Decision-Id` trailer */
  readonly id: string;
  readonly target: string;
  readonly at: number;
  /** the commit the declared state was read from; a lost push race re-decides on fresh state */
  readonly basedOn: string;
  readonly observation: Observation;
  readonly policy: PolicyRef;
  readonly proposed: Action;
  readonly final: Action;
  readonly interventions: readonly Intervention[];
  readonly reasons: readonly string[];
  readonly confidence?: number;
  /** a human override: who asked for it */
  readonly override?: { readonly by: string };
}
