import type { Action } from '../../core/action';
import { createModelPolicy } from '../../core/policies/onnx-fallback';
import { modelActionOf, type ModelAction } from '../../core/policies/target-utilization';
import type { Policy } from '../../core/policy';
import { loadOnnxModel, type LoadedModel } from './onnx-model';
import type { ModelCard } from './model-card';

/**
 * The `onnx:<path>` policy: the pure model policy (src/core/policies/onnx-fallback.ts) over an
 * onnxruntime session. The model loads once, lazily on first use; a model that fails to load does
 * not stop the agent — every decision then falls back to the baseline and says why.
 */
export interface OnnxPolicyOptions {
  readonly fallback: Policy;
  readonly now: () => number;
  readonly minConfidence?: number;
  readonly latencyBudgetMs?: number;
}

/**
 * Core actions per output index, from the card's mapping. A target-utilisation output has no fixed
 * action: it is a hold here, and cardModelActions() says what it really does.
 */
export function cardActions(card: ModelCard): Action[] {
  return cardModelActions(card).map((a): Action => (a.kind === 'action' ? a.action : { type: 'hold' }));
}

/** What each output index means, observation-dependent outputs included. */
export function cardModelActions(card: ModelCard): ModelAction[] {
  return card.actions.map((a): ModelAction => {
    if ('verb' in a) return { kind: 'action', action: { type: 'canary', verb: a.verb } };
    return modelActionOf(a);
  });
}

/** True when some output's action depends on the observation (a target utilisation). */
export function hasObservationDependentActions(card: ModelCard): boolean {
  return card.actions.some((a) => 'targetUtilization' in a);
}

/** Builds a policy from an already loaded model (eval: load errors are input errors there). */
export function onnxPolicyFromModel(model: LoadedModel, o: OnnxPolicyOptions): Policy {
  return createModelPolicy({
    name: `onnx:${model.path}`,
    featureSet: model.card.input.featureSet,
    actions: cardActions(model.card),
    ...(hasObservationDependentActions(model.card) ? { modelActions: cardModelActions(model.card) } : {}),
    runner: () => Promise.resolve(model),
    fallback: o.fallback,
    now: o.now,
    ...(o.minConfidence !== undefined ? { minConfidence: o.minConfidence } : {}),
    ...(o.latencyBudgetMs !== undefined ? { latencyBudgetMs: o.latencyBudgetMs } : {}),
    ...(model.card.evidenceGate ? { canaryGate: model.card.evidenceGate } : {}),
  });
}

/**
 * For the policy registry's `factories.onnx`: loads lazily; the feature set is taken from the
 * fallback's kind until the card is read (a canary fallback ⇒ canary model).
 */
export function onnxPolicyFactory(o: OnnxPolicyOptions): (path: string) => Policy {
  return (path: string) => {
    let loading: Promise<LoadedModel | { error: string }> | undefined;
    const load = () =>
      (loading ??= loadOnnxModel(path).catch((e: unknown) => ({
        error: e instanceof Error ? e.message : String(e),
      })));
    let inner: Policy | undefined;
    const name = `onnx:${path}`;
    return {
      name,
      async decide(observation, context) {
        const m = await load();
        if (!inner) {
          inner =
            'error' in m
              ? createModelPolicy({
                  name,
                  featureSet: observation.kind === 'flagger-canary' ? 'canary' : 'autoscale',
                  actions: [],
                  runner: () => Promise.resolve(m),
                  fallback: o.fallback,
                  now: o.now,
                })
              : onnxPolicyFromModel(m, o);
        }
        return inner.decide(observation, context);
      },
    };
  };
}
