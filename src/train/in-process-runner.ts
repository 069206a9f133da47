import type { ModelRunner } from '../core/ports';
import { forward, outputOf } from './mlp';
import { logSoftmaxRow } from './ppo-loss';
import type { ActorCritic } from './ppo';

/**
 * A ModelRunner over the trainer's own forward pass: periodic evaluation during training runs the
 * model through the same policy wrapper (src/core/policies/onnx-fallback.ts) as the exported ONNX
 * model, so the figures measured here and after export agree.
 */
export function inProcessRunner(model: ActorCritic, modelHash = 'in-process'): ModelRunner {
  const inputLength = model.policyShape.sizes[0]!;
  const actionCount = model.policyShape.sizes[model.policyShape.sizes.length - 1]!;
  return {
    inputLength,
    actionCount,
    modelHash,
    run(features: Float32Array, batch: number) {
      const logits = outputOf(forward(model.policyShape, model.policy, Float64Array.from(features), batch));
      const probs = new Float32Array(batch * actionCount);
      const lp = new Float64Array(actionCount);
      for (let n = 0; n < batch; n++) {
        logSoftmaxRow(logits, n * actionCount, actionCount, lp);
        for (let j = 0; j < actionCount; j++) probs[n * actionCount + j] = Math.exp(lp[j]!);
      }
      return Promise.resolve({ probs });
    },
  };
}
