import { isAbsolute, join } from 'node:path';
import { createPolicy, parsePolicyRef, type PolicyFactories } from '../../core/policies/policy-registry';
import type { Policy } from '../../core/policy';
import type { LoopTarget, PolicyPair, PolicyResolver } from '../../loop/ports';

/**
 * Builds each target's policy and fallback once at start-up from the policy registry (policies keep
 * no hidden state: the loop passes their memory back in). Unknown refs fail here (CONFIG_INVALID),
 * never silently at the first cycle.
 *
 * `onnx:<path>` policies need the ONNX adapter: `onnx` builds one for a target, given the target's
 * baseline as its fallback (low confidence, slow or failing inference → the baseline decides) and
 * the target's `minConfidence` / `latencyBudgetMs`. A relative model path is resolved against
 * `baseDir` (the config file's folder). Without `onnx`, an `onnx:` ref is a config error.
 */
export interface OnnxOptions {
  readonly fallback: Policy;
  readonly minConfidence?: number;
  readonly latencyBudgetMs?: number;
}

export interface PolicyResolverOptions {
  readonly factories?: PolicyFactories;
  readonly onnx?: (path: string, options: OnnxOptions) => Policy;
  /** per target name: minConfidence / latencyBudgetMs from the config */
  readonly onnxLimits?: Readonly<Record<string, { minConfidence?: number; latencyBudgetMs?: number }>>;
  readonly baseDir?: string;
}

export function policyResolver(
  targets: readonly LoopTarget[],
  options: PolicyResolverOptions = {},
): PolicyResolver {
  const shared = new Map<string, Policy>();
  const baseline = (ref: string) => {
    let p = shared.get(ref);
    if (!p) shared.set(ref, (p = createPolicy(ref, options.factories)));
    return p;
  };
  const pairs = new Map<string, PolicyPair>();
  for (const t of targets) {
    const fallback = baseline(t.fallback);
    const parsed = parsePolicyRef(t.policy);
    let primary: Policy;
    if (parsed.kind === 'onnx' && options.onnx) {
      const path =
        isAbsolute(parsed.path) || !options.baseDir ? parsed.path : join(options.baseDir, parsed.path);
      primary = options.onnx(path, { fallback, ...(options.onnxLimits?.[t.ref.name] ?? {}) });
    } else primary = baseline(t.policy);
    pairs.set(t.ref.name, { primary, fallback });
  }
  return (t: LoopTarget) => {
    const p = pairs.get(t.ref.name);
    if (!p) throw new Error(`no policy was built for target ${t.ref.name}`);
    return p;
  };
}
