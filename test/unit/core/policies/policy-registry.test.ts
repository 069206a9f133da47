import { createPolicy, parsePolicyRef } from '../../../../src/core/policies/policy-registry';
import { isMaestroError } from '../../../../src/core/errors';

describe('policy registry', () => {
  it('parses every documented ref', () => {
    expect(parsePolicyRef('hpa')).toEqual({ kind: 'hpa' });
    expect(parsePolicyRef('hpa:80')).toEqual({ kind: 'hpa', targetUtilizationPercent: 80 });
    expect(parsePolicyRef('flagger')).toEqual({ kind: 'flagger' });
    expect(parsePolicyRef('judge')).toEqual({ kind: 'judge' });
    expect(parsePolicyRef('onnx:policies/a.onnx')).toEqual({ kind: 'onnx', path: 'policies/a.onnx' });
  });

  it('builds the rule baselines by name', () => {
    expect(createPolicy('hpa').name).toBe('hpa');
    expect(createPolicy('hpa:80').name).toBe('hpa:80');
    expect(createPolicy('flagger').name).toBe('flagger');
    expect(createPolicy('judge').name).toBe('judge');
    const onnx = createPolicy('onnx:m.onnx', {
      onnx: (p) => ({ name: `onnx:${p}`, decide: () => ({ action: { type: 'hold' }, explanation: [] }) }),
    });
    expect(onnx.name).toBe('onnx:m.onnx');
  });

  it('an unknown or unavailable policy is a CONFIG_INVALID error, never a silent default', () => {
    for (const bad of ['hpa:0', 'random', 'onnx:']) {
      expect(() => createPolicy(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    try {
      createPolicy('onnx:m.onnx');
    } catch (e) {
      expect(isMaestroError(e, 'CONFIG_INVALID')).toBe(true);
      expect((e as Error).message).toMatch(/not available/);
    }
  });
});
