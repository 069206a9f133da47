import { stepsFromRanges, type VersionRanges } from '../../../../src/adapters/prometheus/metrics-source';
import type { PromMatrixResult } from '../../../../src/adapters/prometheus/prometheus-client';

const matrix = (points: ReadonlyArray<readonly [number, string]>): PromMatrixResult => ({
  resultType: 'matrix',
  result: [{ metric: {}, values: points.map(([t, v]) => [t, v] as [number, string]) }],
});

describe('stepsFromRanges (CanaryObservation.steps from query_range, rate window = step)', () => {
  it('turns rates into per-step counts aligned on the steps where the canary served', () => {
    const canary: VersionRanges = {
      // t=0: no canary traffic yet (rps 0, error rate 0/0 = NaN) → dropped
      rps: matrix([
        [0, '0'],
        [30, '10'],
        [60, '20'],
      ]),
      errorRate: matrix([
        [0, 'NaN'],
        [30, '0.01'],
        [60, '0.005'],
      ]),
      p95: matrix([
        [30, '120'],
        [60, '130'],
      ]),
    };
    const primary: VersionRanges = {
      rps: matrix([
        [0, '100'],
        [30, '90'],
        [60, '80'],
      ]),
      errorRate: matrix([
        [0, '0.001'],
        [30, '0.002'],
        [60, 'NaN'],
      ]),
      p95: matrix([
        [0, '100'],
        [30, '110'],
        [60, '+Inf'],
      ]),
    };
    const s = stepsFromRanges(canary, primary, 30);
    expect(s.stepSeconds).toBe(30);
    expect(s.canary.requests).toEqual([300, 600]);
    expect(s.canary.errors[0]).toBeCloseTo(3, 9);
    expect(s.canary.errors[1]).toBeCloseTo(3, 9);
    expect(s.canary.p95LatencyMs).toEqual([120, 130]);
    expect(s.primary.requests).toEqual([2700, 2400]);
    expect(s.primary.errors[0]).toBeCloseTo(5.4, 9);
    // no reading is kept as no reading (the evidence skips the step), never as 0 errors
    expect(s.primary.errors[1]).toBeNaN();
    expect(s.primary.p95LatencyMs).toEqual([110, Infinity]);
  });

  it('drops steps the primary has no rate for, and answers nothing for multi-series results', () => {
    const one = (v: string) => matrix([[30, v]]);
    const s = stepsFromRanges(
      { rps: one('10'), errorRate: one('0'), p95: one('100') },
      { rps: matrix([[60, '10']]), errorRate: one('0'), p95: one('100') },
      30,
    );
    expect(s.canary.requests).toEqual([]);
    const two: PromMatrixResult = {
      resultType: 'matrix',
      result: [
        { metric: { a: '1' }, values: [[30, '1']] },
        { metric: { a: '2' }, values: [[30, '1']] },
      ],
    };
    const none = stepsFromRanges(
      { rps: two, errorRate: one('0'), p95: one('100') },
      { rps: one('10'), errorRate: one('0'), p95: one('100') },
      30,
    );
    expect(none.canary.requests).toEqual([]);
  });
});
