/**
 * The two-sample Mann-Whitney U test (Wilcoxon rank-sum) with the normal approximation, tie
 * correction and continuity correction, and its asymptotic confidence interval for the location
 * shift — R's `wilcox.test(x, y, exact = FALSE, correct = TRUE, conf.int = TRUE)`, which Netflix
 * Kayenta ports in kayenta-judge `MannWhitney.calculateConfidenceInterval` / `wilcoxonDiff`.
 *
 * `x` is the experiment (canary), `y` the control (baseline); the shift is x − y.
 */

/** Average ranks (1-based) with ties sharing the mean rank, like R's `rank()`. */
export function averageRanks(values: readonly number[]): number[] {
  const idx = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]![1]] = mean;
    i = j + 1;
  }
  return ranks;
}

/** sum over tie groups of (t^3 - t) */
function tieSum(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let s = 0;
  for (const t of counts.values()) s += t * t * t - t;
  return s;
}

/** The standard normal CDF, from erfc below. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** erfc with relative error < 1.2e-7 everywhere (Numerical Recipes `erfcc`, Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The inverse standard normal CDF (Acklam's algorithm, relative error < 1.15e-9, refined by one Newton step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let q: number;
  let x: number;
  if (p < pLow) {
    q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pLow) {
    q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/**
 * R's `wdiff(d, zq)`: the continuity-corrected, tie-corrected standardized statistic of (x − d, y)
 * minus the quantile. Monotone non-increasing in d. Undefined (NaN) when every value is tied.
 */
export function wilcoxonDiff(d: number, zq: number, x: readonly number[], y: readonly number[]): number {
  const nx = x.length;
  const ny = y.length;
  const all = [...x.map((v) => v - d), ...y];
  const r = averageRanks(all);
  let rx = 0;
  for (let i = 0; i < nx; i++) rx += r[i]!;
  const dz = rx - (nx * (nx + 1)) / 2 - (nx * ny) / 2;
  const correction = Math.sign(dz) * 0.5;
  const sigma = Math.sqrt(((nx * ny) / 12) * (nx + ny + 1 - tieSum(all) / ((nx + ny) * (nx + ny - 1))));
  if (sigma === 0) return NaN;
  return (dz - correction) / sigma - zq;
}

/**
 * R's `root(zq)`: mumin/mumax when the function does not change sign, else the root by bisection
 * (R uses uniroot with tol 1e-4; bisection to 1e-10 of the range finds the same jump point).
 */
function root(zq: number, x: readonly number[], y: readonly number[]): number {
  const muMin = Math.min(...x) - Math.max(...y);
  const muMax = Math.max(...x) - Math.min(...y);
  const fLower = wilcoxonDiff(muMin, zq, x, y);
  const fUpper = wilcoxonDiff(muMax, zq, x, y);
  if (fLower <= 0) return muMin;
  if (fUpper >= 0) return muMax;
  let lo = muMin;
  let hi = muMax;
  const tol = Math.max(1e-12, (muMax - muMin) * 1e-10);
  while (hi - lo > tol) {
    const mid = (lo + hi) / 2;
    // lo and hi adjacent doubles (e.g. readings near 1e4 a few ulps apart): no further progress
    if (mid <= lo || mid >= hi) break;
    if (wilcoxonDiff(mid, zq, x, y) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MannWhitneyResult {
  /** R's W: the rank sum of x minus nx(nx+1)/2 (= U of x) */
  readonly w: number;
  /** the continuity- and tie-corrected z */
  readonly z: number;
  /** two-sided p-value of the normal approximation */
  readonly pValue: number;
  /** confidence interval for the shift x − y at `confLevel` */
  readonly confidenceInterval: readonly [number, number];
  /** Hodges–Lehmann estimate: the median of all pairwise differences x_i − y_j */
  readonly estimate: number;
}

export function hodgesLehmann(x: readonly number[], y: readonly number[]): number {
  const diffs: number[] = [];
  for (const a of x) for (const b of y) diffs.push(a - b);
  diffs.sort((p, q) => p - q);
  const m = diffs.length;
  return m % 2 === 1 ? diffs[(m - 1) / 2]! : (diffs[m / 2 - 1]! + diffs[m / 2]!) / 2;
}

/**
 * The test. Both samples must be non-empty and not all values tied (the caller handles those cases
 * the way Kayenta's classifier does, before calling).
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  confLevel = 0.95,
): MannWhitneyResult {
  const nx = x.length;
  const ny = y.length;
  const r = averageRanks([...x, ...y]);
  let rx = 0;
  for (let i = 0; i < nx; i++) rx += r[i]!;
  const w = rx - (nx * (nx + 1)) / 2;
  const zRaw = w - (nx * ny) / 2;
  const sigma = Math.sqrt(
    ((nx * ny) / 12) * (nx + ny + 1 - tieSum([...x, ...y]) / ((nx + ny) * (nx + ny - 1))),
  );
  const z = (zRaw - Math.sign(zRaw) * 0.5) / sigma;
  const pValue = Math.min(1, 2 * Math.min(normalCdf(z), 1 - normalCdf(z)));
  const alpha = 1 - confLevel;
  const zq = normalQuantile(1 - alpha / 2);
  const lower = root(zq, x, y);
  const upper = root(-zq, x, y);
  return { w, z, pValue, confidenceInterval: [lower, upper], estimate: hodgesLehmann(x, y) };
}
