import type { Observation } from '../../core/observation';
import { noData, value, type Sample } from '../../core/sample';
import { faultSchedule } from '../faults';
import { SimHpa } from '../hpa-controller';
import { Nodes } from '../nodes';
import type { PoolStep } from '../pod-pool';
import { responseQuantile } from '../queueing/mmc';
import { autoscaleReward, DEFAULT_AUTOSCALE_WEIGHTS, type AutoscaleRewardWeights } from '../reward';
import { createRng } from '../rng';
import { getScenario, type Scenario } from '../scenarios';
import { podCapacityRps, serviceParams, type ServiceParams } from '../service-params';
import { ServiceSim } from '../service-sim';
import { rateAt, type TrafficPattern } from '../traffic/patterns';

/**
 * Gym-like autoscaling env over virtual time (Gymnasium's contract: `reset({seed})`,
 * `step(action)` → `{obs, reward, terminated, truncated, info}`; same seed → identical episode).
 *
 * One step = `stepSeconds` of simulated time (default 15 s, the HPA sync period) computed as one
 * O(pods) queueing step: no HTTP, no sleeping.
 *
 * Action: an index into AUTOSCALE_ACTIONS = [-2, -1, 0, +1, +2, +4], the change of spec.replicas
 * (clamped to [minReplicas, maxReplicas]; `info.applied` says what was applied); in hpa-floor mode
 * the change of the simulated HPA's minReplicas instead.
 * Reward: src/sim/reward.ts `autoscaleReward` (SLO first, then pod cost, then churn).
 * Episodes never terminate; they are truncated after `maxSteps`.
 */
export const AUTOSCALE_ACTIONS: readonly number[] = Object.freeze([-2, -1, 0, 1, 2, 4]);

export interface AutoscaleObs {
  /** simulated seconds since reset */
  readonly t: number;
  readonly rps: number;
  /** NaN when nothing was served in the step */
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly errorRate: number;
  /** fraction of CPU requests used by ready pods (0.7 = 70 %) */
  readonly cpuUtilization: number;
  /** working set per existing pod (bytes) */
  readonly memoryBytes: number;
  readonly readyReplicas: number;
  readonly specReplicas: number;
  /** hpa-floor mode: the HPA's minReplicas the agent controls */
  readonly hpaMinReplicas?: number;
}

export interface AutoscaleInfo {
  readonly offeredRps: number;
  readonly applied: number;
  readonly sloViolated: boolean;
  /** pods existing during the step × step length */
  readonly podSeconds: number;
}

export interface StepResult<O, I> {
  readonly obs: O;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: I;
}

export interface AutoscaleEnvOptions {
  /** scenario name or object (traffic, service, faults); default `diurnal-fast` */
  readonly scenario?: string | Scenario;
  /** traffic instead of the scenario's; a function draws one per episode from the episode RNG */
  readonly pattern?: TrafficPattern | ((rng: () => number) => TrafficPattern);
  readonly service?: Partial<ServiceParams>;
  readonly stepSeconds?: number;
  readonly maxSteps?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** default: sized for the opening load at 60 % busy */
  readonly initialReplicas?: number;
  readonly sloP95Ms?: number;
  readonly sloErrorRate?: number;
  readonly rewardWeights?: AutoscaleRewardWeights;
  /** start each episode at a random offset in [0, startOffsetMaxSeconds) of the pattern; default 0 */
  readonly startOffsetMaxSeconds?: number;
  readonly nodes?: number;
  /** the epoch (ms) that simulated time 0 maps to in toCoreObservation(); default 2025-01-01 */
  readonly epochMs?: number;
  /** target name used in toCoreObservation(); default the service name */
  readonly target?: string;
  /**
   * hpa-floor mode (an `hpa-bounds` target): a simulated HPA with this CPU target scales the
   * service, and the action moves its minReplicas (pre-scaling ahead of demand) instead of
   * spec.replicas; maxReplicas stays at `maxReplicas`.
   */
  readonly hpaFloor?: { readonly targetCpuUtilizationPercent: number };
}

export class AutoscaleEnv {
  readonly actions = AUTOSCALE_ACTIONS;
  private readonly scenario: Scenario;
  private readonly dt: number;
  private readonly maxSteps: number;
  private readonly min: number;
  private readonly max: number;
  private readonly sloP95Ms: number;
  private readonly sloErrorRate: number;
  private readonly weights: AutoscaleRewardWeights;
  private service: ServiceSim | undefined;
  private t = 0;
  private offset = 0;
  private steps = 0;
  private lastObs: AutoscaleObs | undefined;
  private hpa: SimHpa | undefined;

  constructor(private readonly options: AutoscaleEnvOptions = {}) {
    const s = options.scenario ?? 'diurnal-fast';
    this.scenario = typeof s === 'string' ? getScenario(s) : s;
    this.dt = options.stepSeconds ?? 15;
    this.maxSteps = options.maxSteps ?? 240;
    this.min = options.minReplicas ?? 1;
    this.max = options.maxReplicas ?? 30;
    this.sloP95Ms = options.sloP95Ms ?? 250;
    this.sloErrorRate = options.sloErrorRate ?? 0.01;
    this.weights = options.rewardWeights ?? DEFAULT_AUTOSCALE_WEIGHTS;
  }

  reset(opts: { seed: number | string }): { obs: AutoscaleObs; info: AutoscaleInfo } {
    const rng = createRng(opts.seed);
    const faultRng = rng.fork();
    const patternRng = rng.fork();
    const p = this.options.pattern;
    const basePattern =
      p === undefined ? this.scenario.pattern : typeof p === 'function' ? p(() => patternRng.next()) : p;
    const offsetMax = this.options.startOffsetMaxSeconds ?? 0;
    this.offset = offsetMax > 0 ? Math.floor(patternRng.next() * offsetMax) : 0;
    const pattern: TrafficPattern = this.offset > 0 ? shifted(basePattern, this.offset) : basePattern;
    const sized = serviceParams({ ...this.scenario.service, ...this.options.service });
    const opening = Math.ceil(rateAt(pattern, 0) / (0.6 * podCapacityRps(sized)));
    const initialReplicas = clamp(this.options.initialReplicas ?? opening, this.min, this.max);
    const params = { ...sized, initialReplicas };
    const nodes = new Nodes(this.options.nodes ?? 3);
    const horizon = this.maxSteps * this.dt + this.dt;
    const faults = faultSchedule(this.scenario.faults, horizon, nodes.list.length, faultRng);
    this.service = new ServiceSim(params, pattern, nodes, rng, faults, { now: 0, templateHash: 'sim' });
    this.hpa = undefined;
    if (this.options.hpaFloor) {
      this.hpa = new SimHpa(
        {
          minReplicas: initialReplicas,
          maxReplicas: this.max,
          targetCpuUtilizationPercent: this.options.hpaFloor.targetCpuUtilizationPercent,
        },
        this.options.epochMs ?? Date.UTC(2025, 0, 1),
      );
      this.service.controller = this.hpa;
    }
    this.t = 0;
    this.steps = 0;
    const s = this.service.step(this.dt, this.dt);
    this.t = this.dt;
    const obs = this.observe(s.primary, s.offeredRps);
    return {
      obs,
      info: {
        offeredRps: s.offeredRps,
        applied: 0,
        sloViolated: this.violated(obs),
        podSeconds: s.primary.pods * this.dt,
      },
    };
  }

  step(action: number): StepResult<AutoscaleObs, AutoscaleInfo> {
    const delta = AUTOSCALE_ACTIONS[action];
    if (delta === undefined)
      throw new RangeError(`action ${action} is not an index into [${AUTOSCALE_ACTIONS.join(', ')}]`);
    return this.stepDelta(delta);
  }

  /**
   * The same step with any replica change (not only the discrete action set): for rule policies
   * such as the core `hpa` policy, whose proposals can be larger than +4.
   */
  stepDelta(delta: number): StepResult<AutoscaleObs, AutoscaleInfo> {
    const service = this.service;
    if (!service) throw new Error('AutoscaleEnv.step() before reset()');
    if (!Number.isInteger(delta)) throw new RangeError(`replica delta ${delta} is not an integer`);
    const hpa = this.hpa;
    const before = hpa ? hpa.spec.minReplicas : service.specReplicas;
    const target = clamp(before + delta, this.min, this.max);
    if (hpa) hpa.spec = { ...hpa.spec, minReplicas: target };
    else service.setReplicas(target);
    this.t += this.dt;
    const s = service.step(this.t, this.dt);
    this.steps++;
    const obs = this.observe(s.primary, s.offeredRps);
    const applied = target - before;
    const reward = autoscaleReward(
      {
        p95Ms: obs.p95Ms,
        errorRate: obs.errorRate,
        sloP95Ms: this.sloP95Ms,
        sloErrorRate: this.sloErrorRate,
        replicas: service.specReplicas,
        maxReplicas: this.max,
        delta: applied,
      },
      this.weights,
    );
    return {
      obs,
      reward,
      terminated: false,
      truncated: this.steps >= this.maxSteps,
      info: {
        offeredRps: s.offeredRps,
        applied,
        sloViolated: this.violated(obs),
        podSeconds: s.primary.pods * this.dt,
      },
    };
  }

  private violated(o: AutoscaleObs): boolean {
    return Number.isNaN(o.p95Ms) || o.p95Ms > this.sloP95Ms || o.errorRate > this.sloErrorRate;
  }

  private observe(p: PoolStep, _offered: number): AutoscaleObs {
    const timeout = this.service!.params.timeoutSeconds;
    const errors = p.errors500 + p.errors503 + p.errors504;
    const obs: AutoscaleObs = {
      t: this.t,
      rps: p.arrivals / this.dt,
      p95Ms: p.dist ? Math.min(responseQuantile(p.dist, 0.95), timeout) * 1000 : NaN,
      p99Ms: p.dist ? Math.min(responseQuantile(p.dist, 0.99), timeout) * 1000 : NaN,
      errorRate: p.arrivals > 0 ? errors / p.arrivals : 0,
      cpuUtilization: p.cpuUtilization,
      memoryBytes: p.pods > 0 ? p.memoryBytes / p.pods : NaN,
      readyReplicas: p.readyPods,
      specReplicas: this.service!.specReplicas,
      hpaMinReplicas: this.hpa?.spec.minReplicas,
    };
    this.lastObs = obs;
    return obs;
  }

  /** The last observation as the agent's core Observation (same policies run in sim and agent). */
  toCoreObservation(): Observation {
    if (!this.lastObs || !this.service) throw new Error('AutoscaleEnv.toCoreObservation() before reset()');
    return autoscaleObsToCore(this.lastObs, {
      target: this.options.target ?? this.service.name,
      atMs: (this.options.epochMs ?? Date.UTC(2025, 0, 1)) + (this.offset + this.lastObs.t) * 1000,
      maxReplicas: this.max,
    });
  }
}

/**
 * Converts an env observation to the core Observation: a deployment-replicas target, or an
 * hpa-bounds target in hpa-floor mode (declared minReplicas = the floor, maxReplicas given).
 */
export function autoscaleObsToCore(
  o: AutoscaleObs,
  meta: { target: string; atMs: number; revision?: string; maxReplicas?: number },
): Observation {
  const at = meta.atMs;
  const v = (x: number): Sample =>
    Number.isNaN(x) ? noData('missing', 'nothing served in the step') : value(x, at);
  return {
    target: meta.target,
    kind: o.hpaMinReplicas !== undefined ? 'hpa-bounds' : 'deployment-replicas',
    at,
    service: {
      cpuUtilization: v(o.readyReplicas > 0 ? o.cpuUtilization : NaN),
      memoryBytes: v(o.memoryBytes),
      readyReplicas: v(o.readyReplicas),
      specReplicas: v(o.specReplicas),
      rps: v(o.rps),
      p95LatencyMs: v(o.p95Ms),
      p99LatencyMs: v(o.p99Ms),
      errorRate: v(o.errorRate),
    },
    declared:
      o.hpaMinReplicas !== undefined
        ? {
            minReplicas: o.hpaMinReplicas,
            ...(meta.maxReplicas !== undefined ? { maxReplicas: meta.maxReplicas } : {}),
            revision: meta.revision ?? '0'.repeat(40),
          }
        : { replicas: o.specReplicas, revision: meta.revision ?? '0'.repeat(40) },
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

function shifted(p: TrafficPattern, offsetSeconds: number): TrafficPattern {
  return { kind: 'shifted', offsetSeconds, inner: p };
}
