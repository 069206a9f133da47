import type { CanaryStepSeries } from './observation';

/**
 * Sequential evidence that a canary is worse than its primary (or than the SLO), from the aligned
 * per-step counts of CanaryObservation.steps. Pure. Every figure is a log-likelihood ratio (natural
 * log) of "the canary regressed by at least the smallest effect that matters" (H1) against "it did
 * not" (H0): > 0 favours a regression, < 0 favours a good release, and |LLR| = 4.6 is 100:1 odds.
 * They are the canary model's evidence features (src/core/features.ts, canary v2); Wald's SPRT
 * stops at log((1 − β)/α) for H1 and log(β/(1 − α)) for H0.
 *
 * Why these figures and not the raw rates: a +0.2 % error regression on a 0.1 % base is a handful
 * of errors per analysis step at canary weight 20–50 %, so one step's rate says little; the evidence
 * has to be summed over the run, weighted by the requests behind it. And the primary is a valid
 * reference only while it is itself healthy: an overloaded primary (queueing, 503/504) answers
 * worse than any canary, which would "prove" a bad canary good.
 *
 * - errors vs primary: Poisson generalised likelihood ratio over the steps whose primary is within
 *   the SLO (p95 ≤ slo.p95Ms and error rate ≤ slo.errorRate): H1 canary rate = primary rate + δ,
 *   H0 equal rates, the primary rate profiled out under each (its MLE given the hypothesis), δ =
 *   ERROR_DELTA_OF_SLO × slo.errorRate (0.15 % for a 1 % SLO).
 * - errors vs primary, always valid: a mixture sequential probability ratio test (mSPRT; Robbins
 *   1970, Johari et al. 2017 "Always valid inference") of the same steps. Given the errors of a step,
 *   each error came from the canary with probability π = nc/(nc + np) when both versions fail at the
 *   same rate (H0), and πr = r·nc/(r·nc + np) when the canary fails r times as often; the statistic is
 *   the log of the likelihood ratio averaged over r ∈ ERROR_RATIO_MIXTURE. Under H0 that ratio is a
 *   nonnegative martingale, so by Ville's inequality a good release crosses log(1/α) with probability
 *   at most α at ANY point of the analysis, however often it is looked at. The GLR above has no such
 *   bound (its maximum over repeated looks drifts up), so it serves as a feature and for acceptance,
 *   and this one decides rollbacks (src/core/policies/canary-evidence-gate.ts).
 * - errors vs SLO: Poisson SPRT of the canary's own errors over every step, H0 rate = ½ × SLO,
 *   H1 rate = 1.5 × SLO: catches a canary failing loudly while the primary is no reference.
 * - latency: per step x = ln(canary p95 / primary p95), Gaussian with σ = LATENCY_SIGMA per step,
 *   H1 mean ln 1.1 (the judge's allowedIncrease for p95), H0 mean 0. Latency depends on load: with
 *   as many canary as primary pods (Flagger scales the canary to the primary), the canary is less
 *   loaded below 50 % weight, so there "canary slower" is evidence of a regression but "canary not
 *   slower" is not evidence of a good release. Hence two figures: `latencyBalanced` over steps where
 *   both versions served within 20 % of the same requests (both directions count), and
 *   `latencyLighter` over steps where the canary served fewer (x floored at 0, so only slowness
 *   counts). Each step's latency LLR is capped at ±LLR_STEP_CAP so one odd step cannot decide.
 * - latency vs SLO: steps where the canary serves at most half the primary's requests, x =
 *   ln(canary p95 / slo.p95Ms), H1 mean +ln 1.1, H0 mean −ln 1.1: a canary over the SLO at a small
 *   share of the traffic.
 */
export const ERROR_DELTA_OF_SLO = 0.15;
export const LATENCY_EFFECT = Math.log(1.1);
/** per-step standard deviation of ln(p95 ratio) assumed by the latency LLRs */
export const LATENCY_SIGMA = 0.04;
export const LLR_STEP_CAP = 10;
/** error-rate ratios (canary / primary) the always-valid test mixes, equal weights */
export const ERROR_RATIO_MIXTURE: readonly number[] = Object.freeze([1.5, 2, 3, 5, 10]);
/** steps whose request counts differ by at most this fraction compare latency both ways */
export const BALANCE_TOLERANCE = 0.2;

export interface EvidenceSlo {
  /** ms */
  readonly sloP95Ms: number;
  /** fraction 0..1 */
  readonly sloErrorRate: number;
}

export interface CanaryEvidence {
  readonly errorVsPrimary: number;
  /** log mixture likelihood ratio of "canary errors r× the primary's" vs equal (always valid) */
  readonly errorVsPrimaryAlwaysValid: number;
  readonly errorVsSlo: number;
  readonly latencyBalanced: number;
  readonly latencyLighter: number;
  readonly latencyVsSlo: number;
  /** steps with the canary serving and a healthy primary (the reference) */
  readonly referenceSteps: number;
  /** reference steps with balanced load */
  readonly balancedSteps: number;
  /** requests the canary served over the steps */
  readonly canaryRequests: number;
}

/** Poisson log-likelihood of `k` events at mean `mu`, without the log(k!) term (cancels in ratios). */
function poissonLl(k: number, mu: number): number {
  if (mu <= 0) return k > 0 ? -Infinity : 0;
  return (k > 0 ? k * Math.log(mu) : 0) - mu;
}

/**
 * GLR of "canary rate = primary rate + delta" against "equal rates" for Poisson counts: each
 * hypothesis with the primary rate at its maximum-likelihood value.
 */
export function errorGlr(nc: number, ec: number, np: number, ep: number, delta: number): number {
  if (nc <= 0 || np <= 0) return 0;
  const n = nc + np;
  const e = ec + ep;
  const p0 = e / n;
  const l0 = poissonLl(ec, nc * p0) + poissonLl(ep, np * p0);
  // d/dp [ec·ln(nc(p+δ)) − nc(p+δ) + ep·ln(np·p) − np·p] = 0  ⇔  n·p² + (n·δ − e)·p − ep·δ = 0
  const b = n * delta - e;
  const pp = Math.max(0, (-b + Math.sqrt(b * b + 4 * n * ep * delta)) / (2 * n));
  const l1 = poissonLl(ec, nc * (pp + delta)) + poissonLl(ep, np * pp);
  return l1 - l0;
}

/**
 * Per-ratio log likelihood ratios of one step's errors, given their split between the versions
 * (conditional binomial: the common error rate drops out, so H0 is a single hypothesis).
 */
function addRatioLlrs(acc: number[], nc: number, ec: number, np: number, ep: number): void {
  const pi0 = nc / (nc + np);
  ERROR_RATIO_MIXTURE.forEach((r, k) => {
    const pi1 = (r * nc) / (r * nc + np);
    acc[k]! += ec * Math.log(pi1 / pi0) + ep * Math.log((1 - pi1) / (1 - pi0));
  });
}

/** log of the mean of exp(l) over the mixture components, computed without overflow */
function logMeanExp(l: readonly number[]): number {
  const m = Math.max(...l);
  return m + Math.log(l.reduce((s, x) => s + Math.exp(x - m), 0) / l.length);
}

function gaussianLlr(x: number, mean0: number, mean1: number, sigma: number): number {
  const v = ((x - mean0) ** 2 - (x - mean1) ** 2) / (2 * sigma * sigma);
  return Math.max(-LLR_STEP_CAP, Math.min(LLR_STEP_CAP, v));
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

export function canaryEvidence(s: CanaryStepSeries, slo: EvidenceSlo): CanaryEvidence {
  const n = Math.min(
    s.canary.requests.length,
    s.canary.errors.length,
    s.canary.p95LatencyMs.length,
    s.primary.requests.length,
    s.primary.errors.length,
    s.primary.p95LatencyMs.length,
  );
  const sloErr = Math.max(1e-6, slo.sloErrorRate);
  const a0 = 0.5 * sloErr;
  const a1 = 1.5 * sloErr;
  let errorVsSlo = 0;
  let latencyBalanced = 0;
  let latencyLighter = 0;
  let latencyVsSlo = 0;
  let referenceSteps = 0;
  let balancedSteps = 0;
  let canaryRequests = 0;
  let nc = 0;
  let ec = 0;
  let np = 0;
  let ep = 0;
  const ratioLlrs = ERROR_RATIO_MIXTURE.map(() => 0);
  for (let i = 0; i < n; i++) {
    const cReq = s.canary.requests[i]!;
    const pReq = s.primary.requests[i]!;
    const cErr = s.canary.errors[i]!;
    const pErr = s.primary.errors[i]!;
    if (!finite(cReq) || !finite(cErr) || cReq <= 0) continue;
    canaryRequests += cReq;
    errorVsSlo += cErr * Math.log(a1 / a0) - cReq * (a1 - a0);
    const cP95 = s.canary.p95LatencyMs[i];
    const pP95 = s.primary.p95LatencyMs[i];
    if (finite(cP95) && cP95 > 0 && finite(pReq) && cReq <= 0.5 * pReq) {
      latencyVsSlo += gaussianLlr(
        Math.log(cP95 / slo.sloP95Ms),
        -LATENCY_EFFECT,
        LATENCY_EFFECT,
        LATENCY_SIGMA,
      );
    }
    if (!finite(pReq) || !finite(pErr) || pReq <= 0 || !finite(pP95)) continue;
    if (pP95 > slo.sloP95Ms || pErr / pReq > sloErr) continue;
    referenceSteps++;
    addRatioLlrs(ratioLlrs, cReq, cErr, pReq, pErr);
    nc += cReq;
    ec += cErr;
    np += pReq;
    ep += pErr;
    if (!finite(cP95) || cP95 <= 0 || pP95 <= 0) continue;
    const x = Math.log(cP95 / pP95);
    if (Math.abs(cReq - pReq) <= BALANCE_TOLERANCE * Math.max(cReq, pReq)) {
      balancedSteps++;
      latencyBalanced += gaussianLlr(x, 0, LATENCY_EFFECT, LATENCY_SIGMA);
    } else if (cReq < pReq) {
      latencyLighter += gaussianLlr(Math.max(0, x), 0, LATENCY_EFFECT, LATENCY_SIGMA);
    }
  }
  return {
    errorVsPrimary: errorGlr(nc, ec, np, ep, ERROR_DELTA_OF_SLO * sloErr),
    errorVsPrimaryAlwaysValid: logMeanExp(ratioLlrs),
    errorVsSlo,
    latencyBalanced,
    latencyLighter,
    latencyVsSlo,
    referenceSteps,
    balancedSteps,
    canaryRequests,
  };
}

const evidenceMemo = new WeakMap<
  CanaryStepSeries,
  { readonly slo: EvidenceSlo; readonly e: CanaryEvidence }
>();

/**
 * canaryEvidence, computed once per steps object and SLO: a decision reads it for the model's
 * features and again for the evidence gate (src/core/policies/canary-evidence-gate.ts).
 */
export function memoCanaryEvidence(s: CanaryStepSeries, slo: EvidenceSlo): CanaryEvidence {
  const hit = evidenceMemo.get(s);
  if (hit && hit.slo.sloP95Ms === slo.sloP95Ms && hit.slo.sloErrorRate === slo.sloErrorRate) return hit.e;
  const e = canaryEvidence(s, slo);
  evidenceMemo.set(s, { slo: { sloP95Ms: slo.sloP95Ms, sloErrorRate: slo.sloErrorRate }, e });
  return e;
}
