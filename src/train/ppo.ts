import { createRng, type Rng } from '../sim/rng';
import { Adam } from './adam';
import {
  backward,
  forward,
  initParameters,
  layerViews,
  outputOf,
  parameterCount,
  type MlpShape,
} from './mlp';
import { gae, logSoftmaxRow, ppoLoss } from './ppo-loss';

/**
 * Proximal Policy Optimisation (clipped objective) for a discrete action space, single-threaded and
 * seeded: the same seed and config give the same parameters bit for bit. Actor and critic are two
 * separate tanh MLPs (SB3's MlpPolicy default for PPO); defaults follow SB3's PPO defaults
 * (https://stable-baselines3.readthedocs.io/en/master/modules/ppo.html) where they fit a small env.
 */
export interface TrainingEnv {
  readonly obsSize: number;
  readonly actionCount: number;
  /** starts an episode; returns the first observation (the model input) */
  reset(seed: number): Float64Array | Promise<Float64Array>;
  step(action: number): TrainingStep | Promise<TrainingStep>;
}

export interface TrainingStep {
  readonly obs: Float64Array;
  readonly reward: number;
  /** the episode really ended (no bootstrap) */
  readonly terminated: boolean;
  /** cut off by a time limit (bootstrapped with V of the last observation) */
  readonly truncated: boolean;
}

export interface PpoConfig {
  readonly seed: number;
  readonly totalSteps: number;
  /** env steps per rollout (SB3: 2048) */
  readonly nSteps: number;
  /** minibatch size (SB3: 64) */
  readonly batchSize: number;
  /** passes over each rollout (SB3: 10) */
  readonly epochs: number;
  readonly gamma: number;
  /** GAE λ (SB3: 0.95) */
  readonly lambda: number;
  /** ε (SB3: 0.2) */
  readonly clipRange: number;
  readonly entropyCoef: number;
  /** SB3: 0.5 */
  readonly valueCoef: number;
  /** Adam step size (SB3: 3e-4), decayed linearly to 0 over training when `annealLr` */
  readonly learningRate: number;
  readonly annealLr: boolean;
  readonly maxGradNorm: number;
  /** hidden layer widths of both networks (SB3: [64, 64]) */
  readonly hidden: readonly number[];
  /**
   * Optional prior for the first policy: added to the policy head's output biases (one per action),
   * e.g. to start from a safe default action instead of uniform; PPO then learns when to deviate.
   */
  readonly initialLogits?: readonly number[];
}

export const DEFAULT_PPO: Omit<PpoConfig, 'seed' | 'totalSteps'> = Object.freeze({
  nSteps: 2048,
  batchSize: 64,
  epochs: 10,
  gamma: 0.99,
  lambda: 0.95,
  clipRange: 0.2,
  entropyCoef: 0.0,
  valueCoef: 0.5,
  learningRate: 3e-4,
  annealLr: false,
  maxGradNorm: 0.5,
  hidden: [64, 64],
});

export interface ActorCritic {
  readonly policyShape: MlpShape;
  readonly policy: Float64Array;
  readonly valueShape: MlpShape;
  readonly value: Float64Array;
}

export interface UpdateStats {
  readonly steps: number;
  readonly updates: number;
  /** mean undiscounted return of the episodes finished in this rollout (NaN when none) */
  readonly meanEpisodeReturn: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly valueLoss: number;
  readonly clipFraction: number;
}

export interface PpoHooks {
  /** after each update; may be async (periodic evaluation, progress bar) */
  onUpdate?(stats: UpdateStats, model: ActorCritic): void | Promise<void>;
}

export function createActorCritic(obsSize: number, actionCount: number, hidden: readonly number[], rng: Rng) {
  const policyShape: MlpShape = { sizes: [obsSize, ...hidden, actionCount] };
  const valueShape: MlpShape = { sizes: [obsSize, ...hidden, 1] };
  const u = () => rng.next();
  return {
    policyShape,
    policy: initParameters(policyShape, u, 0.01),
    valueShape,
    value: initParameters(valueShape, u, 1),
  };
}

/** The action probabilities of the policy for one observation (softmax of the logits). */
export function policyProbs(model: ActorCritic, obs: Float64Array): Float64Array {
  const logits = outputOf(forward(model.policyShape, model.policy, obs, 1));
  const lp = new Float64Array(logits.length);
  logSoftmaxRow(logits, 0, logits.length, lp);
  return lp.map(Math.exp);
}

function sample(probs: Float64Array, u: number): number {
  let c = 0;
  for (let j = 0; j < probs.length; j++) {
    c += probs[j]!;
    if (u < c) return j;
  }
  return probs.length - 1;
}

export async function trainPpo(env: TrainingEnv, cfg: PpoConfig, hooks: PpoHooks = {}): Promise<ActorCritic> {
  const rng = createRng(cfg.seed);
  const model = createActorCritic(env.obsSize, env.actionCount, cfg.hidden, rng.fork());
  if (cfg.initialLogits) {
    const head = layerViews(model.policyShape).at(-1)!;
    cfg.initialLogits.forEach((b, j) => {
      if (j < head.outSize) model.policy[head.b + j]! += b;
    });
  }
  const actionRng = rng.fork();
  const seedRng = rng.fork();
  const shuffleRng = rng.fork();
  const nextSeed = () => Math.floor(seedRng.next() * 2 ** 31);
  const piAdam = new Adam(model.policy.length, {
    learningRate: cfg.learningRate,
    maxGradNorm: cfg.maxGradNorm,
  });
  const vfAdam = new Adam(model.value.length, {
    learningRate: cfg.learningRate,
    maxGradNorm: cfg.maxGradNorm,
  });
  const F = env.obsSize;
  const K = env.actionCount;
  const N = cfg.nSteps;
  const obsBuf = new Float64Array(N * F);
  const actions = new Int32Array(N);
  const logProbs = new Float64Array(N);
  const values = new Float64Array(N);
  const rewards = new Float64Array(N);
  const dones = new Uint8Array(N);
  let obs = await env.reset(nextSeed());
  let episodeReturn = 0;
  let steps = 0;
  let updates = 0;
  const totalUpdates = Math.max(1, Math.ceil(cfg.totalSteps / N));
  const lp = new Float64Array(K);
  const valueOf = (o: Float64Array) => outputOf(forward(model.valueShape, model.value, o, 1))[0]!;

  while (steps < cfg.totalSteps) {
    const finished: number[] = [];
    for (let t = 0; t < N; t++) {
      obsBuf.set(obs, t * F);
      const logits = outputOf(forward(model.policyShape, model.policy, obs, 1));
      logSoftmaxRow(logits, 0, K, lp);
      const a = sample(lp.map(Math.exp), actionRng.next());
      actions[t] = a;
      logProbs[t] = lp[a]!;
      values[t] = valueOf(obs);
      const r = await env.step(a);
      episodeReturn += r.reward;
      let reward = r.reward;
      // a time limit is not a real end: bootstrap with V(s') (SB3 does the same)
      if (r.truncated && !r.terminated) reward += cfg.gamma * valueOf(r.obs);
      rewards[t] = reward;
      dones[t] = r.terminated || r.truncated ? 1 : 0;
      if (dones[t]) {
        finished.push(episodeReturn);
        episodeReturn = 0;
        obs = await env.reset(nextSeed());
      } else obs = r.obs;
    }
    steps += N;
    const { advantages, returns } = gae(rewards, values, dones, valueOf(obs), cfg.gamma, cfg.lambda);
    const lr = cfg.annealLr ? cfg.learningRate * (1 - updates / totalUpdates) : cfg.learningRate;
    const stats = optimise(model, cfg, { obsBuf, actions, logProbs, advantages, returns }, N, F, K, lr, {
      shuffle: () => shuffleRng.next(),
      piAdam,
      vfAdam,
    });
    updates++;
    await hooks.onUpdate?.(
      {
        steps,
        updates,
        meanEpisodeReturn: finished.length ? finished.reduce((s, x) => s + x, 0) / finished.length : NaN,
        ...stats,
      },
      model,
    );
  }
  return model;
}

function optimise(
  model: ActorCritic,
  cfg: PpoConfig,
  buf: {
    obsBuf: Float64Array;
    actions: Int32Array;
    logProbs: Float64Array;
    advantages: Float64Array;
    returns: Float64Array;
  },
  N: number,
  F: number,
  K: number,
  lr: number,
  deps: { shuffle: () => number; piAdam: Adam; vfAdam: Adam },
) {
  const order = Int32Array.from({ length: N }, (_, i) => i);
  const B = Math.min(cfg.batchSize, N);
  const piGrad = new Float64Array(parameterCount(model.policyShape));
  const vfGrad = new Float64Array(parameterCount(model.valueShape));
  let entropy = 0;
  let approxKl = 0;
  let valueLoss = 0;
  let clipFraction = 0;
  let batches = 0;
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(deps.shuffle() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    for (let start = 0; start + B <= N; start += B) {
      const x = new Float64Array(B * F);
      const acts = new Int32Array(B);
      const oldLp = new Float64Array(B);
      const adv = new Float64Array(B);
      const ret = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        const idx = order[start + b]!;
        x.set(buf.obsBuf.subarray(idx * F, idx * F + F), b * F);
        acts[b] = buf.actions[idx]!;
        oldLp[b] = buf.logProbs[idx]!;
        adv[b] = buf.advantages[idx]!;
        ret[b] = buf.returns[idx]!;
      }
      // per-minibatch advantage normalisation (SB3 normalize_advantage=True)
      let mean = 0;
      for (let b = 0; b < B; b++) mean += adv[b]! / B;
      let v = 0;
      for (let b = 0; b < B; b++) v += (adv[b]! - mean) ** 2 / Math.max(1, B - 1);
      const sd = Math.sqrt(v) + 1e-8;
      for (let b = 0; b < B; b++) adv[b] = (adv[b]! - mean) / sd;
      const piCache = forward(model.policyShape, model.policy, x, B);
      const vfCache = forward(model.valueShape, model.value, x, B);
      const out = ppoLoss({
        batch: B,
        actionCount: K,
        logits: outputOf(piCache),
        values: outputOf(vfCache),
        actions: acts,
        oldLogProbs: oldLp,
        advantages: adv,
        returns: ret,
        clipRange: cfg.clipRange,
        entropyCoef: cfg.entropyCoef,
        valueCoef: cfg.valueCoef,
      });
      piGrad.fill(0);
      vfGrad.fill(0);
      backward(model.policyShape, model.policy, piCache, out.dLogits, piGrad);
      backward(model.valueShape, model.value, vfCache, out.dValues, vfGrad);
      deps.piAdam.step(model.policy, piGrad, lr);
      deps.vfAdam.step(model.value, vfGrad, lr);
      entropy += out.entropy;
      approxKl += out.approxKl;
      valueLoss += out.valueLoss;
      clipFraction += out.clipFraction;
      batches++;
    }
  }
  const d = Math.max(1, batches);
  return {
    entropy: entropy / d,
    approxKl: approxKl / d,
    valueLoss: valueLoss / d,
    clipFraction: clipFraction / d,
  };
}
