import { HOLD, type Action } from '../action';
import type { Observation } from '../observation';
import type { PolicyContext } from '../policy';
import { valueOf } from '../sample';

/**
 * What one output of an autoscaling model means. Either a fixed action (`{delta}` cards: ±N
 * replicas, 0 = hold), or a target utilisation: the model only says how much headroom to keep now,
 * and the replica count follows from the observation —
 *
 *   demand (pods at 100 % CPU) = max(ready × cpu, rps / capacityPerPod)
 *   desired                    = ceil(demand / targetUtilization)
 *
 * so every output is a complete, sane decision (the HPA's own formula, `ceil(ready × cpu / target)`,
 * with a learned target), and the learned part is "how much headroom now".
 *
 * `capacityPerPod` (requests/s one pod serves at 100 % CPU) is remembered from the last observation
 * where the pods were neither idle nor saturated (CPU in [CAPACITY_CPU_MIN, CAPACITY_CPU_MAX]):
 * rps / (ready × cpu). It matters when the pods are saturated: CPU then stops at 100 % and
 * `ready × cpu` hides how far demand is above capacity, while the request rate still shows it, so
 * one decision can add every pod a burst needs instead of ×1/target per start-up delay. Without an
 * estimate (or when `rps` counts only served requests) demand is `ready × cpu`, the HPA's view.
 *
 * Pods still starting (spec > ready) are never removed by a target decision: their capacity is
 * already on the way (the HPA likewise leaves unready pods out when it scales up).
 *
 * Everything here is pure: the memory travels in the policy state like the HPA's.
 */
export type ModelAction =
  | { readonly kind: 'action'; readonly action: Action }
  | { readonly kind: 'target-utilization'; readonly utilization: number };

export interface TargetUtilizationMemory {
  /** requests/s per pod at 100 % CPU, from the last unsaturated observation */
  readonly capacityRpsPerPod?: number;
  /** recent demand estimates (pods at 100 % CPU) with their times (ms), newest last */
  readonly recentDemand?: ReadonlyArray<readonly [number, number]>;
}

/**
 * Scale-down stabilisation (s): a target decision removes pods only down to what the highest
 * demand of this window needs, so one quiet scrape (arrival noise) does not remove pods that the
 * next one needs again. The HPA's default is 300 s; a shorter window keeps most of the saving.
 */
export const SCALE_DOWN_WINDOW_SECONDS = 180;

/** CPU band in which rps / (ready × cpu) is a fair capacity estimate (fractions of the request). */
export const CAPACITY_CPU_MIN = 0.2;
export const CAPACITY_CPU_MAX = 0.9;

function isPair(x: unknown): x is readonly [number, number] {
  return Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function memoryFrom(m: unknown): TargetUtilizationMemory {
  const mem = m as TargetUtilizationMemory | undefined;
  const c = mem?.capacityRpsPerPod;
  const recent = Array.isArray(mem?.recentDemand) ? mem.recentDemand.filter(isPair) : [];
  return {
    ...(typeof c === 'number' && Number.isFinite(c) && c > 0 ? { capacityRpsPerPod: c } : {}),
    ...(recent.length ? { recentDemand: recent } : {}),
  };
}

/** Demand in pods at 100 % CPU: max(ready × cpu, rps / capacity); undefined without CPU data. */
function demandOf(obs: Observation, capacity: number | undefined): number | undefined {
  const cpu = valueOf(obs.service.cpuUtilization);
  const ready = valueOf(obs.service.readyReplicas);
  if (cpu === undefined || ready === undefined) return undefined;
  const rps = valueOf(obs.service.rps);
  return Math.max(ready * cpu, capacity !== undefined && rps !== undefined ? rps / capacity : 0);
}

/** The memory after seeing `obs` (call on every decision, whoever decides). */
export function rememberCapacity(memory: unknown, obs: Observation): TargetUtilizationMemory {
  const prev = memoryFrom(memory);
  const cpu = valueOf(obs.service.cpuUtilization);
  const ready = valueOf(obs.service.readyReplicas);
  const rps = valueOf(obs.service.rps);
  let capacity = prev.capacityRpsPerPod;
  if (cpu !== undefined && ready !== undefined && rps !== undefined && ready > 0) {
    if (cpu >= CAPACITY_CPU_MIN && cpu <= CAPACITY_CPU_MAX && rps > 0) capacity = rps / (ready * cpu);
  }
  const since = obs.at - SCALE_DOWN_WINDOW_SECONDS * 1000;
  const recent = (prev.recentDemand ?? []).filter(([at]) => at > since && at < obs.at);
  const demand = demandOf(obs, capacity);
  if (demand !== undefined) recent.push([obs.at, demand]);
  return {
    ...(capacity !== undefined ? { capacityRpsPerPod: capacity } : {}),
    ...(recent.length ? { recentDemand: recent } : {}),
  };
}

export type ResolvedAction =
  { readonly action: Action; readonly explanation: string } | { readonly error: string };

/**
 * The replica change a target utilisation asks for, against the declared replicas. An error (not a
 * guess) when CPU, ready pods or the declared replicas are unknown: the caller's fallback decides.
 */
export function targetUtilizationAction(
  utilization: number,
  obs: Observation,
  ctx: Pick<PolicyContext, 'minReplicas' | 'maxReplicas'>,
  memory: unknown,
): ResolvedAction {
  if (obs.kind !== 'deployment-replicas') {
    return { error: `a target utilisation applies to deployment-replicas targets, not ${obs.kind}` };
  }
  if (!(utilization > 0 && utilization <= 1)) {
    return { error: `target utilisation ${utilization} is not in (0, 1]` };
  }
  const cpu = valueOf(obs.service.cpuUtilization);
  const ready = valueOf(obs.service.readyReplicas);
  const current = obs.declared.replicas ?? valueOf(obs.service.specReplicas);
  if (cpu === undefined || ready === undefined || current === undefined) {
    return { error: 'no data for cpuUtilization, readyReplicas or the declared replicas' };
  }
  const capacity = memoryFrom(memory).capacityRpsPerPod;
  const rps = valueOf(obs.service.rps);
  const cpuDemand = ready * cpu;
  const rpsDemand = capacity !== undefined && rps !== undefined ? rps / capacity : 0;
  const demand = Math.max(cpuDemand, rpsDemand);
  // 1e-9: 0.7 × 10 / 0.7 must stay 10, not become 11 through rounding
  let desired = Math.ceil(demand / utilization - 1e-9);
  // scale down only as far as the window's highest demand allows
  const windowDemand = Math.max(demand, ...(memoryFrom(memory).recentDemand ?? []).map(([, d]) => d));
  const stabilised = desired < current;
  if (stabilised) desired = Math.min(current, Math.ceil(windowDemand / utilization - 1e-9));
  const starting = current > ready;
  if (starting) desired = Math.max(desired, current);
  desired = Math.max(ctx.minReplicas, Math.min(ctx.maxReplicas, desired));
  const delta = desired - current;
  const action: Action = delta === 0 ? HOLD : { type: 'replicas', delta };
  const source =
    rpsDemand > cpuDemand
      ? `${rps!.toFixed(0)} rps / ${capacity!.toFixed(1)} rps per pod`
      : `${ready} ready × cpu ${(cpu * 100).toFixed(0)} %`;
  return {
    action,
    explanation: `target utilisation ${(utilization * 100).toFixed(0)} %: demand ${demand.toFixed(2)} pods (${source}) -> ${desired} replicas${starting ? ' (pods starting: not below the current count)' : ''}`,
  };
}

/** The action of one model output, given the observation and the memory after it. */
export function resolveModelAction(
  a: ModelAction,
  obs: Observation,
  ctx: Pick<PolicyContext, 'minReplicas' | 'maxReplicas'>,
  memory: unknown,
): ResolvedAction {
  return a.kind === 'action'
    ? { action: a.action, explanation: 'fixed action' }
    : targetUtilizationAction(a.utilization, obs, ctx, memory);
}

/** An autoscaling model card's action entry (src/adapters/onnx/model-card.ts). */
export type AutoscaleCardAction = { readonly delta: number } | { readonly targetUtilization: number };

export function modelActionOf(a: AutoscaleCardAction): ModelAction {
  if ('targetUtilization' in a) return { kind: 'target-utilization', utilization: a.targetUtilization };
  return { kind: 'action', action: a.delta === 0 ? HOLD : { type: 'replicas', delta: a.delta } };
}
