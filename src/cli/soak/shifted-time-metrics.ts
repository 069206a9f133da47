import type { CanaryObservation, ServiceMetrics, VersionMetrics } from '../../core/observation';
import type { MetricsReading, MetricsSource, TargetRef } from '../../core/ports';
import type { Sample } from '../../core/sample';

/**
 * The soak's agents live in virtual time that starts on a fixed Monday 08:00 UTC (so weekday rules
 * such as the demo's weekend freeze mean the same on every run); the soak's exporter stamps its
 * samples with that time plus `offsetMs`, which lays the run out just before the wall clock:
 * Prometheus refuses samples more than 10 minutes ahead of its wall clock (run-soak.ts explains the
 * rest). This wrapper asks the inner source at `now + offsetMs` and dates the answers back by
 * `offsetMs`, so the agent sees its own time line.
 */
export function shiftedTimeMetrics(inner: MetricsSource, offsetMs: number): MetricsSource {
  const back = (s: Sample): Sample => (s.ok ? { ok: true, value: s.value, at: s.at - offsetMs } : s);
  const version = (v: VersionMetrics): VersionMetrics => ({
    ...v,
    rps: back(v.rps),
    p95LatencyMs: back(v.p95LatencyMs),
    p99LatencyMs: back(v.p99LatencyMs),
    errorRate: back(v.errorRate),
  });
  return {
    async read(target: TargetRef, nowMs: number): Promise<MetricsReading> {
      const r = await inner.read(target, nowMs + offsetMs);
      const service = Object.fromEntries(
        Object.entries(r.service).map(([k, s]) => [k, back(s as Sample)]),
      ) as unknown as ServiceMetrics;
      const canary: CanaryObservation | undefined = r.canary
        ? {
            ...r.canary,
            weight: back(r.canary.weight),
            canary: version(r.canary.canary),
            primary: version(r.canary.primary),
          }
        : undefined;
      return { ...r, service, ...(canary ? { canary } : {}) };
    },
  };
}
