import type { Action } from '../../action';
import type { PolicyOutput } from '../../decision';
import type { Observation } from '../../observation';
import type { Policy, PolicyContext } from '../../policy';
import type { Sample } from '../../sample';
import {
  ANALYSING_PHASES,
  maxWeightOf,
  nextStepWeight,
  runStateFor,
  scheduleFor,
  type CanaryRunState,
  type CanarySchedule,
} from '../canary-schedule';

/**
 * The `flagger` baseline: one analysis tick of Flagger's default canary analysis
 * (fluxcd/flagger pkg/controller/scheduler.go `advanceCanary` → `runAnalysis` →
 * scheduler_metrics.go `runBuiltinMetricChecks`, then `runCanary`), as a decision:
 *
 * 1. outside Progressing / WaitingPromotion there is nothing to analyse: hold;
 * 2. failedChecks >= threshold: rollback (checked before the metrics, as Flagger does);
 * 3. weight 0 at the start of a run: no metric checks (pre-rollout hooks only): advance;
 * 4. built-in checks on the canary: `request-success-rate` = (1 − errorRate)·100 >= min (99 %),
 *    `request-duration` (Flagger's query is the p99) <= max (500 ms). A failed check or a check
 *    without data ("no values found") adds one failed check and holds;
 * 5. all checks pass: weight < maxWeight → advance by nextStepWeight; else promote.
 *
 * The failed-check count is Flagger's own when observed (CanaryObservation.failedChecks), else the
 * policy's memory in PolicyOutput.state (reset when the checksum changes).
 */
export interface FlaggerPolicyOptions extends Partial<CanarySchedule> {
  /** request-success-rate thresholdRange.min, percent; default 99 */
  readonly minSuccessRatePercent?: number;
  /** request-duration thresholdRange.max, ms; default 500 */
  readonly maxRequestDurationMs?: number;
}

export const DEFAULT_MIN_SUCCESS_RATE_PERCENT = 99;
export const DEFAULT_MAX_REQUEST_DURATION_MS = 500;

/** The canary metric checks of one tick; undefined when they pass, else the reason. */
export function flaggerMetricChecks(
  canary: { errorRate: Sample; p99LatencyMs: Sample },
  minSuccessRatePercent: number,
  maxRequestDurationMs: number,
): string | undefined {
  const er = canary.errorRate;
  if (!er.ok) return `no values found for request-success-rate (${er.reason})`;
  const successRate = (1 - er.value) * 100;
  if (successRate < minSuccessRatePercent) {
    return `success rate ${successRate.toFixed(2)}% < ${minSuccessRatePercent}%`;
  }
  const d = canary.p99LatencyMs;
  if (!d.ok) return `no values found for request-duration (${d.reason})`;
  if (d.value > maxRequestDurationMs)
    return `request duration ${Math.round(d.value)}ms > ${maxRequestDurationMs}ms`;
  return undefined;
}

export function createFlaggerPolicy(options: FlaggerPolicyOptions = {}): Policy {
  const minSuccess = options.minSuccessRatePercent ?? DEFAULT_MIN_SUCCESS_RATE_PERCENT;
  const maxDuration = options.maxRequestDurationMs ?? DEFAULT_MAX_REQUEST_DURATION_MS;
  return {
    name: 'flagger',
    decide(obs: Observation, ctx: PolicyContext): PolicyOutput {
      return canaryTick(obs, ctx, options, 'flagger', (c) => {
        const failure = flaggerMetricChecks(c.canary, minSuccess, maxDuration);
        return failure === undefined
          ? {
              pass: true,
              reasons: [`checks passed (success rate >= ${minSuccess}%, p99 <= ${maxDuration}ms)`],
            }
          : { pass: false, reasons: [`halt advancement: ${failure}`] };
      });
    },
  };
}

/** What an analysis step concluded. `rollback` ends the run at once (the judge's Fail). */
export interface AnalysisOutcome {
  readonly pass: boolean;
  readonly rollback?: boolean;
  /** hold without counting a failed check (the judge's Marginal) */
  readonly holdOnly?: boolean;
  readonly reasons: readonly string[];
}

const hold: Action = { type: 'canary', verb: 'hold' };

/** Flagger's tick skeleton with a pluggable analysis (the flagger checks, or the judge). */
export function canaryTick(
  obs: Observation,
  ctx: PolicyContext,
  options: Partial<CanarySchedule>,
  name: string,
  analyse: (c: NonNullable<Observation['canary']>) => AnalysisOutcome,
): PolicyOutput {
  const c = obs.canary;
  if (obs.kind !== 'flagger-canary' || c === undefined) {
    return {
      action: hold,
      explanation: [`${name}: no canary observation; hold`],
      state: { failedChecks: 0 },
    };
  }
  const schedule = scheduleFor(obs, options);
  const run = runStateFor(c, ctx.state);
  if (!ANALYSING_PHASES.includes(c.phase)) {
    return {
      action: hold,
      explanation: [`${name}: canary phase ${c.phase}: nothing to analyse; hold`],
      state: { ...run, failedChecks: c.failedChecks ?? 0 },
    };
  }
  if (!c.weight.ok) {
    return {
      action: hold,
      explanation: [`${name}: no data for the canary weight (${c.weight.reason}); hold`],
      state: run,
    };
  }
  const weight = c.weight.value;
  if (run.failedChecks >= schedule.threshold) {
    return {
      action: { type: 'canary', verb: 'rollback' },
      explanation: [
        `${name}: failed checks ${run.failedChecks} >= threshold ${schedule.threshold}; rollback`,
      ],
      state: run,
    };
  }
  const maxWeight = maxWeightOf(schedule);
  const advanceOrPromote = (reasons: readonly string[], next: CanaryRunState): PolicyOutput => {
    const step = nextStepWeight(schedule, weight);
    if (weight < maxWeight && step > 0) {
      return {
        action: { type: 'canary', verb: 'advance', stepWeight: step },
        explanation: [...reasons, `${name}: weight ${weight}% < max ${maxWeight}%; advance by ${step}%`],
        state: next,
      };
    }
    if (weight >= maxWeight) {
      return {
        action: { type: 'canary', verb: 'promote' },
        explanation: [...reasons, `${name}: weight ${weight}% reached max ${maxWeight}%; promote`],
        state: next,
      };
    }
    return { action: hold, explanation: [...reasons, `${name}: step weight is 0; hold`], state: next };
  };
  // Flagger skips metric checks while no traffic has reached the canary yet (first iteration)
  if (weight === 0 && c.phase === 'Progressing') {
    return advanceOrPromote(
      [`${name}: starting analysis (no traffic on the canary yet, no metric checks)`],
      run,
    );
  }
  const outcome = analyse(c);
  if (outcome.rollback) {
    return {
      action: { type: 'canary', verb: 'rollback' },
      explanation: [...outcome.reasons, `${name}: rollback`],
      state: run,
    };
  }
  if (!outcome.pass) {
    if (outcome.holdOnly) {
      return { action: hold, explanation: [...outcome.reasons, `${name}: hold`], state: run };
    }
    const next = { ...run, failedChecks: run.failedChecks + 1 };
    return {
      action: hold,
      explanation: [
        ...outcome.reasons,
        `${name}: failed checks ${next.failedChecks}/${schedule.threshold}; hold`,
      ],
      state: next,
    };
  }
  return advanceOrPromote(outcome.reasons, run);
}
