import type { ActionHistory, GuardrailLimits } from '../../../../src/core/guardrail-types';
import type { CanaryObservation, Observation, ServiceMetrics } from '../../../../src/core/observation';
import { value, type Sample } from '../../../../src/core/sample';
import type { TargetKind } from '../../../../src/core/target';

/** Inputs for guardrail tests: a healthy, fresh observation at NOW that no rule objects to. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0); // Monday 2026-11-23 12:00 UTC

export const LIMITS: GuardrailLimits = {
  minReplicas: 2,
  maxReplicas: 20,
  maxStepUp: 4,
  maxStepDown: 2,
  scaleUpCooldownSeconds: 60,
  scaleDownCooldownSeconds: 300,
  maxCommitsPerHour: 30,
  stalenessSeconds: 120,
  sloP95Ms: 250,
  sloErrorRate: 0.01,
  hardP95Ms: 375,
  scaleDownSloMargin: 0.1,
  forcedScaleUpStep: 2,
  canaryErrorRateHardLimit: 0.05,
  canaryMaxStepWeight: 25,
  freezeWindows: [],
  paused: false,
};

export const HISTORY: ActionHistory = { commitTimes: [] };

export const fresh = (v: number): Sample => value(v, NOW - 5_000);

export function service(over: Partial<ServiceMetrics> = {}): ServiceMetrics {
  return {
    cpuUtilization: fresh(0.6),
    memoryBytes: fresh(200e6),
    readyReplicas: fresh(5),
    specReplicas: fresh(5),
    rps: fresh(120),
    p95LatencyMs: fresh(150),
    p99LatencyMs: fresh(220),
    errorRate: fresh(0.001),
    ...over,
  };
}

export function canary(over: Partial<CanaryObservation> = {}): CanaryObservation {
  const version = {
    rps: fresh(20),
    p95LatencyMs: fresh(140),
    p99LatencyMs: fresh(200),
    errorRate: fresh(0.002),
  };
  return {
    weight: fresh(20),
    phase: 'Progressing',
    checksum: 'abc123',
    failedChecks: 0,
    canary: version,
    primary: version,
    ...over,
  };
}

export interface ObservationOptions {
  readonly kind?: TargetKind;
  readonly service?: Partial<ServiceMetrics>;
  readonly canary?: Partial<CanaryObservation>;
  readonly declared?: Partial<Observation['declared']>;
}

export function observation(o: ObservationOptions = {}): Observation {
  const kind = o.kind ?? 'deployment-replicas';
  const declared =
    kind === 'deployment-replicas'
      ? { replicas: 5 }
      : kind === 'hpa-bounds'
        ? { minReplicas: 5, maxReplicas: 20 }
        : { stepWeight: 10, maxWeight: 50, skipAnalysis: false };
  return {
    target: 'web',
    kind,
    at: NOW,
    service: service(o.service),
    ...(kind === 'flagger-canary' ? { canary: canary(o.canary) } : {}),
    declared: { ...declared, revision: 'a'.repeat(40), ...o.declared },
  };
}
