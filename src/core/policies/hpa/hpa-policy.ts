import type { Action } from '../../action';
import { HOLD } from '../../action';
import type { PolicyOutput } from '../../decision';
import type { Observation } from '../../observation';
import type { Policy, PolicyContext } from '../../policy';
import { valueOf } from '../../sample';
import {
  EMPTY_HPA_STATE,
  hpaStep,
  type HpaBehavior,
  type HpaControllerState,
  type TimestampedRecommendation,
  type TimestampedScaleEvent,
} from './controller';
import { calculateReplicas, type HpaPod } from './replica-calculator';

/** The HPA's usual CPU target when the policy ref gives none (`hpa` = `hpa:70`). */
export const DEFAULT_TARGET_UTILIZATION_PERCENT = 70;

export interface HpaPolicyOptions {
  /** averageUtilization target in percent; default 70 */
  readonly targetUtilizationPercent?: number;
  /** spec.behavior of the HPA being reproduced; omitted = no behavior (legacy normalisation) */
  readonly behavior?: HpaBehavior;
  /** --horizontal-pod-autoscaler-tolerance; default 0.1 */
  readonly tolerance?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (s); default 300 */
  readonly downscaleStabilizationSeconds?: number;
}

/**
 * The Observation has service-level aggregates, not per-pod samples. The HPA's view is rebuilt from
 * them: `readyReplicas` pods, each at the average CPU utilisation (usage `cpuUtilization * 1000`
 * milli of a 1000 milli request, so the integer utilisation is `trunc(cpuUtilization * 100)`), plus
 * `current - readyReplicas` Running-but-unready pods (they count as 0 % on a scale-up and are left
 * out otherwise, as groupPods does for CPU). Equal per-pod usage loses nothing: the HPA only uses
 * the sums.
 */
export function podsFromAggregate(
  readyReplicas: number,
  currentReplicas: number,
  cpuUtilization: number,
): HpaPod[] {
  const ready = Math.max(0, Math.round(readyReplicas));
  const unready = Math.max(0, currentReplicas - ready);
  const usage = Math.round(cpuUtilization * 1000);
  const pods: HpaPod[] = [];
  for (let i = 0; i < ready; i++) {
    pods.push({
      name: `ready-${i}`,
      phase: 'Running',
      ready: true,
      deleting: false,
      hasMetric: true,
      usage,
      request: 1000,
    });
  }
  for (let i = 0; i < unready; i++) {
    pods.push({
      name: `starting-${i}`,
      phase: 'Running',
      ready: false,
      deleting: false,
      hasMetric: true,
      usage: 0,
      request: 1000,
    });
  }
  return pods;
}

function isRecommendation(x: unknown): x is TimestampedRecommendation {
  const r = x as TimestampedRecommendation;
  return typeof r === 'object' && r !== null && Number.isFinite(r.recommendation) && Number.isFinite(r.atMs);
}
function isScaleEvent(x: unknown): x is TimestampedScaleEvent {
  const e = x as TimestampedScaleEvent;
  return typeof e === 'object' && e !== null && Number.isFinite(e.replicaChange) && Number.isFinite(e.atMs);
}

/** The state passed back by the caller, or a fresh one when it is missing or not ours. */
export function hpaStateFrom(state: unknown): HpaControllerState {
  const s = state as Partial<HpaControllerState> | undefined;
  if (
    s &&
    Array.isArray(s.recommendations) &&
    s.recommendations.every(isRecommendation) &&
    Array.isArray(s.scaleUpEvents) &&
    s.scaleUpEvents.every(isScaleEvent) &&
    Array.isArray(s.scaleDownEvents) &&
    s.scaleDownEvents.every(isScaleEvent)
  ) {
    return s as HpaControllerState;
  }
  return EMPTY_HPA_STATE;
}

/**
 * The `hpa` baseline: what the Kubernetes HPA (CPU Utilization target) would set the replicas to,
 * as a replica delta against the replicas declared in git. Its memory (recommendations and scale
 * events) travels in PolicyOutput.state / PolicyContext.state.
 *
 * hpa-bounds targets hold: there the cluster's own HPA already does exactly this. Canary targets
 * hold too (this is not a canary policy). No data for CPU or ready replicas holds.
 */
export function createHpaPolicy(options: HpaPolicyOptions = {}): Policy {
  const target = options.targetUtilizationPercent ?? DEFAULT_TARGET_UTILIZATION_PERCENT;
  // the name is the ref it was built from: `hpa`, or `hpa:<pct>` when a target was given
  const name = options.targetUtilizationPercent === undefined ? 'hpa' : `hpa:${target}`;
  return {
    name,
    decide(obs: Observation, ctx: PolicyContext): PolicyOutput {
      const state = hpaStateFrom(ctx.state);
      if (obs.kind !== 'deployment-replicas') {
        return {
          action: HOLD,
          explanation: [
            obs.kind === 'hpa-bounds'
              ? 'hpa baseline: the cluster HPA already scales this target; holding the bounds'
              : 'hpa baseline: not an autoscaling target',
          ],
          state,
        };
      }
      const cpu = valueOf(obs.service.cpuUtilization);
      const ready = valueOf(obs.service.readyReplicas);
      const current = obs.declared.replicas ?? valueOf(obs.service.specReplicas);
      if (cpu === undefined || ready === undefined || current === undefined) {
        const missing = [
          cpu === undefined ? `cpuUtilization (${describeNoData(obs.service.cpuUtilization)})` : '',
          ready === undefined ? `readyReplicas (${describeNoData(obs.service.readyReplicas)})` : '',
          current === undefined ? 'declared replicas' : '',
        ].filter(Boolean);
        return {
          action: HOLD,
          explanation: [`hpa baseline: no data for ${missing.join(', ')}; hold`],
          state,
        };
      }
      const calc = calculateReplicas({
        currentReplicas: current,
        target: { type: 'Utilization', averageUtilization: target },
        pods: podsFromAggregate(ready, current, cpu),
        tolerance: options.tolerance,
      });
      if (calc.error !== undefined) {
        return { action: HOLD, explanation: [`hpa baseline: ${calc.error}; hold`], state };
      }
      const step = hpaStep(
        state,
        {
          currentReplicas: current,
          minReplicas: ctx.minReplicas,
          maxReplicas: ctx.maxReplicas,
          metricDesiredReplicas: calc.replicas,
          ...(options.behavior ? { behavior: options.behavior } : {}),
          ...(options.downscaleStabilizationSeconds !== undefined
            ? { downscaleStabilizationSeconds: options.downscaleStabilizationSeconds }
            : {}),
        },
        ctx.nowMs,
      );
      const delta = step.desired - current;
      const action: Action = delta === 0 ? HOLD : { type: 'replicas', delta };
      return {
        action,
        explanation: [
          `hpa baseline: cpu ${calc.utilization ?? '?'}% vs target ${target}% over ${Math.round(ready)} ready of ${current} pods -> ${calc.replicas} replicas (${calc.reason})`,
          `HPA controller: ${step.reason} -> ${step.desired} replicas (bounds ${ctx.minReplicas}..${ctx.maxReplicas})`,
        ],
        state: step.state,
      };
    },
  };
}

function describeNoData(s: Observation['service']['cpuUtilization']): string {
  return s.ok ? 'ok' : `no data: ${s.reason}${s.detail ? `, ${s.detail}` : ''}`;
}
