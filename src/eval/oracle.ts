import { mmcState, responseQuantile } from '../sim/queueing/mmc';
import { podCapacityRps, type ServiceParams } from '../sim/service-params';
import { rateAt, type TrafficPattern } from '../sim/traffic/patterns';

/**
 * The clairvoyant lower bound for `maestro eval`: it knows the true demand ahead of time and the
 * pods' start-up delay, and asks each step for the fewest pods whose steady-state M/M/c p95 (the
 * simulator's own latency model, src/sim/queueing/mmc.ts) stays within the SLO at the mean demand:
 *
 *   needed(t) = min { n : p95(n · workersPerPod servers, λ(t)) ≤ slo · headroom and λ(t) < n · capacity }
 *   spec(t)   = max needed(t') over t' ∈ [t, t + dt + startup + jitter]
 *
 * so every pod it will need is started early enough and pods are removed as soon as demand allows.
 * It cannot see arrival noise or faults, so it may still violate the SLO briefly; that is reported
 * as measured.
 */
export interface OracleOptions {
  readonly pattern: TrafficPattern;
  readonly service: ServiceParams;
  readonly sloP95Ms: number;
  readonly stepSeconds: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** fraction of the SLO the mean-demand p95 may use; default 0.8 (room for Poisson noise) */
  readonly headroom?: number;
}

export function podsNeeded(lambda: number, service: ServiceParams, sloP95Ms: number, max: number): number {
  const mu = 1000 / service.serviceTimeMs;
  for (let n = 1; n <= max; n++) {
    if (lambda >= n * podCapacityRps(service) * 0.98) continue;
    const c = n * service.workersPerPod;
    if (responseQuantile(mmcState(c, lambda, mu, 0), 0.95) * 1000 <= sloP95Ms) return n;
  }
  return max;
}

/** The oracle's spec.replicas for the step starting at t (s). */
export function oracleReplicas(o: OracleOptions, t: number): number {
  const lead = o.stepSeconds + o.service.startupSeconds + o.service.startupJitterSeconds;
  const slo = o.sloP95Ms * (o.headroom ?? 0.8);
  let n = o.minReplicas;
  // sample demand every 5 s of the look-ahead window
  for (let dt = 0; dt <= lead; dt += 5) {
    n = Math.max(n, podsNeeded(rateAt(o.pattern, t + dt), o.service, slo, o.maxReplicas));
  }
  return Math.min(o.maxReplicas, n);
}
