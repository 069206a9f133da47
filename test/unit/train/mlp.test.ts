import { createRng } from '../../../src/sim/rng';
import { backward, forward, initParameters, outputOf, parameterCount } from '../../../src/train/mlp';
import { gae, ppoLoss, type PpoLossInput } from '../../../src/train/ppo-loss';

/** Central finite differences of a scalar function of the parameters. */
function numericGrad(f: (p: Float64Array) => number, p: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const keep = p[i]!;
    p[i] = keep + h;
    const up = f(p);
    p[i] = keep - h;
    const down = f(p);
    p[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function maxRelError(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(a[i]!) + Math.abs(b[i]!)));
  }
  return m;
}

describe('MLP', () => {
  const rng = createRng(7);
  const shape = { sizes: [5, 7, 6, 3] };
  const params = initParameters(shape, () => rng.next(), 1);
  const batch = 4;
  const x = Float64Array.from({ length: batch * 5 }, () => rng.normal());
  const weights = Float64Array.from({ length: batch * 3 }, () => rng.normal());
  // loss = Σ weights · output: its gradient wrt the output is `weights`
  const loss = (p: Float64Array) => {
    const y = outputOf(forward(shape, p, x, batch));
    return y.reduce((s, v, i) => s + v * weights[i]!, 0);
  };

  it('has the parameter count of its layers', () => {
    expect(parameterCount(shape)).toBe(5 * 7 + 7 + 7 * 6 + 6 + 6 * 3 + 3);
  });

  it('backward matches finite differences', () => {
    const grad = new Float64Array(params.length);
    backward(shape, params, forward(shape, params, x, batch), weights, grad);
    const numeric = numericGrad(loss, Float64Array.from(params));
    expect(maxRelError(grad, numeric)).toBeLessThan(1e-5);
  });

  it('a wrong gradient fails the same check (the check can fail)', () => {
    const grad = new Float64Array(params.length);
    backward(shape, params, forward(shape, params, x, batch), weights, grad);
    grad[3]! *= 1.01;
    expect(maxRelError(grad, numericGrad(loss, Float64Array.from(params)))).toBeGreaterThan(1e-4);
  });

  it('is deterministic', () => {
    expect(outputOf(forward(shape, params, x, batch))).toEqual(outputOf(forward(shape, params, x, batch)));
  });
});

describe('PPO loss', () => {
  const rng = createRng(11);
  const B = 6;
  const K = 4;
  const base = (): PpoLossInput => ({
    batch: B,
    actionCount: K,
    logits: Float64Array.from({ length: B * K }, () => rng.normal()),
    values: Float64Array.from({ length: B }, () => rng.normal()),
    actions: Int32Array.from({ length: B }, () => rng.int(0, K - 1)),
    oldLogProbs: Float64Array.from({ length: B }, () => Math.log(0.1 + 0.3 * rng.next())),
    advantages: Float64Array.from({ length: B }, () => rng.normal()),
    returns: Float64Array.from({ length: B }, () => rng.normal()),
    clipRange: 0.2,
    entropyCoef: 0.05,
    valueCoef: 0.5,
  });

  it('dLogits and dValues match finite differences of the total loss', () => {
    const input = base();
    const out = ppoLoss(input);
    const numLogits = numericGrad(
      (l) => ppoLoss({ ...input, logits: l }).loss,
      Float64Array.from(input.logits),
    );
    const numValues = numericGrad(
      (v) => ppoLoss({ ...input, values: v }).loss,
      Float64Array.from(input.values),
    );
    expect(maxRelError(out.dLogits, numLogits)).toBeLessThan(1e-5);
    expect(maxRelError(out.dValues, numValues)).toBeLessThan(1e-5);
  });

  it('clipped samples contribute no policy gradient', () => {
    const input = base();
    // ratio e^2 ≫ 1 + ε with positive advantage: the clipped term is the minimum
    const oldLogProbs = new Float64Array(B).fill(-50);
    const advantages = new Float64Array(B).fill(1);
    const out = ppoLoss({ ...input, oldLogProbs, advantages, entropyCoef: 0 });
    expect(Array.from(out.dLogits).every((g) => g === 0)).toBe(true);
    expect(out.clipFraction).toBe(1);
  });
});

describe('GAE', () => {
  it('with λ = 1 and γ = 1 the returns are the reward-to-go within an episode', () => {
    const r = Float64Array.from([1, 2, 3, 4]);
    const v = new Float64Array(4);
    const dones = Uint8Array.from([0, 1, 0, 0]);
    const { returns } = gae(r, v, dones, 10, 1, 1);
    expect(Array.from(returns)).toEqual([3, 2, 17, 14]);
  });
});
