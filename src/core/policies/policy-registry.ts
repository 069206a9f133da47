import { MaestroError } from '../errors';
import type { Policy } from '../policy';
import { createFlaggerPolicy, type FlaggerPolicyOptions } from './flagger/flagger-policy';
import { createHpaPolicy, type HpaPolicyOptions } from './hpa/hpa-policy';
import { createJudgePolicy } from './judge/judge-policy';
import type { JudgeConfig } from './judge/judge';
import type { CanarySchedule } from './canary-schedule';

/**
 * Policy refs as written in the config (`targets[].policy`, `.fallback`): `hpa`, `hpa:<target %>`,
 * `flagger`, `judge`, `onnx:<path>`, `oracle`. Parsing is pure; building an `onnx:` (or `oracle`)
 * policy needs an adapter, so its factory is passed in by the caller (the CLI) — there is no
 * process-global registry, and an unknown or unavailable kind is an error, never a silent default.
 */
export type ParsedPolicyRef =
  | { readonly kind: 'hpa'; readonly targetUtilizationPercent?: number }
  | { readonly kind: 'flagger' }
  | { readonly kind: 'judge' }
  | { readonly kind: 'onnx'; readonly path: string }
  | { readonly kind: 'oracle' };

export function parsePolicyRef(ref: string): ParsedPolicyRef {
  const s = ref.trim();
  const hpa = /^hpa(?::(\d{1,3}))?$/.exec(s);
  if (hpa) {
    if (hpa[1] === undefined) return { kind: 'hpa' };
    const pct = Number(hpa[1]);
    if (pct < 1 || pct > 500) {
      throw new MaestroError('CONFIG_INVALID', `policy "${ref}": the HPA target must be 1..500 percent`, {
        data: { ref },
      });
    }
    return { kind: 'hpa', targetUtilizationPercent: pct };
  }
  if (s === 'flagger') return { kind: 'flagger' };
  if (s === 'judge') return { kind: 'judge' };
  if (s === 'oracle') return { kind: 'oracle' };
  if (s.startsWith('onnx:') && s.length > 'onnx:'.length)
    return { kind: 'onnx', path: s.slice('onnx:'.length) };
  throw new MaestroError(
    'CONFIG_INVALID',
    `unknown policy "${ref}": use hpa, hpa:<target %>, flagger, judge or onnx:<path to .onnx>`,
    { data: { ref } },
  );
}

export interface PolicyFactories {
  /** builds an ONNX policy from a model path (src/adapters/onnx, wired by the CLI) */
  readonly onnx?: (path: string) => Policy;
  /** builds the simulator's oracle policy (evaluation only) */
  readonly oracle?: () => Policy;
  /** options for the rule baselines */
  readonly hpa?: Omit<HpaPolicyOptions, 'targetUtilizationPercent'>;
  readonly flagger?: FlaggerPolicyOptions;
  readonly judge?: Partial<CanarySchedule> & { readonly config?: JudgeConfig };
}

/** Builds the policy a ref names. */
export function createPolicy(ref: string, factories: PolicyFactories = {}): Policy {
  const p = parsePolicyRef(ref);
  switch (p.kind) {
    case 'hpa':
      return createHpaPolicy({
        ...factories.hpa,
        ...(p.targetUtilizationPercent === undefined
          ? {}
          : { targetUtilizationPercent: p.targetUtilizationPercent }),
      });
    case 'flagger':
      return createFlaggerPolicy(factories.flagger);
    case 'judge':
      return createJudgePolicy(factories.judge);
    case 'onnx':
      if (!factories.onnx) {
        throw new MaestroError('CONFIG_INVALID', `policy "${ref}": ONNX policies are not available here`, {
          data: { ref },
        });
      }
      return factories.onnx(p.path);
    case 'oracle':
      if (!factories.oracle) {
        throw new MaestroError('CONFIG_INVALID', `policy "${ref}": the oracle exists only in the simulator`, {
          data: { ref },
        });
      }
      return factories.oracle();
  }
}
