import type {
  CanaryObservation,
  CanaryPhase,
  Observation,
  VersionMetrics,
} from '../../../../src/core/observation';
import type { PolicyContext } from '../../../../src/core/policy';
import { noData, value, type Sample } from '../../../../src/core/sample';

export const T0 = 1_700_000_000_000;

export function version(errorRate: number | Sample, p95 = 120, p99 = 200, rps = 50): VersionMetrics {
  return {
    rps: value(rps, T0),
    p95LatencyMs: value(p95, T0),
    p99LatencyMs: value(p99, T0),
    errorRate: typeof errorRate === 'number' ? value(errorRate, T0) : errorRate,
  };
}

export function canaryObs(
  weight: number | Sample,
  phase: CanaryPhase,
  canary: VersionMetrics,
  primary: VersionMetrics = version(0.001),
  extra: Partial<CanaryObservation> = {},
  declared: Partial<Observation['declared']> = {},
): Observation {
  return {
    target: 'checkout',
    kind: 'flagger-canary',
    at: T0,
    service: {
      cpuUtilization: noData('missing'),
      memoryBytes: noData('missing'),
      readyReplicas: noData('missing'),
      specReplicas: noData('missing'),
      rps: noData('missing'),
      p95LatencyMs: noData('missing'),
      p99LatencyMs: noData('missing'),
      errorRate: noData('missing'),
    },
    canary: {
      weight: typeof weight === 'number' ? value(weight, T0) : weight,
      phase,
      checksum: 'abc',
      canary,
      primary,
      ...extra,
    },
    declared: { stepWeight: 10, maxWeight: 50, revision: 'a'.repeat(40), ...declared },
  };
}

export const ctx = (state?: unknown): PolicyContext => ({
  nowMs: T0,
  minReplicas: 1,
  maxReplicas: 10,
  sloP95Ms: 300,
  sloErrorRate: 0.01,
  state,
});
