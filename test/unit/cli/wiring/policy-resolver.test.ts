import { policyResolver, type OnnxOptions } from '../../../../src/cli/wiring/policy-resolver';
import type { Policy } from '../../../../src/core/policy';
import { target } from '../../../support/loop-doubles';

describe('policyResolver', () => {
  it('builds the configured policy and its baseline fallback per target', () => {
    const web = { ...target('web'), policy: 'hpa:60', fallback: 'hpa' };
    const checkout = { ...target('checkout', 'flagger-canary'), policy: 'judge', fallback: 'flagger' };
    const resolve = policyResolver([web, checkout]);
    expect(resolve(web).primary.name).toMatch(/^hpa/);
    expect(resolve(checkout).primary.name).toMatch(/judge/);
    expect(resolve(checkout).fallback.name).toMatch(/flagger/);
  });

  it('hands onnx: refs to the ONNX factory with the fallback and limits, resolving relative paths', () => {
    const seen: Array<{ path: string; options: OnnxOptions }> = [];
    const fake: Policy = { name: 'model', decide: () => ({ action: { type: 'hold' }, explanation: [] }) };
    const web = { ...target('web'), policy: 'onnx:policies/a.onnx', fallback: 'hpa' };
    const resolve = policyResolver([web], {
      onnx: (path, options) => (seen.push({ path, options }), fake),
      baseDir: '/etc/maestro',
      onnxLimits: { web: { minConfidence: 0.7, latencyBudgetMs: 20 } },
    });
    expect(resolve(web).primary).toBe(fake);
    expect(seen).toEqual([
      {
        path: '/etc/maestro/policies/a.onnx',
        options: { fallback: resolve(web).fallback, minConfidence: 0.7, latencyBudgetMs: 20 },
      },
    ]);
  });

  it('refuses onnx: refs when no ONNX adapter is wired, and unknown refs, at start-up', () => {
    expect(() => policyResolver([{ ...target('web'), policy: 'onnx:x.onnx' }])).toThrow(
      /ONNX policies are not available/,
    );
    expect(() => policyResolver([{ ...target('web'), policy: 'magic' }])).toThrow(/unknown policy "magic"/);
  });
});
