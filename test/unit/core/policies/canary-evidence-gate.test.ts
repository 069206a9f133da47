import type { CanaryEvidence } from '../../../../src/core/canary-evidence';
import {
  acceptanceEvidence,
  DEFAULT_CANARY_EVIDENCE_GATE as gate,
  gateCanaryVerb,
  regressionEvidence,
} from '../../../../src/core/policies/canary-evidence-gate';

/** Evidence with every statistic neutral, then the given ones. */
function evidence(e: Partial<CanaryEvidence>): CanaryEvidence {
  return {
    errorVsPrimary: 0,
    errorVsPrimaryAlwaysValid: 0,
    errorVsSlo: 0,
    latencyBalanced: 0,
    latencyLighter: 0,
    latencyVsSlo: 0,
    referenceSteps: 2,
    balancedSteps: 1,
    canaryRequests: 6000,
    ...e,
  };
}
const at25 = { weight: 25, maxWeight: 50 };
const at50 = { weight: 50, maxWeight: 50 };

describe('gateCanaryVerb', () => {
  it('defaults: rollback needs log(5/0.001) ≈ 8.5, promote at most −log 10 ≈ −2.3 and one balanced step', () => {
    expect(gate.rollbackMinLlr).toBeCloseTo(8.517, 3);
    expect(gate.promoteMaxLlr).toBeCloseTo(-2.303, 3);
    expect(gate.promoteMinBalancedSteps).toBe(1);
  });

  it('a rollback on weak evidence holds; on strong evidence of any metric it stands', () => {
    // the false rollback the ungated model made: an error excess worth 11:1 odds
    const weak = gateCanaryVerb('rollback', evidence({ errorVsPrimaryAlwaysValid: 2.4 }), at25, gate);
    expect(weak.verb).toBe('hold');
    expect(weak.refused?.reason).toBe('regression evidence 2.4 below 8.5');
    for (const k of [
      'errorVsPrimaryAlwaysValid',
      'errorVsSlo',
      'latencyBalanced',
      'latencyLighter',
      'latencyVsSlo',
    ]) {
      expect(gateCanaryVerb('rollback', evidence({ [k]: 9 }), at25, gate)).toEqual({ verb: 'rollback' });
    }
    // the GLR is not always valid: alone it never justifies a rollback
    expect(gateCanaryVerb('rollback', evidence({ errorVsPrimary: 20 }), at25, gate).verb).toBe('hold');
  });

  it('a promote needs acceptance on errors and balanced latency; refused, it advances below maxWeight and holds at it', () => {
    const accepted = evidence({ errorVsPrimary: -5, latencyBalanced: -2.8 });
    expect(gateCanaryVerb('promote', accepted, at50, gate)).toEqual({ verb: 'promote' });
    const slower = evidence({ errorVsPrimary: -5, latencyBalanced: 3.2 });
    expect(gateCanaryVerb('promote', slower, at50, gate)).toEqual({
      verb: 'hold',
      refused: { verb: 'promote', reason: 'acceptance evidence 3.2 above -2.3' },
    });
    expect(gateCanaryVerb('promote', slower, at25, gate).verb).toBe('advance');
    const unbalanced = evidence({ errorVsPrimary: -5, latencyBalanced: 0, balancedSteps: 0 });
    expect(gateCanaryVerb('promote', unbalanced, at25, gate)).toEqual({
      verb: 'advance',
      refused: { verb: 'promote', reason: '0 of 1 steps at balanced load' },
    });
    const noBalancedStep = evidence({ errorVsPrimary: -5, latencyBalanced: -3, balancedSteps: 0 });
    expect(gateCanaryVerb('promote', noBalancedStep, at50, gate).refused?.reason).toBe(
      '0 of 1 steps at balanced load',
    );
  });

  it('without evidence neither irreversible verb stands; advance and hold always pass', () => {
    expect(gateCanaryVerb('rollback', undefined, at25, gate).refused?.reason).toBe('no canary evidence yet');
    expect(gateCanaryVerb('promote', undefined, at50, gate).verb).toBe('hold');
    expect(gateCanaryVerb('promote', undefined, { weight: 0, maxWeight: 50 }, gate).verb).toBe('advance');
    expect(gateCanaryVerb('promote', undefined, { weight: undefined, maxWeight: 50 }, gate).verb).toBe(
      'hold',
    );
    expect(gateCanaryVerb('advance', undefined, at25, gate)).toEqual({ verb: 'advance' });
    expect(gateCanaryVerb('hold', evidence({ errorVsSlo: 50 }), at25, gate)).toEqual({ verb: 'hold' });
  });

  it('regression is the strongest always-valid statistic, acceptance the weaker of errors and balanced latency', () => {
    const e = evidence({
      errorVsPrimary: -4,
      errorVsPrimaryAlwaysValid: 1,
      errorVsSlo: -30,
      latencyBalanced: -2,
      latencyLighter: 3,
    });
    expect(regressionEvidence(e)).toBe(3);
    expect(acceptanceEvidence(e)).toBe(-2);
  });
});
