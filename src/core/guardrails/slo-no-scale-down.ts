import { describeAction, HOLD } from '../action';
import { describeValue } from './describe-number';
import { idleWithoutLatency } from './idle-service';
import type { GuardRuleFn } from './rule';
import { usableValue } from './usable-value';

/**
 * Rule 6 — no scale-down near the SLO. A scale-down is held while the fresh p95 latency is at or
 * above `sloP95Ms * (1 - scaleDownSloMargin)` (margin default 0.1: within 10 % of the SLO), and
 * whenever p95 is unknown — unless the service is idle (rps == 0, so no latency exists).
 */
export const sloNoScaleDown: GuardRuleFn = ({ action }, { observation, limits, nowMs }) => {
  if (action.type !== 'replicas' || !(action.delta < 0)) return undefined;
  const threshold = limits.sloP95Ms * (1 - limits.scaleDownSloMargin);
  const p95 = usableValue(observation.service.p95LatencyMs, nowMs, limits.stalenessSeconds);
  if (p95.ok) {
    if (p95.value < threshold) return undefined;
    return {
      effect: 'vetoed',
      to: HOLD,
      reason:
        `p95 ${describeValue(p95.value)} ms is within ${describeValue(limits.scaleDownSloMargin * 100)} % of the ` +
        `SLO ${limits.sloP95Ms} ms (>= ${describeValue(threshold)} ms): no ${describeAction(action)}`,
    };
  }
  if (idleWithoutLatency(observation, nowMs, limits.stalenessSeconds)) return undefined;
  return {
    effect: 'vetoed',
    to: HOLD,
    reason: `p95 is unknown (${p95.why}), so the SLO margin cannot be checked: no ${describeAction(action)}`,
  };
};
