import { describeAction, HOLD, type Action } from '../action';
import type { ServiceMetrics } from '../observation';
import { classifyAction } from './action-class';
import { idleWithoutLatency } from './idle-service';
import type { GuardContext, GuardRuleFn } from './rule';
import { usableValue } from './usable-value';

/**
 * The service metrics a replica change depends on: CPU utilisation and ready pods (the HPA's
 * formula), request rate (model features) and p95 latency (the SLO rules). Error rate is not: no
 * replica rule reads it, and a service without errors may well export none.
 */
export const REPLICA_CHANGE_METRICS: readonly (keyof ServiceMetrics)[] = [
  'cpuUtilization',
  'readyReplicas',
  'rps',
  'p95LatencyMs',
];

/**
 * Rule 3 — stale, missing or NaN metrics. An agent change whose inputs are not all present, finite,
 * non-negative and fresher than `limits.stalenessSeconds` is held: a policy that read "no data" as
 * zero would scale to the floor. Inputs per action:
 * - scale up/down: REPLICA_CHANGE_METRICS (p95 may be NaN when the service is idle: rps == 0);
 * - canary advance/promote: the canary weight, and once traffic reaches the canary (weight > 0) its
 *   error rate and p95 — at weight 0 Flagger itself skips the metric checks (no traffic yet).
 * Holds, rollbacks and a person's forced actions depend on no metric. The safety rules after this
 * one fire only when their own trigger metric is usable.
 */
export const staleMetrics: GuardRuleFn = ({ action, safety }, context) => {
  if (safety || classifyAction(action) !== 'change') return undefined;
  const problems = unusableInputs(action, context);
  if (problems.length === 0) return undefined;
  return {
    effect: 'vetoed',
    to: HOLD,
    reason: `no usable data for ${problems.join(', ')}: holding instead of ${describeAction(action)}`,
  };
};

function unusableInputs(action: Action, { observation: o, limits, nowMs }: GuardContext): string[] {
  const problems: string[] = [];
  const check = (name: string, s: Parameters<typeof usableValue>[0]): number | undefined => {
    const u = usableValue(s, nowMs, limits.stalenessSeconds);
    if (u.ok) return u.value;
    problems.push(`${name} (${u.why})`);
    return undefined;
  };
  if (action.type === 'replicas') {
    const idle = idleWithoutLatency(o, nowMs, limits.stalenessSeconds);
    for (const m of REPLICA_CHANGE_METRICS) {
      if (m === 'p95LatencyMs' && idle) continue;
      check(m, o.service[m]);
    }
    return problems;
  }
  if (action.type === 'canary') {
    if (o.canary === undefined) return ['canary observation (missing)'];
    const weight = check('canary weight', o.canary.weight);
    if (weight !== undefined && weight > 0) {
      check('canary error rate', o.canary.canary.errorRate);
      check('canary p95 latency', o.canary.canary.p95LatencyMs);
    }
  }
  return problems;
}
