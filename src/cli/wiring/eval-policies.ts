import { loadOnnxModel, type LoadedModel } from '../../adapters/onnx/onnx-model';
import { onnxPolicyFromModel } from '../../adapters/onnx/onnx-policy';
import { MaestroError } from '../../core/errors';
import { createPolicy, parsePolicyRef } from '../../core/policies/policy-registry';
import type { Policy } from '../../core/policy';
import type { BacktestPolicy } from '../../eval/autoscale-backtest';

/**
 * Builds the policies named by `--policies` for the evaluation commands. ONNX models are loaded up
 * front, so a bad model is an input error (exit 2) before anything runs; in the agent a model that
 * fails to load falls back instead. Model policies fall back to `fallback` as in production.
 */
export async function evalPolicies(
  refs: readonly string[],
  o: { fallback: string; minConfidence: number; latencyBudgetMs: number; now: () => number },
): Promise<{ policies: BacktestPolicy[]; models: LoadedModel[] }> {
  const models: LoadedModel[] = [];
  const policies: BacktestPolicy[] = [];
  try {
    for (const ref of refs) {
      const p = parsePolicyRef(ref);
      if (p.kind === 'oracle') {
        policies.push({ kind: 'oracle' });
        continue;
      }
      let policy: Policy;
      if (p.kind === 'onnx') {
        const m = await loadOnnxModel(p.path);
        models.push(m);
        policy = onnxPolicyFromModel(m, {
          fallback: createPolicy(o.fallback),
          now: o.now,
          minConfidence: o.minConfidence,
          latencyBudgetMs: o.latencyBudgetMs,
        });
      } else policy = createPolicy(ref);
      policies.push({ kind: 'policy', policy: { name: ref, decide: (obs, ctx) => policy.decide(obs, ctx) } });
    }
  } catch (e) {
    await Promise.all(models.map((m) => m.close()));
    throw e;
  }
  if (policies.length === 0) {
    throw new MaestroError('INPUT_INVALID', '--policies: name at least one policy', {
      data: { field: 'policies' },
    });
  }
  return { policies, models };
}
