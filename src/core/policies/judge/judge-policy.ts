import type { PolicyOutput } from '../../decision';
import type { CanaryObservation, Observation, VersionMetrics } from '../../observation';
import type { Policy, PolicyContext } from '../../policy';
import type { CanarySchedule } from '../canary-schedule';
import { canaryTick } from '../flagger/flagger-policy';
import { judgeCanary, type JudgeConfig, type JudgeResult } from './judge';

/**
 * The default canary judge configuration: error rate is critical (an increase fails the canary),
 * p95/p99 latency must not rise by more than 10 % (effect size) in a significant way. Groups
 * `errors` and `latency` weigh 50/50; Pass >= 95, Marginal >= 75 (Kayenta's usual thresholds).
 */
const defaultJudgeConfig: JudgeConfig = {
  metrics: [
    {
      name: 'errorRate',
      group: 'errors',
      direction: 'increase',
      critical: true,
      allowedIncrease: 1.5,
      criticalIncrease: 1.5,
    },
    { name: 'p95LatencyMs', group: 'latency', direction: 'increase', allowedIncrease: 1.1 },
    { name: 'p99LatencyMs', group: 'latency', direction: 'increase', allowedIncrease: 1.1 },
  ],
  groupWeights: { errors: 50, latency: 50 },
  passThreshold: 95,
  marginalThreshold: 75,
  confLevel: 0.98,
  tolerance: 0.25,
};
export const DEFAULT_JUDGE_CONFIG: JudgeConfig = Object.freeze(defaultJudgeConfig);

const METRIC_KEYS: readonly (keyof VersionMetrics)[] = ['rps', 'p95LatencyMs', 'p99LatencyMs', 'errorRate'];

function points(v: VersionMetrics): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const k of METRIC_KEYS) {
    const s = v[k];
    out[k] = s.ok ? [s.value] : [];
  }
  return out;
}

/**
 * Judges a canary observation: with `samples` (query_range series) when present, else the point
 * values (one sample each, which the rank test cannot find significant; the policy holds then).
 */
export function judgeCanaryObservation(
  c: CanaryObservation,
  config: JudgeConfig = DEFAULT_JUDGE_CONFIG,
): JudgeResult & { readonly mode: 'samples' | 'points' } {
  if (c.samples) return { ...judgeCanary(config, c.samples.canary, c.samples.primary), mode: 'samples' };
  return { ...judgeCanary(config, points(c.canary), points(c.primary)), mode: 'points' };
}

/**
 * The `judge` policy: Flagger's schedule (weights, threshold, promotion at maxWeight) with the
 * Kayenta-style judge as the analysis: Pass → advance/promote, Marginal → hold (no failed check),
 * Fail → rollback at once. When no metric has data it holds and counts a failed check, like Flagger
 * does for "no values found"; with point values only (no query_range samples) it holds without one.
 */
export function createJudgePolicy(
  options: Partial<CanarySchedule> & { readonly config?: JudgeConfig } = {},
): Policy {
  const config = options.config ?? DEFAULT_JUDGE_CONFIG;
  return {
    name: 'judge',
    decide(obs: Observation, ctx: PolicyContext): PolicyOutput {
      return canaryTick(obs, ctx, options, 'judge', (c) => {
        const r = judgeCanaryObservation(c, config);
        const reasons = [`judge (${r.mode}): ${r.reasons.join('; ')}`];
        if (r.metrics.every((m) => m.label === 'Nodata')) {
          return { pass: false, reasons: ['judge: no metric has data for canary and baseline'] };
        }
        if (r.mode === 'points') {
          // one reading a side is not a sample: the rank test cannot reject at any confidence, so
          // a pass would be no evidence; hold (no failed check) until query_range samples return
          return {
            pass: false,
            holdOnly: true,
            reasons: [
              'judge (points): one reading per version cannot be tested; holding until samples return',
            ],
          };
        }
        if (r.verdict === 'Fail') return { pass: false, rollback: true, reasons };
        if (r.verdict === 'Marginal') return { pass: false, holdOnly: true, reasons };
        return { pass: true, reasons };
      });
    },
  };
}
