import type { GuardrailLimits } from '../core/guardrail-types';
import type { TargetConfig } from './schema';

/** Prometheus's staleness limit when the caller has no config at hand (seconds; schema default). */
export const DEFAULT_STALENESS_SECONDS = 120;

/** hardP95Ms defaults to this multiple of slo.p95Ms (documented in schema.ts). */
export const DEFAULT_HARD_P95_FACTOR = 1.5;

/**
 * The guardrail limits of one configured target. Pure. `paused` is the target's pause annotation as
 * read from git; `stalenessSeconds` is `prometheus.stalenessSeconds` (one limit for every target,
 * because samples go stale by the same clock).
 */
export function limitsFromConfig(
  target: TargetConfig,
  paused: boolean,
  stalenessSeconds: number = DEFAULT_STALENESS_SECONDS,
): GuardrailLimits {
  const g = target.guardrails;
  return {
    minReplicas: target.minReplicas,
    maxReplicas: target.maxReplicas,
    maxStepUp: g.maxStepUp,
    maxStepDown: g.maxStepDown,
    scaleUpCooldownSeconds: g.scaleUpCooldownSeconds,
    scaleDownCooldownSeconds: g.scaleDownCooldownSeconds,
    maxCommitsPerHour: g.maxCommitsPerHour,
    stalenessSeconds,
    sloP95Ms: target.slo.p95Ms,
    sloErrorRate: target.slo.errorRate,
    hardP95Ms: g.hardP95Ms ?? target.slo.p95Ms * DEFAULT_HARD_P95_FACTOR,
    scaleDownSloMargin: g.scaleDownSloMargin,
    forcedScaleUpStep: g.forcedScaleUpStep,
    canaryErrorRateHardLimit: g.canaryErrorRateHardLimit,
    canaryMaxStepWeight: g.canaryMaxStepWeight,
    freezeWindows: g.freezeWindows.map((w) => ({
      cron: w.cron,
      durationMinutes: w.durationMinutes,
      ...(w.reason !== undefined ? { reason: w.reason } : {}),
    })),
    paused,
  };
}
