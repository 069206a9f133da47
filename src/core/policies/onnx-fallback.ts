import { describeAction, type Action } from '../action';
import type { PolicyOutput, PolicyRef } from '../decision';
import { encodeFeatures, featureSetFor, type FeatureSet } from '../features';
import type { Observation } from '../observation';
import type { Policy, PolicyContext } from '../policy';
import type { ModelRunner } from '../ports';
import { valueOf } from '../sample';
import { gateCanaryVerb, observedCanaryEvidence, type CanaryEvidenceGate } from './canary-evidence-gate';
import { rememberCapacity, resolveModelAction, type ModelAction } from './target-utilization';

/**
 * A model policy with its safety net, pure apart from the injected runner and clock. The model
 * decides unless one of these holds, and then the baseline `fallback` decides and the output's
 * `ref` says `fallback: {from, reason}`:
 *
 * - the model is missing or failed to load (`runner` resolves to an error),
 * - inference threw,
 * - inference took longer than `latencyBudgetMs` (measured with `now`, the injected clock),
 * - its confidence (max action probability) is below `minConfidence`,
 * - the observation is of another kind than the model was trained for.
 *
 * The baseline runs on every call (it is cheap and pure) so that its memory, e.g. the HPA's
 * scale-down window, is current when it has to take over.
 *
 * A canary card may carry an evidence gate (src/core/policies/canary-evidence-gate.ts): then a
 * promote or rollback this policy outputs — the model's or, while the model is loaded, its
 * fallback's — stands only when the run's sequential evidence supports it; otherwise the closest
 * safe verb is output and the explanation says why.
 */
export interface ModelPolicyOptions {
  /** e.g. `onnx:policies/autoscale.onnx` */
  readonly name: string;
  readonly featureSet: FeatureSet;
  /** action per model output index (from the model card) */
  readonly actions: readonly Action[];
  /**
   * Instead of `actions`: what each output index means when some depend on the observation
   * (target-utilisation cards, src/core/policies/target-utilization.ts). Their memory (the pods'
   * capacity estimate) is updated on every decision, also when the fallback decides.
   */
  readonly modelActions?: readonly ModelAction[];
  /** the loaded model, or why it could not be loaded */
  readonly runner: () => Promise<ModelRunner | { readonly error: string }>;
  readonly fallback: Policy;
  /** ms clock for the latency budget */
  readonly now: () => number;
  /** default 0.5 (config `targets[].minConfidence`) */
  readonly minConfidence?: number;
  /** default 50 ms (config `targets[].latencyBudgetMs`) */
  readonly latencyBudgetMs?: number;
  /** the card's evidence gate for promote/rollback (canary models) */
  readonly canaryGate?: CanaryEvidenceGate;
}

/** Applies the evidence gate to a canary verb the policy is about to output. */
function gated(
  out: PolicyOutput,
  observation: Observation,
  context: PolicyContext,
  gate: CanaryEvidenceGate | undefined,
): PolicyOutput {
  if (!gate || out.action.type !== 'canary') return out;
  const g = gateCanaryVerb(
    out.action.verb,
    observedCanaryEvidence(observation, context),
    { weight: valueOf(observation.canary?.weight), maxWeight: observation.declared?.maxWeight },
    gate,
  );
  if (!g.refused) return out;
  const action: Action = { ...out.action, verb: g.verb };
  return {
    ...out,
    action,
    explanation: [
      ...out.explanation,
      `evidence gate: ${g.refused.verb} refused (${g.refused.reason}); ${g.verb} instead`,
    ],
  };
}

interface ModelPolicyState {
  readonly fallback?: unknown;
  /** memory of observation-dependent actions (modelActions) */
  readonly actions?: unknown;
}

export type ModelVerdict =
  | { readonly kind: 'model'; readonly index: number; readonly confidence: number }
  | { readonly kind: 'fallback'; readonly reason: string; readonly confidence?: number };

/** The decision rule alone: given what happened, does the model's answer stand? */
export function judgeModelAnswer(
  answer: { readonly error: string } | { readonly probs: ArrayLike<number>; readonly latencyMs: number },
  limits: { readonly minConfidence: number; readonly latencyBudgetMs: number },
): ModelVerdict {
  if ('error' in answer) return { kind: 'fallback', reason: answer.error };
  let index = 0;
  for (let j = 1; j < answer.probs.length; j++) if (answer.probs[j]! > answer.probs[index]!) index = j;
  const confidence = answer.probs[index] ?? NaN;
  if (answer.latencyMs > limits.latencyBudgetMs) {
    return {
      kind: 'fallback',
      reason: `inference took ${answer.latencyMs.toFixed(1)} ms, over the ${limits.latencyBudgetMs} ms budget`,
      confidence,
    };
  }
  if (!Number.isFinite(confidence))
    return { kind: 'fallback', reason: 'model returned no finite probability' };
  if (confidence < limits.minConfidence) {
    return {
      kind: 'fallback',
      reason: `confidence ${confidence.toFixed(2)} below minConfidence ${limits.minConfidence}`,
      confidence,
    };
  }
  return { kind: 'model', index, confidence };
}

export function createModelPolicy(o: ModelPolicyOptions): Policy {
  const limits = { minConfidence: o.minConfidence ?? 0.5, latencyBudgetMs: o.latencyBudgetMs ?? 50 };
  return {
    name: o.name,
    async decide(observation: Observation, context: PolicyContext): Promise<PolicyOutput> {
      const gate = (out: PolicyOutput) => gated(out, observation, context, o.canaryGate);
      const prev = (context.state ?? {}) as ModelPolicyState;
      const base = await o.fallback.decide(observation, { ...context, state: prev.fallback });
      const state: ModelPolicyState = o.modelActions
        ? { fallback: base.state, actions: rememberCapacity(prev.actions, observation) }
        : { fallback: base.state };
      const loaded = await o.runner();
      let modelHash: string | undefined;
      let verdict: ModelVerdict;
      if ('error' in loaded) {
        verdict = { kind: 'fallback', reason: `model not loaded: ${loaded.error}` };
      } else if (featureSetFor(observation.kind) !== o.featureSet) {
        modelHash = loaded.modelHash;
        verdict = {
          kind: 'fallback',
          reason: `model was trained for ${o.featureSet} targets, not ${observation.kind}`,
        };
      } else {
        modelHash = loaded.modelHash;
        const features = encodeFeatures(observation, context, o.featureSet);
        const started = o.now();
        try {
          const { probs } = await loaded.run(features.input, 1);
          verdict = judgeModelAnswer({ probs, latencyMs: o.now() - started }, limits);
        } catch (e) {
          verdict = {
            kind: 'fallback',
            reason: `inference failed: ${e instanceof Error ? e.message : String(e)}`,
          };
        }
      }
      if (verdict.kind === 'model' && o.modelActions) {
        const m = o.modelActions[verdict.index];
        const resolved = m
          ? resolveModelAction(m, observation, context, state.actions)
          : { error: `model chose action ${verdict.index}, which the card does not map` };
        if ('action' in resolved) {
          const ref: PolicyRef = { name: o.name, ...(modelHash ? { modelHash } : {}) };
          return {
            action: resolved.action,
            confidence: verdict.confidence,
            explanation: [
              `${o.name}: ${describeAction(resolved.action)} with probability ${verdict.confidence.toFixed(2)}`,
              resolved.explanation,
            ],
            state,
            ref,
          };
        }
        verdict = { kind: 'fallback', reason: resolved.error, confidence: verdict.confidence };
      }
      if (verdict.kind === 'model') {
        const action = o.actions[verdict.index];
        if (action) {
          const ref: PolicyRef = { name: o.name, ...(modelHash ? { modelHash } : {}) };
          return gate({
            action,
            confidence: verdict.confidence,
            explanation: [
              `${o.name}: ${describeAction(action)} with probability ${verdict.confidence.toFixed(2)}`,
            ],
            state,
            ref,
          });
        }
        verdict = {
          kind: 'fallback',
          reason: `model chose action ${verdict.index}, which the card does not map`,
        };
      }
      const ref: PolicyRef = {
        name: o.fallback.name,
        ...(modelHash ? { modelHash } : {}),
        fallback: { from: o.name, reason: verdict.reason },
      };
      const fallbackOut: PolicyOutput = {
        ...base,
        ...(verdict.confidence !== undefined ? { confidence: verdict.confidence } : {}),
        explanation: [
          `${o.name} not used (${verdict.reason}); ${o.fallback.name} decided`,
          ...base.explanation,
        ],
        state,
        ref,
      };
      // the gate guards the fallback too while the model (and so its card's gate) is loaded
      return 'error' in loaded ? fallbackOut : gate(fallbackOut);
    },
  };
}
