import { valueOf } from '../core/sample';
import type { Observation } from '../core/observation';
import type { ObservationPoint } from './events';

/** Flattens an observation for the charts; no data stays null (never 0). */
export function toPoint(o: Observation): ObservationPoint {
  const n = (v: number | undefined) => (v === undefined ? null : v);
  const declaredReplicas =
    o.kind === 'deployment-replicas'
      ? o.declared.replicas
      : o.kind === 'hpa-bounds'
        ? o.declared.minReplicas
        : undefined;
  return {
    at: o.at,
    readyReplicas: n(valueOf(o.service.readyReplicas)),
    specReplicas: n(valueOf(o.service.specReplicas)),
    declaredReplicas: n(declaredReplicas),
    rps: n(valueOf(o.service.rps)),
    p95LatencyMs: n(valueOf(o.service.p95LatencyMs)),
    errorRate: n(valueOf(o.service.errorRate)),
    cpuUtilization: n(valueOf(o.service.cpuUtilization)),
    canaryWeight: n(valueOf(o.canary?.weight)),
    canaryPhase: o.canary?.phase ?? null,
    canaryErrorRate: n(valueOf(o.canary?.canary.errorRate)),
    canaryP95LatencyMs: n(valueOf(o.canary?.canary.p95LatencyMs)),
  };
}
