import { createRng } from '../../../src/sim/rng';
import { exportActorCriticOnnx } from '../../../src/train/onnx-export';
import {
  DEFAULT_PPO,
  policyProbs,
  trainPpo,
  type TrainingEnv,
  type TrainingStep,
} from '../../../src/train/ppo';

/**
 * A contextual bandit: the observation is a one-hot of the "right" action out of 3; reward 1 for
 * choosing it, 0 otherwise; one step per episode. A uniform policy earns 1/3.
 */
class ContextualBandit implements TrainingEnv {
  readonly obsSize = 3;
  readonly actionCount = 3;
  private right = 0;
  private rng = createRng(0);
  reset(seed: number): Float64Array {
    this.rng = createRng(seed);
    this.right = this.rng.int(0, 2);
    return this.obs();
  }
  step(action: number): TrainingStep {
    return { obs: this.obs(), reward: action === this.right ? 1 : 0, terminated: true, truncated: false };
  }
  private obs(): Float64Array {
    const o = new Float64Array(3);
    o[this.right] = 1;
    return o;
  }
}

/**
 * A corridor of 6 cells: start at 0, actions left/right, reward 1 at the right end, −0.01 per step,
 * truncated after 20 steps. Needs credit assignment over several steps (GAE).
 */
class Corridor implements TrainingEnv {
  readonly obsSize = 6;
  readonly actionCount = 2;
  private pos = 0;
  private t = 0;
  reset(): Float64Array {
    this.pos = 0;
    this.t = 0;
    return this.obs();
  }
  step(action: number): TrainingStep {
    this.pos = Math.max(0, Math.min(5, this.pos + (action === 1 ? 1 : -1)));
    this.t++;
    const done = this.pos === 5;
    return { obs: this.obs(), reward: done ? 1 : -0.01, terminated: done, truncated: !done && this.t >= 20 };
  }
  private obs(): Float64Array {
    const o = new Float64Array(6);
    o[this.pos] = 1;
    return o;
  }
}

const small = { ...DEFAULT_PPO, nSteps: 256, batchSize: 64, epochs: 4, hidden: [16], learningRate: 3e-3 };

function oneHot(i: number, n: number): Float64Array {
  const o = new Float64Array(n);
  o[i] = 1;
  return o;
}

describe('PPO', () => {
  it('learns a contextual bandit', async () => {
    const m = await trainPpo(new ContextualBandit(), { ...small, seed: 1, totalSteps: 4096 });
    for (let k = 0; k < 3; k++) expect(policyProbs(m, oneHot(k, 3))[k]).toBeGreaterThan(0.9);
  });

  it('does not learn with a zero learning rate (the test above can fail)', async () => {
    const m = await trainPpo(new ContextualBandit(), {
      ...small,
      seed: 1,
      totalSteps: 2048,
      learningRate: 0,
    });
    for (let k = 0; k < 3; k++) expect(policyProbs(m, oneHot(k, 3))[k]).toBeLessThan(0.5);
  });

  it('initialLogits set the first policy (zero learning rate: the prior is all there is)', async () => {
    const m = await trainPpo(new ContextualBandit(), {
      ...small,
      seed: 1,
      totalSteps: 256,
      learningRate: 0,
      initialLogits: [0, 2, 0],
    });
    // the untrained head outputs ≈ 0, so p(1) ≈ e² / (e² + 2) ≈ 0.79 whatever the input
    for (let k = 0; k < 3; k++) expect(policyProbs(m, oneHot(k, 3))[1]).toBeCloseTo(0.787, 1);
  });

  it('learns against a wrong prior (the bandit still wants its one-hot action)', async () => {
    const m = await trainPpo(new ContextualBandit(), {
      ...small,
      seed: 1,
      totalSteps: 4096,
      initialLogits: [0, 2, 0],
    });
    for (let k = 0; k < 3; k++) expect(policyProbs(m, oneHot(k, 3))[k]).toBeGreaterThan(0.8);
  });

  it('learns to walk a corridor (multi-step credit assignment)', async () => {
    const m = await trainPpo(new Corridor(), { ...small, seed: 2, totalSteps: 8192, gamma: 0.95 });
    for (let pos = 0; pos < 5; pos++) expect(policyProbs(m, oneHot(pos, 6))[1]).toBeGreaterThan(0.8);
  });

  it('same seed → identical model bytes; another seed → different', async () => {
    const cfg = { ...small, totalSteps: 512 };
    const a = exportActorCriticOnnx(await trainPpo(new Corridor(), { ...cfg, seed: 5 }));
    const b = exportActorCriticOnnx(await trainPpo(new Corridor(), { ...cfg, seed: 5 }));
    const c = exportActorCriticOnnx(await trainPpo(new Corridor(), { ...cfg, seed: 6 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });
});
