import type {
  CanaryObservation,
  CanaryStepSeries,
  ServiceMetrics,
  VersionMetrics,
  VersionSteps,
} from '../../core/observation';
import type { MetricsReading, MetricsSource, TargetRef } from '../../core/ports';
import type { Sample } from '../../core/sample';

/**
 * Prometheus scrapes the accelerated simulator in wall time. The simulator already scales its
 * counters by 1/speed (src/sim/runtime/sim-runtime.ts), so rates come out in simulated units; what
 * is left is time: this wrapper reads Prometheus at wall "now" and dates each sample in the
 * simulator's virtual time, its age stretched by `speed` (a 2 s old scrape is 40 virtual seconds
 * old at speed 20), so the staleness rules mean the same as in a real cluster. The canary's per-step
 * counts too: a query_range step of 2 wall seconds holds `speed` × 2 simulated seconds of requests
 * (the rates are simulated per-second rates), so the step and its counts are stretched by `speed`.
 * At speed 1 it changes nothing.
 */
export function timeScaledMetrics(
  inner: MetricsSource,
  speed: number,
  wallNow: () => number = Date.now,
): MetricsSource {
  if (speed === 1) return inner;
  return {
    async read(target: TargetRef, virtualNowMs: number): Promise<MetricsReading> {
      const wall = wallNow();
      const r = await inner.read(target, wall);
      const at = (s: Sample): Sample =>
        s.ok ? { ok: true, value: s.value, at: virtualNowMs - (wall - s.at) * speed } : s;
      const service: ServiceMetrics = {
        cpuUtilization: at(r.service.cpuUtilization),
        memoryBytes: at(r.service.memoryBytes),
        readyReplicas: at(r.service.readyReplicas),
        specReplicas: at(r.service.specReplicas),
        rps: at(r.service.rps),
        p95LatencyMs: at(r.service.p95LatencyMs),
        p99LatencyMs: at(r.service.p99LatencyMs),
        errorRate: at(r.service.errorRate),
      };
      const version = (v: VersionMetrics): VersionMetrics => ({
        ...v,
        rps: at(v.rps),
        p95LatencyMs: at(v.p95LatencyMs),
        p99LatencyMs: at(v.p99LatencyMs),
        errorRate: at(v.errorRate),
      });
      const counts = (v: VersionSteps): VersionSteps => ({
        requests: v.requests.map((n) => n * speed),
        errors: v.errors.map((n) => n * speed),
        p95LatencyMs: v.p95LatencyMs,
      });
      const steps = (x: CanaryStepSeries): CanaryStepSeries => ({
        stepSeconds: x.stepSeconds * speed,
        canary: counts(x.canary),
        primary: counts(x.primary),
      });
      const canary: CanaryObservation | undefined = r.canary
        ? {
            ...r.canary,
            weight: at(r.canary.weight),
            canary: version(r.canary.canary),
            primary: version(r.canary.primary),
            ...(r.canary.steps ? { steps: steps(r.canary.steps) } : {}),
          }
        : undefined;
      return {
        service,
        ...(canary ? { canary } : {}),
        ...(r.appliedRevision !== undefined ? { appliedRevision: r.appliedRevision } : {}),
      };
    },
  };
}
