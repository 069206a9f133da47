import { createPolicy, type PolicyFactories } from '../../core/policies/policy-registry';
import type { Policy } from '../../core/policy';
import type { LoopTarget, PolicyPair, PolicyResolver } from '../../loop/ports';

/**
 * Builds each target's policy and fallback once (policies keep no hidden state: the loop passes
 * their memory back in), from the policy registry. ONNX models come through `factories.onnx`.
 * Unknown refs fail at start-up (CONFIG_INVALID), never silently at the first cycle.
 */
export function policyResolver(
  targets: readonly LoopTarget[],
  factories: PolicyFactories = {},
): PolicyResolver {
  const cache = new Map<string, Policy>();
  const get = (ref: string) => {
    let p = cache.get(ref);
    if (!p) cache.set(ref, (p = createPolicy(ref, factories)));
    return p;
  };
  const pairs = new Map<string, PolicyPair>();
  for (const t of targets) pairs.set(t.ref.name, { primary: get(t.policy), fallback: get(t.fallback) });
  return (t: LoopTarget) => pairs.get(t.ref.name) ?? { primary: get(t.policy), fallback: get(t.fallback) };
}
