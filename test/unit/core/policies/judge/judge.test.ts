import { classifyMetric, judgeCanary, type JudgeConfig } from '../../../../../src/core/policies/judge/judge';
import {
  createJudgePolicy,
  judgeCanaryObservation,
} from '../../../../../src/core/policies/judge/judge-policy';
import type { PolicyOutput } from '../../../../../src/core/decision';
import { noData } from '../../../../../src/core/sample';
import { canaryObs, ctx, version } from '../canary-fixtures';

const latency = { name: 'latency', group: 'latency', direction: 'increase' as const };

describe('classifyMetric (Kayenta MannWhitneyClassifier)', () => {
  it('High when the 98 % interval clears +25 % of the estimate and the effect size passes', () => {
    // case 3 of mann-whitney.test.ts: 98 % CI [0, 7], estimate 3.5 -> lower 0 is not > 0.875: Pass
    const r = classifyMetric(latency, [12, 15, 11, 14, 13, 16], [10, 9, 11, 8, 10, 12]);
    expect(r.label).toBe('Pass');
    expect(r.confidenceInterval).toEqual([expect.closeTo(0, 6), expect.closeTo(7, 6)]);
    // a clearly separated canary: CI lower bound well above 0.25 * estimate
    const high = classifyMetric(latency, [30, 31, 32, 33, 34, 35, 36, 37], [10, 11, 12, 13, 14, 15, 16, 17]);
    expect(high.label).toBe('High');
    expect(high.deviation).toBeCloseTo(33.5 / 13.5, 6);
  });

  it('direction decides which side fails; allowedIncrease filters small effects', () => {
    const low = { canary: [10, 11, 12, 13, 14, 15, 16, 17], baseline: [30, 31, 32, 33, 34, 35, 36, 37] };
    expect(classifyMetric(latency, low.canary, low.baseline).label).toBe('Pass');
    expect(classifyMetric({ ...latency, direction: 'either' }, low.canary, low.baseline).label).toBe('Low');
    const small = classifyMetric(
      { ...latency, allowedIncrease: 1.1 },
      [101, 102, 103, 104, 105, 106],
      [95, 96, 97, 98, 99, 100],
    );
    expect(small.label).toBe('Pass'); // significant but only ~5.6 % higher
  });

  it('NaN removal and no-data strategies', () => {
    expect(classifyMetric(latency, [NaN, NaN], [1, 2]).label).toBe('Nodata');
    expect(classifyMetric({ ...latency, mustHaveData: true }, [], [1, 2]).label).toBe('NodataFail');
    expect(classifyMetric({ ...latency, nanStrategy: 'replace' }, [], [1]).label).toBe('Pass');
    expect(classifyMetric({ ...latency, critical: true }, [], [1])).toMatchObject({
      label: 'Nodata',
      critical: true,
    });
    // NaNs dropped, the rest identical -> Pass
    expect(classifyMetric(latency, [1, NaN, 2], [2, 1]).reason).toMatch(/identical/);
  });

  it("constant samples compare exactly (deterministic stand-in for Kayenta's noise)", () => {
    expect(classifyMetric(latency, [5, 5, 5, 5, 5, 5], [4, 4, 4, 4, 4, 4]).label).toBe('High');
    expect(classifyMetric(latency, [4, 4], [4, 4, 4]).label).toBe('Pass');
  });

  it('only when the rank test could be significant at all: one reading a side is no evidence', () => {
    // was High: two single readings that differ were taken as a certain difference, which made
    // the judge roll back 42 of 100 good releases on noise in `maestro eval-canary`
    const one = classifyMetric(latency, [0.002], [0.001]);
    expect(one.label).toBe('Pass');
    expect(one.pValue).toBeCloseTo(1, 6);
    expect(one.reason).toMatch(/1 vs 1 readings cannot differ significantly/);
    // 3 vs 3, completely separated: p = 0.047 > 0.02
    expect(classifyMetric(latency, [5, 5, 5], [4, 4, 4]).label).toBe('Pass');
    // 4 vs 4: p = 0.013 < 0.02
    expect(classifyMetric(latency, [5, 5, 5, 5], [4, 4, 4, 4]).label).toBe('High');
  });

  it('a clamped interval that excludes 0 is no difference when the test is not significant', () => {
    // a good canary's first two 30 s error-rate readings against four of its primary: R's interval
    // is clamped to [min(x) − max(y), …] = [0.0006, …] although p = 0.1
    const errors = {
      name: 'errorRate',
      group: 'errors',
      direction: 'increase' as const,
      allowedIncrease: 1.5,
    };
    const r = classifyMetric(errors, [0.0019, 0.0019], [0.0013, 0.0011, 0.001, 0.001]);
    expect(r.confidenceInterval![0]).toBeGreaterThan(0);
    expect(r.pValue).toBeGreaterThan(0.05);
    expect(r.label).toBe('Pass');
    // the same shift, ten readings a side: significant, High
    const many = classifyMetric(
      errors,
      [0.0019, 0.002, 0.0021, 0.0019, 0.0022, 0.002, 0.0018, 0.0021, 0.002, 0.0019],
      [0.0013, 0.0011, 0.001, 0.001, 0.0012, 0.0009, 0.0011, 0.001, 0.0012, 0.0011],
    );
    expect(many.label).toBe('High');
  });
});

describe('judgeCanary scoring (WeightedSumScorer + thresholds)', () => {
  const config: JudgeConfig = {
    metrics: [
      { name: 'a', group: 'g1' },
      { name: 'b', group: 'g1' },
      { name: 'c', group: 'g2' },
      { name: 'd', group: 'g2', mustHaveData: true },
    ],
    groupWeights: { g1: 75, g2: 25 },
  };
  const same = [1, 2, 3, 4, 5, 6];
  const higher = [21, 22, 23, 24, 25, 26];

  it('score = weighted mean of 100*Pass/(Pass+High+Low+NodataFail) per group', () => {
    // g1: a Pass, b High -> 50; g2: c Pass, d NodataFail -> 50; total 0.75*50 + 0.25*50 = 50
    const r = judgeCanary(config, { a: same, b: higher, c: same }, { a: same, b: same, c: same, d: same });
    expect(r.groups).toEqual([
      { group: 'g1', score: 50, noData: false },
      { group: 'g2', score: 50, noData: false },
    ]);
    expect(r.score).toBe(50);
    expect(r.verdict).toBe('Fail');
  });

  it('Pass / Marginal / Fail thresholds (95 / 75)', () => {
    const four = { metrics: ['a', 'b', 'c', 'd'].map((name) => ({ name, group: 'g' })) };
    const base = { a: same, b: same, c: same, d: same };
    expect(judgeCanary(four, base, base).verdict).toBe('Pass');
    const oneHigh = judgeCanary({ ...four, marginalThreshold: 70 }, { ...base, d: higher }, base);
    expect(oneHigh.score).toBe(75);
    expect(oneHigh.verdict).toBe('Marginal');
  });

  it('a failing critical metric scores 0', () => {
    const r = judgeCanary(
      {
        metrics: [
          { name: 'err', group: 'e', critical: true },
          { name: 'x', group: 'l' },
        ],
      },
      { err: higher, x: same },
      { err: same, x: same },
    );
    expect(r.score).toBe(0);
    expect(r.verdict).toBe('Fail');
    expect(r.reasons.join(' ')).toMatch(/critical metric failed: err High/);
  });

  it('groups without data are left out of the weighted mean', () => {
    const r = judgeCanary(config, { a: same, b: same }, { a: same, b: same });
    expect(r.groups[1]).toEqual({ group: 'g2', score: 0, noData: false }); // c: Nodata (ignored), d: NodataFail
    const r2 = judgeCanary(
      {
        metrics: [
          { name: 'a', group: 'g1' },
          { name: 'c', group: 'g2' },
        ],
      },
      { a: same },
      { a: same },
    );
    expect(r2.score).toBe(100);
  });
});

describe('judge policy', () => {
  const decide = (o: ReturnType<typeof canaryObs>, state?: unknown) =>
    createJudgePolicy().decide(o, ctx(state)) as PolicyOutput;

  it('uses query_range samples when present: a clearly worse canary is rolled back', () => {
    const o = canaryObs(20, 'Progressing', version(0.001), version(0.001), {
      samples: {
        canary: {
          errorRate: [0.05, 0.06, 0.055, 0.07, 0.065, 0.06],
          p95LatencyMs: [100, 101, 99, 100, 102, 98],
        },
        primary: {
          errorRate: [0.001, 0.002, 0.001, 0.0015, 0.002, 0.001],
          p95LatencyMs: [100, 99, 101, 100, 98, 102],
        },
      },
    });
    expect(judgeCanaryObservation(o.canary!).mode).toBe('samples');
    const out = decide(o);
    expect(out.action).toEqual({ type: 'canary', verb: 'rollback' });
    expect(out.explanation.join(' ')).toMatch(/critical metric failed: errorRate High/);
  });

  it('equal behaviour passes and advances; at maxWeight promotes', () => {
    const s = {
      canary: { errorRate: [0.001, 0.002, 0.001], p95LatencyMs: [100, 101, 99] },
      primary: { errorRate: [0.002, 0.001, 0.001], p95LatencyMs: [101, 100, 99] },
    };
    expect(
      decide(canaryObs(20, 'Progressing', version(0.001), version(0.001), { samples: s })).action,
    ).toEqual({ type: 'canary', verb: 'advance', stepWeight: 10 });
    expect(
      decide(canaryObs(50, 'Progressing', version(0.001), version(0.001), { samples: s })).action,
    ).toEqual({ type: 'canary', verb: 'promote' });
  });

  it('without samples holds: one reading per version cannot be tested', () => {
    for (const canary of [version(0.001, 120, 200), version(0.03)]) {
      const out = decide(canaryObs(20, 'Progressing', canary, version(0.001, 120, 200)));
      expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
      expect(out.explanation.join(' ')).toMatch(/judge \(points\): one reading per version cannot be tested/);
      expect(out.state).toMatchObject({ failedChecks: 0 });
    }
  });

  it('no data for every metric holds and counts a failed check', () => {
    const none = {
      rps: noData('missing'),
      p95LatencyMs: noData('missing'),
      p99LatencyMs: noData('missing'),
      errorRate: noData('missing'),
    };
    const out = decide(canaryObs(20, 'Progressing', none, none));
    expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
    expect(out.state).toMatchObject({ failedChecks: 1 });
  });
});
