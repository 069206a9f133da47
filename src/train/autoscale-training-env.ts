import { isNoop } from '../core/action';
import { encodeFeatures, featureCard, type FeatureContext } from '../core/features';
import type { Observation } from '../core/observation';
import {
  modelActionOf,
  rememberCapacity,
  resolveModelAction,
  type AutoscaleCardAction,
  type ModelAction,
  type TargetUtilizationMemory,
} from '../core/policies/target-utilization';
import { AutoscaleEnv, type AutoscaleInfo } from '../sim/env/autoscale-env';
import type { AutoscaleRewardWeights } from '../sim/reward';
import { NO_FAULTS, type FaultRates } from '../sim/faults';
import { createRng, type Rng } from '../sim/rng';
import { getScenario, type Scenario } from '../sim/scenarios';
import type { ServiceParams } from '../sim/service-params';
import type { TrafficPattern } from '../sim/traffic/patterns';
import type { TrainingEnv, TrainingStep } from './ppo';

/**
 * The autoscaling env as the trainer sees it: the simulator's AutoscaleEnv, observed through the
 * agent's own feature encoding (src/core/features.ts) so the trained model reads exactly what the
 * agent feeds it in production, with domain randomisation per episode so the policy does not
 * overfit one shape (Tobin et al. 2017):
 *
 * - traffic: diurnal (compressed day), spike, flash crowd, ramp, on/off bursts, k6-style stages,
 *   a diurnal + flash-crowd sum, or a window of a training trace; peak 100..1500 rps;
 * - pods: start-up 10..60 s (+ 0..15 s jitter), service time 30..80 ms, 2..8 workers per pod
 *   (capacity 25..267 rps per pod), arrival noise 0..10 %;
 * - faults: in 30 % of episodes the `faults` scenario's pod kills, node losses, noisy neighbours
 *   and latency injections.
 *
 * Evaluation traces (traces/eval-*) are never passed here.
 */
export interface AutoscaleTrainingOptions {
  /** training traces (already patterns), used in some episodes */
  readonly tracePatterns?: readonly TrafficPattern[];
  readonly maxSteps?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly sloP95Ms?: number;
  /** fixed service parameters instead of randomised ones (evaluation, tests) */
  readonly service?: Partial<ServiceParams>;
  readonly randomise?: boolean;
  /** reward weights (src/sim/reward.ts); default TRAINING_AUTOSCALE_WEIGHTS */
  readonly rewardWeights?: AutoscaleRewardWeights;
  /** what each output means (written to the card); default AUTOSCALE_MODEL_ACTIONS */
  readonly actions?: readonly AutoscaleCardAction[];
}

/**
 * The shipped autoscale model's outputs: keep 60, 75 or 90 % target utilisation
 * (src/core/policies/target-utilization.ts). Each output is a complete decision, so the policy only
 * learns how much headroom the moment needs: a small pool or a load near the SLO wants more, a large
 * steady one less (M/M/c queues with few servers wait longer at the same utilisation).
 */
export const AUTOSCALE_MODEL_ACTIONS: readonly AutoscaleCardAction[] = Object.freeze([
  { targetUtilization: 0.6 },
  { targetUtilization: 0.75 },
  { targetUtilization: 0.9 },
]);

/**
 * The first policy's prior (added to its output biases): 75 % with probability e²/(e² + 2) ≈ 0.79,
 * a sane default that keeps the first checkpoints confident (≥ the agent's minConfidence 0.5, so
 * they decide instead of mixing with the HPA fallback); PPO learns when to keep more or less.
 */
export const AUTOSCALE_INITIAL_LOGITS: readonly number[] = Object.freeze([0, 2, 0]);

/**
 * The simulator's reward with pod cost weighted up from 0.3 to 2: running every pod then costs as
 * much as two SLO-violating steps, so the saving of a higher target utilisation is visible to the
 * policy gradient, while checkpoint selection (src/train/autoscale-validation.ts) still refuses any
 * checkpoint that violates the SLO more than the HPA. Any violation (≥ 1 + overshoot) still
 * outweighs one pod (2/maxReplicas).
 */
export const TRAINING_AUTOSCALE_WEIGHTS: AutoscaleRewardWeights = Object.freeze({
  slo: 1,
  cost: 2,
  churn: 0.05,
});

export const AUTOSCALE_TRAINING_DEFAULTS = Object.freeze({
  maxSteps: 240,
  minReplicas: 1,
  maxReplicas: 30,
  sloP95Ms: 250,
  sloErrorRate: 0.01,
});

/**
 * The simulator's default service as `maestro eval` runs it (30 s start-up, no jitter, no arrival
 * noise beyond Poisson): the second half of autoscale checkpoint validation.
 */
export const REFERENCE_SERVICE: Partial<ServiceParams> = Object.freeze({
  startupSeconds: 30,
  startupJitterSeconds: 0,
  arrivalNoiseSigma: 0,
});

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** One random traffic shape; rates in rps, times in s. */
export function randomPattern(rng: Rng, traces: readonly TrafficPattern[] = []): TrafficPattern {
  const peak = between(rng, 100, 1500);
  const base = peak * between(rng, 0.1, 0.5);
  const pick = rng.int(0, traces.length > 0 ? 7 : 6);
  switch (pick) {
    case 0:
      return {
        kind: 'diurnal',
        baseRps: (peak + base) / 2,
        amplitudeRps: (peak - base) / 2,
        periodSeconds: between(rng, 1800, 14400),
        troughAtSeconds: between(rng, 0, 3600),
      };
    case 1:
      return {
        kind: 'spike',
        baseRps: base,
        peakRps: peak,
        atSeconds: between(rng, 300, 2400),
        durationSeconds: between(rng, 120, 1200),
        riseSeconds: between(rng, 5, 300),
      };
    case 2:
      return {
        kind: 'flash-crowd',
        baseRps: base,
        peakRps: peak,
        atSeconds: between(rng, 300, 2400),
        riseSeconds: between(rng, 5, 60),
        halfLifeSeconds: between(rng, 60, 900),
      };
    case 3:
      return rng.next() < 0.5
        ? { kind: 'ramp', fromRps: base, toRps: peak, durationSeconds: between(rng, 600, 3600) }
        : { kind: 'ramp', fromRps: peak, toRps: base, durationSeconds: between(rng, 600, 3600) };
    case 4:
      return {
        kind: 'on-off',
        lowRps: base,
        highRps: peak,
        onSeconds: between(rng, 120, 900),
        offSeconds: between(rng, 120, 900),
      };
    case 5: {
      const stages = Array.from({ length: rng.int(3, 6) }, () => ({
        durationSeconds: between(rng, 120, 900),
        targetRps: between(rng, base, peak),
      }));
      return { kind: 'stages', startRps: base, stages };
    }
    case 6:
      return {
        kind: 'sum',
        parts: [
          {
            kind: 'diurnal',
            baseRps: (peak + base) / 3,
            amplitudeRps: (peak - base) / 4,
            periodSeconds: between(rng, 3600, 14400),
          },
          {
            kind: 'flash-crowd',
            baseRps: 0,
            peakRps: peak / 2,
            atSeconds: between(rng, 300, 3000),
            halfLifeSeconds: between(rng, 60, 600),
          },
        ],
      };
    default: {
      const t = traces[rng.int(0, traces.length - 1)]!;
      if (t.kind !== 'trace') return t;
      const max = t.rps.reduce((m, r) => Math.max(m, r), 0) || 1;
      const scale = peak / max;
      return {
        kind: 'shifted',
        offsetSeconds: Math.floor(rng.next() * t.rps.length) * t.stepSeconds,
        inner: { ...t, rps: t.rps.map((r) => r * scale) },
      };
    }
  }
}

export function randomService(rng: Rng): Partial<ServiceParams> {
  return {
    startupSeconds: between(rng, 10, 60),
    startupJitterSeconds: between(rng, 0, 15),
    serviceTimeMs: between(rng, 30, 80),
    workersPerPod: rng.int(2, 8),
    arrivalNoiseSigma: between(rng, 0, 0.1),
  };
}

export class AutoscaleTrainingEnv implements TrainingEnv {
  readonly obsSize = featureCard('autoscale').inputLength;
  readonly actionCount: number;
  readonly cardActions: readonly AutoscaleCardAction[];
  private readonly modelActions: readonly ModelAction[];
  private env: AutoscaleEnv | undefined;
  private readonly ctx: FeatureContext;
  private coreObs: Observation | undefined;
  private memory: TargetUtilizationMemory = {};
  /** the last step's simulator info (pods existing, SLO violated) */
  info: AutoscaleInfo | undefined;

  constructor(private readonly o: AutoscaleTrainingOptions = {}) {
    this.cardActions = o.actions ?? AUTOSCALE_MODEL_ACTIONS;
    this.modelActions = this.cardActions.map(modelActionOf);
    this.actionCount = this.cardActions.length;
    this.ctx = {
      minReplicas: o.minReplicas ?? AUTOSCALE_TRAINING_DEFAULTS.minReplicas,
      maxReplicas: o.maxReplicas ?? AUTOSCALE_TRAINING_DEFAULTS.maxReplicas,
      sloP95Ms: o.sloP95Ms ?? AUTOSCALE_TRAINING_DEFAULTS.sloP95Ms,
      sloErrorRate: AUTOSCALE_TRAINING_DEFAULTS.sloErrorRate,
    };
  }

  reset(seed: number): Float64Array {
    const rng = createRng(`autoscale-dr:${seed}`);
    const randomise = this.o.randomise ?? true;
    const faults: FaultRates = randomise && rng.next() < 0.3 ? getScenario('faults').faults : NO_FAULTS;
    const pattern = randomPattern(rng, this.o.tracePatterns);
    const scenario: Scenario = { ...getScenario('steady'), pattern, faults };
    this.env = new AutoscaleEnv({
      scenario,
      service: { ...(randomise ? randomService(rng) : {}), ...this.o.service },
      maxSteps: this.o.maxSteps ?? AUTOSCALE_TRAINING_DEFAULTS.maxSteps,
      minReplicas: this.ctx.minReplicas,
      maxReplicas: this.ctx.maxReplicas,
      sloP95Ms: this.ctx.sloP95Ms,
      sloErrorRate: this.ctx.sloErrorRate,
      rewardWeights: this.o.rewardWeights ?? TRAINING_AUTOSCALE_WEIGHTS,
    });
    this.env.reset({ seed });
    this.memory = {};
    this.info = undefined;
    return this.observe();
  }

  /** The replica change output `action` stands for now (as the agent's model policy resolves it). */
  deltaFor(action: number): number {
    const m = this.modelActions[action];
    if (!m)
      throw new RangeError(`action ${action} is not an index into the ${this.actionCount} card actions`);
    const r = resolveModelAction(m, this.coreObs!, this.ctx, this.memory);
    // no data for a target: hold, as the agent's fallback would on missing data
    if ('error' in r || isNoop(r.action) || r.action.type !== 'replicas') return 0;
    return r.action.delta;
  }

  step(action: number): TrainingStep {
    return this.stepReplicas(this.deltaFor(action));
  }

  /** A step with any replica change (validation runs the HPA baseline through this). */
  stepReplicas(delta: number): TrainingStep {
    const r = this.env!.stepDelta(delta);
    this.info = r.info;
    return { obs: this.observe(), reward: r.reward, terminated: r.terminated, truncated: r.truncated };
  }

  /** The current observation as the agent sees it. */
  get observation(): Observation {
    return this.coreObs!;
  }

  /** The agent's context for this env (bounds and SLO). */
  get context(): FeatureContext {
    return this.ctx;
  }

  private observe(): Float64Array {
    this.coreObs = this.env!.toCoreObservation();
    this.memory = rememberCapacity(this.memory, this.coreObs);
    return Float64Array.from(encodeFeatures(this.coreObs, this.ctx, 'autoscale').input);
  }
}
