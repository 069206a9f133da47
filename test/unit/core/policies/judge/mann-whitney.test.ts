/**
 * Known Mann-Whitney results. Each case lists the R call whose output it reproduces:
 * `wilcox.test(x, y, exact = FALSE, correct = TRUE, conf.int = TRUE, conf.level = L)`.
 * W, z and the p-value follow by hand from R's formulas (worked out for case 1 below) and were
 * cross-checked with scipy.stats.mannwhitneyu(x, y, use_continuity=True, method='asymptotic');
 * the intervals are R's uniroot roots of wdiff(d, ±qnorm(alpha/2)), which land on pairwise
 * differences x_i − y_j (R reports them to uniroot's tol 1e-4). The estimate here is the exact
 * Hodges–Lehmann median of pairwise differences (R's asymptotic `estimate` approximates it).
 */
import {
  averageRanks,
  hodgesLehmann,
  mannWhitneyU,
  normalCdf,
  normalQuantile,
} from '../../../../../src/core/policies/judge/mann-whitney';

describe('Mann-Whitney U (R wilcox.test, exact = FALSE, correct = TRUE)', () => {
  it('case 1, the ?wilcox.test two-sample data', () => {
    // x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
    // y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
    // wilcox.test(x, y, exact = FALSE, correct = TRUE, conf.int = TRUE)
    //   W = 35, p-value = 0.2446, 95 percent CI: -0.15 0.76
    // By hand: ranks of x in the pooled 15 values sum to 90, W = 90 - 10*11/2 = 35;
    // z = (35 - 10*5/2 - 0.5) / sqrt(10*5/12 * 16) = 9.5 / 8.164966 = 1.163508;
    // p = 2 * (1 - pnorm(1.163508)) = 0.244624.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y, 0.95);
    expect(r.w).toBe(35);
    expect(r.z).toBeCloseTo(1.163508, 5);
    expect(r.pValue).toBeCloseTo(0.244624, 4);
    expect(r.confidenceInterval[0]).toBeCloseTo(-0.15, 6);
    expect(r.confidenceInterval[1]).toBeCloseTo(0.76, 6);
    expect(r.estimate).toBeCloseTo(0.305, 10);
    // conf.level = 0.98: CI -0.32 0.99
    const r98 = mannWhitneyU(x, y, 0.98);
    expect(r98.confidenceInterval[0]).toBeCloseTo(-0.32, 6);
    expect(r98.confidenceInterval[1]).toBeCloseTo(0.99, 6);
  });

  it('case 2, ties (tie-corrected variance)', () => {
    // wilcox.test(c(1,2,2,3,4,5), c(2,3,3,6,7,8,9), exact = FALSE, correct = TRUE, conf.int = TRUE)
    //   W = 9, p-value = 0.09667, 95 percent CI: -6 1
    // Tie groups: 2 (x3), 3 (x3): sum(t^3 - t) = 48; sigma = sqrt(42/12 * (14 - 48/156)) = 6.922;
    // z = (9 - 21 + 0.5) / 6.922 = -1.661214.
    const r = mannWhitneyU([1, 2, 2, 3, 4, 5], [2, 3, 3, 6, 7, 8, 9], 0.95);
    expect(r.w).toBe(9);
    expect(r.z).toBeCloseTo(-1.661214, 5);
    expect(r.pValue).toBeCloseTo(0.096671, 4);
    expect(r.confidenceInterval[0]).toBeCloseTo(-6, 6);
    expect(r.confidenceInterval[1]).toBeCloseTo(1, 6);
    expect(r.estimate).toBe(-2.5);
  });

  it('case 3, a clear shift', () => {
    // wilcox.test(c(12,15,11,14,13,16), c(10,9,11,8,10,12), exact = FALSE, correct = TRUE,
    //             conf.int = TRUE, conf.level = 0.98)
    //   W = 34, p-value = 0.01259, 98 percent CI: 0 7  (95 percent: 1 6)
    const x = [12, 15, 11, 14, 13, 16];
    const y = [10, 9, 11, 8, 10, 12];
    const r = mannWhitneyU(x, y, 0.98);
    expect(r.w).toBe(34);
    expect(r.z).toBeCloseTo(2.495107, 5);
    expect(r.pValue).toBeCloseTo(0.012592, 4);
    expect(r.confidenceInterval[0]).toBeCloseTo(0, 6);
    expect(r.confidenceInterval[1]).toBeCloseTo(7, 6);
    const r95 = mannWhitneyU(x, y, 0.95);
    expect(r95.confidenceInterval).toEqual([expect.closeTo(1, 6), expect.closeTo(6, 6)]);
    expect(hodgesLehmann(x, y)).toBe(3.5);
  });

  it('ends when the interval bound lies between adjacent doubles (it used to loop forever)', () => {
    // a canary p95 series against a primary stuck at the 10 s timeout: the bound is near −9596.6,
    // where doubles are 1.8e-12 apart, wider than the 1e-12 bisection tolerance
    const x = [
      403.36334569318296, 403.36334268361225, 403.36336299821454, 403.363395601897, 403.36339259232636,
      403.36342093245037,
    ];
    const y = [10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000];
    const r = mannWhitneyU(x, y, 0.98);
    expect(r.confidenceInterval[0]).toBeCloseTo(-9596.6366, 3);
    expect(r.confidenceInterval[1]).toBeLessThan(-9596);
    expect(r.pValue).toBeLessThan(0.01);
  });

  it('ranks average ties like R rank()', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('normal helpers match known values', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});
