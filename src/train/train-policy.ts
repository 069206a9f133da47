import { createHash } from 'node:crypto';
import { featureCard } from '../core/features';
import {
  AUTOSCALE_INITIAL_LOGITS,
  AUTOSCALE_TRAINING_DEFAULTS,
  AutoscaleTrainingEnv,
  REFERENCE_SERVICE,
  TRAINING_AUTOSCALE_WEIGHTS,
} from './autoscale-training-env';
import {
  CANARY_MODEL_ANALYSIS,
  CANARY_MODEL_GATE,
  CanaryTrainingEnv,
  TRAINING_CANARY_WEIGHTS,
} from './canary-training-env';
import { exportActorCriticOnnx } from './onnx-export';
import {
  DEFAULT_PPO,
  trainPpo,
  type ActorCritic,
  type PpoConfig,
  type TrainingEnv,
  type UpdateStats,
} from './ppo';
import {
  CAPACITY_CPU_MAX,
  CAPACITY_CPU_MIN,
  SCALE_DOWN_WINDOW_SECONDS,
} from '../core/policies/target-utilization';
import { autoscaleValidator, VIOLATION_WEIGHT, type AutoscaleValidation } from './autoscale-validation';
import { cardActionsFor, type TrainingKind } from './training-kinds';
import { forward, outputOf } from './mlp';
import type { TrafficPattern } from '../sim/traffic/patterns';
import type { AutoscaleRewardWeights } from '../sim/reward';

/**
 * `maestro train`: PPO in the simulator, checkpoint selection on a fixed validation set drawn from
 * the training distribution (never from evaluation traces), ONNX export, and the model card.
 * Deterministic: everything random derives from `seed`, and the model bytes contain no time.
 */
export interface TrainRequest {
  readonly kind: TrainingKind;
  readonly steps: number;
  readonly seed: number;
  /** file name of the model, recorded in the card */
  readonly modelFile: string;
  /** the command line that reproduces this model (recorded in the card) */
  readonly command: string;
  /** evaluate on the validation set every this many PPO updates; default 5 */
  readonly evalEvery?: number;
  readonly ppo?: Partial<Omit<PpoConfig, 'seed' | 'totalSteps'>>;
  /** training traces for autoscale domain randomisation (train-* files only) */
  readonly tracePatterns?: readonly TrafficPattern[];
  /** autoscale reward weights; default TRAINING_AUTOSCALE_WEIGHTS (recorded in the card) */
  readonly rewardWeights?: AutoscaleRewardWeights;
}

export interface TrainProgress {
  readonly stats: UpdateStats;
  /** mean validation return of this checkpoint, when evaluated */
  readonly validationReturn?: number;
  readonly bestValidationReturn?: number;
}

export interface TrainOutcome {
  readonly model: ActorCritic;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** card without evaluation figures (the caller adds them) */
  readonly card: Record<string, unknown>;
}

/** PPO settings per kind, tuned on the training distribution only. */
export function ppoFor(kind: TrainingKind): Omit<PpoConfig, 'seed' | 'totalSteps'> {
  return kind === 'autoscale'
    ? {
        ...DEFAULT_PPO,
        gamma: 0.98,
        batchSize: 256,
        epochs: 5,
        learningRate: 1e-3,
        entropyCoef: 0.001,
        initialLogits: AUTOSCALE_INITIAL_LOGITS,
      }
    : { ...DEFAULT_PPO, nSteps: 512, gamma: 0.99, batchSize: 128, epochs: 5, entropyCoef: 0.001 };
}

function envFor(req: TrainRequest): TrainingEnv {
  return req.kind === 'autoscale'
    ? new AutoscaleTrainingEnv({
        ...(req.tracePatterns ? { tracePatterns: req.tracePatterns } : {}),
        ...(req.rewardWeights ? { rewardWeights: req.rewardWeights } : {}),
      })
    : new CanaryTrainingEnv();
}

/**
 * The confidence below which the agent's model policy falls back (config `targets[].minConfidence`
 * default); autoscale checkpoints are validated as the agent would run them.
 */
const AGENT_MIN_CONFIDENCE = 0.5;

function referenceValidationEnv(req: TrainRequest): AutoscaleTrainingEnv {
  return new AutoscaleTrainingEnv({
    ...(req.tracePatterns ? { tracePatterns: req.tracePatterns } : {}),
    ...(req.rewardWeights ? { rewardWeights: req.rewardWeights } : {}),
    randomise: false,
    service: REFERENCE_SERVICE,
  });
}

/** Greedy (argmax) return over fixed validation episodes, seeds disjoint from training's. */
export async function validationReturn(
  model: ActorCritic,
  env: TrainingEnv,
  episodes: number,
  seedBase: number,
): Promise<number> {
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = await env.reset(seedBase + e);
    for (let t = 0; t < 10_000; t++) {
      const logits = outputOf(forward(model.policyShape, model.policy, obs, 1));
      let a = 0;
      for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[a]!) a = j;
      const r = await env.step(a);
      total += r.reward;
      if (r.terminated || r.truncated) break;
      obs = r.obs;
    }
  }
  return total / episodes;
}

function clone(m: ActorCritic): ActorCritic {
  return { ...m, policy: Float64Array.from(m.policy), value: Float64Array.from(m.value) };
}

export async function trainPolicy(
  req: TrainRequest,
  onProgress: (p: TrainProgress) => void | Promise<void> = () => {},
): Promise<TrainOutcome> {
  const ppo: PpoConfig = { ...ppoFor(req.kind), ...req.ppo, seed: req.seed, totalSteps: req.steps };
  const env = envFor(req);
  const validationEnv = envFor(req);
  // validation seeds: far from the training stream's (which draws from [0, 2^31))
  const validationSeedBase = 2 ** 31 + 1000;
  const validationEpisodes = req.kind === 'autoscale' ? 32 : 40;
  const evalEvery = req.evalEvery ?? 5;
  // autoscale: pod-minutes subject to no more SLO-violation minutes than the HPA (the acceptance line)
  // on the training distribution and on the simulator's reference service (its defaults with
  // `maestro eval`'s 30 s start-up, no arrival noise, no faults), random traffic shapes in both
  const validateAutoscale =
    validationEnv instanceof AutoscaleTrainingEnv
      ? autoscaleValidator(
          [validationEnv, referenceValidationEnv(req)],
          validationEpisodes,
          validationSeedBase,
          AGENT_MIN_CONFIDENCE,
        )
      : undefined;
  let bestValidation: AutoscaleValidation | undefined;
  let best: { model: ActorCritic; score: number } | undefined;
  const totalUpdates = Math.ceil(req.steps / ppo.nSteps);
  const last = await trainPpo(env, ppo, {
    async onUpdate(stats, model) {
      let score: number | undefined;
      if (stats.updates % evalEvery === 0 || stats.updates === totalUpdates) {
        if (validateAutoscale) {
          const v = await validateAutoscale(model);
          score = v.score;
          if (!best || score > best.score) bestValidation = v;
        } else score = await validationReturn(model, validationEnv, validationEpisodes, validationSeedBase);
        if (!best || score > best.score) best = { model: clone(model), score };
      }
      await onProgress({
        stats,
        ...(score !== undefined ? { validationReturn: score } : {}),
        ...(best ? { bestValidationReturn: best.score } : {}),
      });
    },
  });
  const model = best?.model ?? last;
  const features = featureCard(req.kind);
  const bytes = exportActorCriticOnnx(model, {
    metadata: {
      featureVersion: String(features.featureVersion),
      featureSet: req.kind,
      seed: String(req.seed),
    },
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const card = {
    cardVersion: 1,
    name: req.kind,
    kind: req.kind,
    model: { file: req.modelFile, sha256 },
    input: {
      name: 'obs',
      shape: ['batch', features.inputLength],
      featureVersion: features.featureVersion,
      featureSet: features.set,
      features: features.features,
      layout: 'values of the features in this order, then their no-data mask (1 = no data, value 0)',
    },
    output: { name: 'logits', kind: 'logits', valueName: 'value' },
    actions: env instanceof AutoscaleTrainingEnv ? env.cardActions : cardActionsFor(req.kind),
    training: {
      producer: 'maestro-train (src/train, PPO)',
      command: req.command,
      seed: req.seed,
      steps: req.steps,
      algorithm: 'PPO, clipped objective, GAE, separate tanh MLP actor and critic, Adam',
      hyperparameters: {
        ...ppo,
        validationEpisodes,
        evalEvery,
        ...(bestValidation
          ? {
              selection: `validation pod-minutes, −${VIOLATION_WEIGHT} per SLO-violation minute above the HPA's in the same episode (${validationEpisodes} episodes each of the training distribution and the reference service), model run as the agent runs it (min confidence ${AGENT_MIN_CONFIDENCE}, hpa fallback)`,
              bestValidation,
            }
          : { bestValidationReturn: best?.score }),
      },
      environment:
        req.kind === 'autoscale'
          ? {
              env: 'AutoscaleEnv (src/sim/env), domain-randomised (src/train/autoscale-training-env.ts)',
              ...AUTOSCALE_TRAINING_DEFAULTS,
              stepSeconds: 15,
              rewardWeights: req.rewardWeights ?? TRAINING_AUTOSCALE_WEIGHTS,
              actionMapping: {
                source: 'src/core/policies/target-utilization.ts',
                desired: 'ceil(max(ready × cpu, rps / capacityPerPod) / targetUtilization)',
                capacityCpuBand: [CAPACITY_CPU_MIN, CAPACITY_CPU_MAX],
                scaleDownWindowSeconds: SCALE_DOWN_WINDOW_SECONDS,
                startingPodsKept: true,
              },
              referenceService: REFERENCE_SERVICE,
            }
          : {
              env: 'CanaryEnv (src/sim/env), domain-randomised (src/train/canary-training-env.ts)',
              analysis: CANARY_MODEL_ANALYSIS,
              rewardWeights: TRAINING_CANARY_WEIGHTS,
            },
      reward:
        req.kind === 'autoscale'
          ? 'src/sim/reward.ts autoscaleReward: −(slo·sloPenalty + cost·replicas/maxReplicas + churn·|delta|/4); actions: src/core/policies/target-utilization.ts'
          : 'src/sim/reward.ts canaryReward: −time per tick, −errors × canary error share, ±outcome',
    },
    ...(req.kind === 'canary' ? { evidenceGate: { ...CANARY_MODEL_GATE } } : {}),
    evaluation: {},
  };
  return { model, bytes, sha256, card };
}
