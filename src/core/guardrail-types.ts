import type { Action } from './action';

/** Names of the guardrail rules; one file each under src/core/guardrails/. */
export type GuardrailRule =
  | 'pause'
  | 'freeze-window'
  | 'stale-metrics'
  | 'canary-error-rollback'
  | 'slo-forced-scale-up'
  | 'slo-no-scale-down'
  | 'cooldown'
  | 'commit-rate'
  | 'step-limit'
  | 'canary-weight-jump'
  | 'replica-bounds';

/** clamped: the action was reduced; vetoed: replaced by hold; forced: replaced by a safety action. */
export type InterventionEffect = 'clamped' | 'vetoed' | 'forced';

export interface Intervention {
  readonly rule: GuardrailRule;
  readonly effect: InterventionEffect;
  readonly from: Action;
  readonly to: Action;
  /** human-readable, with the numbers that triggered it */
  readonly reason: string;
}

/** A freeze window: cron expression (5 fields, UTC) for the start, and how long it lasts. */
export interface FreezeWindow {
  readonly cron: string;
  readonly durationMinutes: number;
  readonly reason?: string;
}

/**
 * Per-target guardrail limits. Units in the names; defaults live in src/config/schema.ts.
 */
export interface GuardrailLimits {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** largest replica increase per decision (pods) */
  readonly maxStepUp: number;
  /** largest replica decrease per decision (pods) */
  readonly maxStepDown: number;
  readonly scaleUpCooldownSeconds: number;
  readonly scaleDownCooldownSeconds: number;
  readonly maxCommitsPerHour: number;
  /** metrics older than this are no data */
  readonly stalenessSeconds: number;
  /** SLO: p95 latency target (ms) and error-rate target (0..1) */
  readonly sloP95Ms: number;
  readonly sloErrorRate: number;
  /** p95 above this forces a scale-up (ms); default slo.p95Ms * 1.5 (src/config/limits-from-config.ts) */
  readonly hardP95Ms: number;
  /** no scale-down while p95 is within this fraction of the SLO (0.1 = 10 %) */
  readonly scaleDownSloMargin: number;
  /** pods added by a forced scale-up (at least) */
  readonly forcedScaleUpStep: number;
  /** canary error rate above this forces a rollback (0..1) */
  readonly canaryErrorRateHardLimit: number;
  /** largest canary step the agent may take (percent); never 0 -> 100 */
  readonly canaryMaxStepWeight: number;
  readonly freezeWindows: readonly FreezeWindow[];
  readonly paused: boolean;
}

/** What the guardrails remember about a target's past actions (rebuilt from git history on start). */
export interface ActionHistory {
  /** ms since epoch of the last committed scale-up / scale-down, if any */
  readonly lastScaleUpAt?: number;
  readonly lastScaleDownAt?: number;
  /** ms timestamps of the agent's commits for this target (only the last hour matters) */
  readonly commitTimes: readonly number[];
  /** globally paused (all targets) */
  readonly globallyPaused?: boolean;
}

export interface GuardResult {
  readonly action: Action;
  readonly interventions: readonly Intervention[];
}
