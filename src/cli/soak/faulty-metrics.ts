import type { MetricsReading, MetricsSource, TargetRef } from '../../core/ports';
import { noData, type Sample } from '../../core/sample';
import type { ServiceMetrics } from '../../core/observation';

/** What the soak's metrics faults do to a reading right now. */
export type MetricsFault = 'none' | 'down' | 'nan' | 'stale';

/** How old a "stale" series' last sample is: 10 minutes, far past any staleness limit. */
const STALE_AGE_MS = 600_000;

/**
 * The soak's metrics faults when there is no Prometheus (the direct simulator source); with a real
 * Prometheus they are made by killing it and by breaking its scrape target instead (run-soak.ts).
 * A MetricsSource with the soak's faults: `down` answers what the Prometheus adapter answers when
 * Prometheus is unreachable (no-data `error` samples, never an exception — the MetricsSource
 * contract); `nan` what it answers for NaN series (no-data `nan`); `stale` keeps the values but
 * dates every sample 10 minutes back, so the loop's staleness check — not this wrapper — has to
 * catch it. Flux's applied revision passes through (it is read from the cluster, not Prometheus).
 */
export function faultyMetrics(inner: MetricsSource, fault: () => MetricsFault): MetricsSource {
  return {
    async read(target: TargetRef, nowMs: number): Promise<MetricsReading> {
      const mode = fault();
      const r = await inner.read(target, nowMs);
      if (mode === 'none') return r;
      const map = (s: Sample): Sample => {
        if (mode === 'down') return noData('error', 'prometheus unreachable (soak fault)');
        if (mode === 'nan') return noData('nan');
        return s.ok ? { ...s, at: Math.min(s.at, nowMs) - STALE_AGE_MS } : s;
      };
      const service = Object.fromEntries(
        Object.entries(r.service).map(([k, s]) => [k, map(s as Sample)]),
      ) as unknown as ServiceMetrics;
      const { canary: _canary, ...rest } = r;
      return { ...rest, service };
    },
  };
}
