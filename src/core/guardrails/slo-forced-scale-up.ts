import { classifyAction } from './action-class';
import { currentReplicas } from './current-replicas';
import { describeValue } from './describe-number';
import type { GuardRuleFn } from './rule';
import { usableValue } from './usable-value';

/**
 * Rule 5 — forced scale-up. When the fresh p95 latency is above `limits.hardP95Ms` (default 1.5 x
 * the SLO), a deployment-replicas or hpa-bounds target scales up by at least
 * `limits.forcedScaleUpStep` pods whatever the policy proposed, never past `maxReplicas`. The forced
 * action passes freeze, cooldown and commit rate (they damp the agent, not its safety net); the step
 * limit and replica bounds still apply. A proposal already scaling up by at least the forced step is
 * kept as is, and counts as forced for the later rules. Never replaces a person's forced action
 * (nor does anything while paused: pause runs first). Cannot fire without a usable p95, or without
 * a known current replica count (it could not respect maxReplicas), or at maxReplicas.
 */
export const sloForcedScaleUp: GuardRuleFn = ({ action }, { observation, limits, nowMs }) => {
  if (observation.kind === 'flagger-canary' || classifyAction(action) === 'human') return undefined;
  const p95 = usableValue(observation.service.p95LatencyMs, nowMs, limits.stalenessSeconds);
  if (!p95.ok || !(p95.value > limits.hardP95Ms)) return undefined;
  const current = currentReplicas(observation);
  if (current === undefined) return undefined;
  const room = limits.maxReplicas - current;
  if (!(room >= 1)) return undefined;
  const why = `p95 ${describeValue(p95.value)} ms is above the hard limit ${limits.hardP95Ms} ms`;
  if (action.type === 'replicas' && action.delta >= limits.forcedScaleUpStep) {
    return { effect: 'forced', to: action, reason: `${why}: keeping the proposed scale-up +${action.delta}` };
  }
  const delta = Math.min(limits.forcedScaleUpStep, room);
  if (!(delta >= 1)) return undefined;
  return {
    effect: 'forced',
    to: { type: 'replicas', delta },
    reason: `${why}: scaling up by ${delta} from ${current} (max ${limits.maxReplicas})`,
  };
};
