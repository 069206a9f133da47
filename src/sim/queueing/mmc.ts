/**
 * M/M/c queueing: Poisson arrivals (rate lambda, 1/s), c identical servers, exponential service
 * times with rate mu (1/s per server). Closed forms from Kleinrock, "Queueing Systems" vol. 1, §3.5,
 * and Gross & Harris, "Fundamentals of Queueing Theory", §2.3.
 *
 * - offered load a = lambda / mu (Erlangs), utilisation rho = a / c (< 1 for a stable queue);
 * - Erlang C: C(c, a) = P(an arrival waits);
 * - waiting time W: P(W > t) = C(c, a) · e^{-(c·mu - lambda)·t};
 * - response time T = W + S with S ~ Exp(mu) (exponential service, documented choice: real request
 *   latencies are right-skewed, and a deterministic service time would make p50 flat):
 *     P(T > t) = (1 - C)·e^{-mu t} + C·(theta·e^{-mu t} - mu·e^{-theta t}) / (theta - mu),
 *   theta = c·mu - lambda (hypoexponential sum of Exp(theta) and Exp(mu); theta = mu → e^{-mu t}(1 + mu t)).
 *
 * Everything is O(c) or O(1) so a simulator step stays cheap (no per-request simulation).
 */

/** Erlang C probability of waiting, via the stable Erlang B recursion. a < c required (else 1). */
export function erlangC(c: number, a: number): number {
  if (c <= 0) return 1;
  if (a <= 0) return 0;
  if (a >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return (c * b) / (c - a * (1 - b));
}

/** Parameters of one response-time distribution (one pool of pods over one step). */
export interface MmcState {
  /** servers (ready pods × workers per pod) */
  readonly c: number;
  /** arrival rate (1/s), already capped below c·mu by the caller */
  readonly lambda: number;
  /** service rate per server (1/s) */
  readonly mu: number;
  /** Erlang C for (c, lambda/mu) */
  readonly waitProbability: number;
  /** constant delay added to every response (s): backlog drain time, injected latency */
  readonly shiftSeconds: number;
}

export function mmcState(c: number, lambda: number, mu: number, shiftSeconds: number): MmcState {
  return { c, lambda, mu, waitProbability: erlangC(c, lambda / mu), shiftSeconds };
}

/** P(T > t) for the response time T (seconds), including the constant shift. */
export function responseCcdf(s: MmcState, t: number): number {
  const x = t - s.shiftSeconds;
  if (x <= 0) return 1;
  const mu = s.mu;
  const theta = s.c * mu - s.lambda;
  const C = s.waitProbability;
  const eMu = Math.exp(-mu * x);
  if (C <= 0) return eMu;
  let waited: number;
  if (Math.abs(theta - mu) < 1e-9 * mu) waited = eMu * (1 + mu * x);
  else waited = (theta * eMu - mu * Math.exp(-theta * x)) / (theta - mu);
  const p = (1 - C) * eMu + C * waited;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** Mean response time (s): E[W] + E[S] + shift, E[W] = C / (c·mu - lambda). */
export function responseMean(s: MmcState): number {
  return s.waitProbability / (s.c * s.mu - s.lambda) + 1 / s.mu + s.shiftSeconds;
}

/** Mean number of requests in service or waiting (Little's law on the M/M/c part). */
export function inFlight(s: MmcState): number {
  return s.lambda * (s.waitProbability / (s.c * s.mu - s.lambda) + 1 / s.mu);
}

/**
 * The q-quantile of T (seconds): the smallest t with P(T > t) <= 1 - q, by bisection on an upper
 * bound found by doubling. 48 halvings give ~1e-12 relative precision; the cost is ~100 exp() calls.
 */
export function responseQuantile(s: MmcState, q: number): number {
  return quantileOf((t) => responseCcdf(s, t), q, s.shiftSeconds, 1 / s.mu);
}

/**
 * Quantile of any non-increasing CCDF: smallest t >= lo with ccdf(t) <= 1 - q. `scale` is a guess
 * of the distribution's spread used to find the bracket.
 */
export function quantileOf(ccdf: (t: number) => number, q: number, lo: number, scale: number): number {
  const tail = 1 - q;
  if (ccdf(lo) <= tail) return lo;
  let step = scale > 0 ? scale : 1e-3;
  let hi = lo + step;
  let guard = 0;
  while (ccdf(hi) > tail && guard++ < 200) {
    step *= 2;
    hi = lo + step;
  }
  let a = lo;
  let b = hi;
  for (let i = 0; i < 48 && b - a > 1e-9 * b; i++) {
    const m = (a + b) / 2;
    if (ccdf(m) > tail) a = m;
    else b = m;
  }
  return b;
}
