import type { Observation } from '../observation';
import { usableValue } from './usable-value';

/**
 * True when the service gets no requests (fresh rps == 0) and so has no latency to report:
 * Prometheus's histogram_quantile over zero requests is NaN. That NaN is "no traffic", not "no
 * data", and must not block a scale-down of an idle service (the HPA scales it on CPU alone).
 */
export function idleWithoutLatency(o: Observation, nowMs: number, stalenessSeconds: number): boolean {
  const rps = usableValue(o.service.rps, nowMs, stalenessSeconds);
  if (!rps.ok || rps.value !== 0) return false;
  const p95 = o.service.p95LatencyMs;
  return (!p95.ok && p95.reason === 'nan') || (p95.ok && Number.isNaN(p95.value));
}
