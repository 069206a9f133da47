/**
 * Rewards for the simulator envs: pure functions, weights as parameters (src/train may tune them).
 *
 * Autoscaling, per step, SLO first:
 *   reward = −( slo · sloPenalty + cost · replicas/maxReplicas + churn · |delta|/4 )
 *   sloPenalty = latency part + error part, each 0 inside the SLO and 1 + min(3, overshoot) outside,
 *   overshoot = observed/target − 1. So any violation (≥ 1) outweighs running every pod (cost ≤ 1
 *   with the default weights), and the cost of pods outweighs churn.
 *   No latency data (nothing served, e.g. no ready pod) counts as a full latency violation.
 *
 * Canary, per analysis tick: −time per tick and −errors for the error fraction the canary caused
 * (canary error rate × weight/100); at the end: +correct for promoting a good release or rolling
 * back a bad one, −wrongPromote for promoting a bad release, −wrongRollback for rolling back a good one;
 * optionally −badTraffic × weight/100 per tick of a bad release (its blast radius, whatever the
 * regression: a latency regression causes no errors) and −undecided for a release still undecided
 * at the step limit.
 */
export interface AutoscaleRewardWeights {
  readonly slo: number;
  readonly cost: number;
  readonly churn: number;
}

export const DEFAULT_AUTOSCALE_WEIGHTS: AutoscaleRewardWeights = Object.freeze({
  slo: 1,
  cost: 0.3,
  churn: 0.05,
});

export interface AutoscaleRewardInput {
  /** p95 latency in ms, NaN when there is no data */
  readonly p95Ms: number;
  readonly errorRate: number;
  readonly sloP95Ms: number;
  readonly sloErrorRate: number;
  readonly replicas: number;
  readonly maxReplicas: number;
  /** replica change applied this step */
  readonly delta: number;
}

function overshoot(observed: number, target: number): number {
  if (!(observed > target)) return 0;
  return 1 + Math.min(3, observed / target - 1);
}

export function sloPenalty(i: AutoscaleRewardInput): number {
  const latency = Number.isNaN(i.p95Ms) ? 4 : overshoot(i.p95Ms, i.sloP95Ms);
  const errors = overshoot(i.errorRate, Math.max(i.sloErrorRate, 1e-9));
  return latency + errors;
}

export function autoscaleReward(
  i: AutoscaleRewardInput,
  w: AutoscaleRewardWeights = DEFAULT_AUTOSCALE_WEIGHTS,
): number {
  const cost = i.maxReplicas > 0 ? i.replicas / i.maxReplicas : 0;
  return -(w.slo * sloPenalty(i) + w.cost * cost + w.churn * (Math.abs(i.delta) / 4));
}

export interface CanaryRewardWeights {
  readonly time: number;
  readonly errors: number;
  readonly correct: number;
  readonly wrongPromote: number;
  readonly wrongRollback: number;
  /**
   * per tick × canary weight/100 while the release is bad: the bad-version requests served (blast
   * radius), latency regressions included; default 0
   */
  readonly badTraffic?: number;
  /**
   * once, when the episode ends at the step limit with the release neither promoted nor rolled back
   * (a release left hanging: never decided is no safe answer); default 0
   */
  readonly undecided?: number;
}

export const DEFAULT_CANARY_WEIGHTS: CanaryRewardWeights = Object.freeze({
  time: 0.01,
  errors: 5,
  correct: 1,
  wrongPromote: 3,
  wrongRollback: 1,
});

export type CanaryOutcome = 'running' | 'promoted' | 'rolled-back';

export interface CanaryRewardInput {
  /** canary error rate over the tick (0..1), 0 without data */
  readonly canaryErrorRate: number;
  /** percent of traffic on the canary during the tick */
  readonly weight: number;
  readonly outcome: CanaryOutcome;
  readonly releaseIsBad: boolean;
  /** this tick ends the episode at the step limit, still running */
  readonly undecided?: boolean;
}

export function canaryReward(i: CanaryRewardInput, w: CanaryRewardWeights = DEFAULT_CANARY_WEIGHTS): number {
  let r = -w.time - w.errors * i.canaryErrorRate * (i.weight / 100);
  if (i.releaseIsBad) r -= (w.badTraffic ?? 0) * (i.weight / 100);
  if (i.undecided && i.outcome === 'running') r -= w.undecided ?? 0;
  if (i.outcome === 'promoted') r += i.releaseIsBad ? -w.wrongPromote : w.correct;
  if (i.outcome === 'rolled-back') r += i.releaseIsBad ? w.correct : -w.wrongRollback;
  return r;
}
