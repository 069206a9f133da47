import {
  canaryEvidence,
  errorGlr,
  LATENCY_EFFECT,
  LATENCY_SIGMA,
  LLR_STEP_CAP,
} from '../../../src/core/canary-evidence';
import type { CanaryStepSeries } from '../../../src/core/observation';
import { createRng } from '../../../src/sim/rng';

const slo = { sloP95Ms: 250, sloErrorRate: 0.01 };

/** n identical steps: canary and primary requests, errors and p95 per step */
function steps(
  n: number,
  c: { req: number; err: number; p95: number },
  p: { req: number; err: number; p95: number },
): CanaryStepSeries {
  const side = (v: { req: number; err: number; p95: number }) => ({
    requests: Array.from({ length: n }, () => v.req),
    errors: Array.from({ length: n }, () => v.err),
    p95LatencyMs: Array.from({ length: n }, () => v.p95),
  });
  return { stepSeconds: 20, canary: side(c), primary: side(p) };
}

describe('errorGlr (Poisson GLR: canary rate = primary + δ vs equal)', () => {
  it('is negative for equal rates, positive for a regression of δ, and grows with the requests', () => {
    const d = 0.0015;
    const equal = errorGlr(24_000, 24, 24_000, 24, d);
    expect(equal).toBeLessThan(-10);
    expect(errorGlr(48_000, 48, 48_000, 48, d)).toBeLessThan(2 * equal + 1);
    // +0.2 % on 0.1 %: 3× the errors
    expect(errorGlr(24_000, 72, 24_000, 24, d)).toBeGreaterThan(5);
    // a canary better than its primary is no regression
    expect(errorGlr(24_000, 5, 24_000, 24, d)).toBeLessThan(equal);
  });

  it('a handful of requests is no evidence either way', () => {
    expect(Math.abs(errorGlr(100, 0, 400, 0, 0.0015))).toBeLessThan(0.5);
    expect(errorGlr(0, 0, 400, 1, 0.0015)).toBe(0);
  });

  it('handles a primary without errors', () => {
    expect(errorGlr(10_000, 0, 10_000, 0, 0.0015)).toBeLessThan(-10);
    expect(errorGlr(10_000, 40, 10_000, 0, 0.0015)).toBeGreaterThan(10);
  });
});

describe('canaryEvidence', () => {
  it('a good release at balanced load: every figure favours "not worse"', () => {
    const e = canaryEvidence(steps(4, { req: 6000, err: 6, p95: 150 }, { req: 6000, err: 6, p95: 150 }), slo);
    expect(e.referenceSteps).toBe(4);
    expect(e.balancedSteps).toBe(4);
    expect(e.canaryRequests).toBe(24_000);
    expect(e.errorVsPrimary).toBeLessThan(-4.6);
    expect(e.errorVsSlo).toBeLessThan(-4.6);
    // x = 0: each step −μ²/(2σ²)
    expect(e.latencyBalanced).toBeCloseTo((-4 * LATENCY_EFFECT ** 2) / (2 * LATENCY_SIGMA ** 2), 6);
    expect(e.latencyLighter).toBe(0);
  });

  it('a 10 % slower canary at balanced load is a regression, capped per step', () => {
    const e = canaryEvidence(steps(2, { req: 6000, err: 6, p95: 165 }, { req: 6000, err: 6, p95: 150 }), slo);
    expect(e.latencyBalanced).toBeGreaterThan(4.6);
    const far = canaryEvidence(
      steps(2, { req: 6000, err: 6, p95: 400 }, { req: 6000, err: 6, p95: 150 }),
      slo,
    );
    expect(far.latencyBalanced).toBe(2 * LLR_STEP_CAP);
  });

  it('at a lighter canary load, "faster" is no evidence of a good release but "slower" is of a bad one', () => {
    const faster = canaryEvidence(
      steps(3, { req: 1500, err: 2, p95: 120 }, { req: 4500, err: 5, p95: 200 }),
      slo,
    );
    expect(faster.balancedSteps).toBe(0);
    expect(faster.latencyBalanced).toBe(0);
    // floored at x = 0: only the −μ²/(2σ²) per step of an equal reading, never more
    expect(faster.latencyLighter).toBeCloseTo((-3 * LATENCY_EFFECT ** 2) / (2 * LATENCY_SIGMA ** 2), 6);
    const slower = canaryEvidence(
      steps(3, { req: 1500, err: 2, p95: 170 }, { req: 4500, err: 5, p95: 150 }),
      slo,
    );
    expect(slower.latencyLighter).toBeGreaterThan(4.6);
  });

  it('an overloaded primary is no reference; the canary is then judged against the SLO', () => {
    // primary: 30 % errors, p95 at the 10 s timeout; canary 8 % errors
    const e = canaryEvidence(
      steps(2, { req: 2000, err: 160, p95: 150 }, { req: 8000, err: 2400, p95: 10_000 }),
      slo,
    );
    expect(e.referenceSteps).toBe(0);
    expect(e.errorVsPrimary).toBe(0);
    expect(e.errorVsSlo).toBeGreaterThan(20);
    const slowCanary = canaryEvidence(
      steps(1, { req: 2000, err: 2, p95: 600 }, { req: 8000, err: 2400, p95: 10_000 }),
      slo,
    );
    expect(slowCanary.latencyVsSlo).toBe(LLR_STEP_CAP);
  });

  it('ignores steps without canary requests and non-finite readings; series of unequal length are cut', () => {
    const s: CanaryStepSeries = {
      stepSeconds: 30,
      canary: { requests: [0, 3000, NaN, 3000], errors: [0, 3, 1, 3], p95LatencyMs: [NaN, 150, 150, 150] },
      primary: { requests: [9000, 3000, 3000], errors: [9, 3, 3], p95LatencyMs: [150, 150, 150] },
    };
    const e = canaryEvidence(s, slo);
    expect(e.canaryRequests).toBe(3000);
    expect(e.referenceSteps).toBe(1);
  });
});

describe('errorVsPrimaryAlwaysValid (mixture SPRT over error-rate ratios)', () => {
  it('no evidence of a regression from equal error counts; strong evidence from 3× the errors', () => {
    const equal = canaryEvidence(
      steps(4, { req: 6000, err: 6, p95: 150 }, { req: 6000, err: 6, p95: 150 }),
      slo,
    );
    expect(equal.errorVsPrimaryAlwaysValid).toBeLessThan(0);
    const tripled = canaryEvidence(
      steps(4, { req: 6000, err: 18, p95: 150 }, { req: 6000, err: 6, p95: 150 }),
      slo,
    );
    expect(tripled.errorVsPrimaryAlwaysValid).toBeGreaterThan(Math.log(5000));
    // only a healthy primary is a reference
    const overloaded = canaryEvidence(
      steps(2, { req: 2000, err: 160, p95: 150 }, { req: 8000, err: 2400, p95: 10_000 }),
      slo,
    );
    expect(overloaded.errorVsPrimaryAlwaysValid).toBe(0);
  });

  it('is always valid: equal-rate releases cross log(1/α) at any of many looks in at most ~α of runs', () => {
    // Ville's inequality: P(sup_t LR_t ≥ 1/α) ≤ α under H0, however often one looks.
    const rng = createRng('always-valid');
    const runs = 500;
    const alpha = 0.05;
    let mixtureCrossed = 0;
    let regressionCrossed = 0;
    const maxOverLooks = (canaryRate: number): number => {
      const s: CanaryStepSeries = {
        stepSeconds: 20,
        canary: { requests: [], errors: [], p95LatencyMs: [] },
        primary: { requests: [], errors: [], p95LatencyMs: [] },
      };
      let max = -Infinity;
      for (let look = 0; look < 20; look++) {
        const nc = 1000 + Math.floor(3000 * rng.next());
        const np = 3000;
        (s.canary.requests as number[]).push(nc);
        (s.canary.errors as number[]).push(rng.poisson(nc * canaryRate));
        (s.canary.p95LatencyMs as number[]).push(150);
        (s.primary.requests as number[]).push(np);
        (s.primary.errors as number[]).push(rng.poisson(np * 0.001));
        (s.primary.p95LatencyMs as number[]).push(150);
        max = Math.max(max, canaryEvidence(s, slo).errorVsPrimaryAlwaysValid);
      }
      return max;
    };
    for (let run = 0; run < runs; run++) {
      if (maxOverLooks(0.001) >= Math.log(1 / alpha)) mixtureCrossed++;
      if (maxOverLooks(0.003) >= Math.log(1 / alpha)) regressionCrossed++;
    }
    expect(mixtureCrossed / runs).toBeLessThanOrEqual(alpha);
    // and it has power: a canary failing 3× as often crosses in most runs
    expect(regressionCrossed / runs).toBeGreaterThan(0.8);
  });
});
