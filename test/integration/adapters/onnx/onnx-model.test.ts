/**
 * @jest-environment ./test/integration/adapters/onnx/native-typed-arrays-environment.js
 */
/**
 * The exported model run by the real onnxruntime-node: equal to the trainer's forward pass, refused
 * at load when it does not match its card or this build's features, and decided around by the
 * fallback rules.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardPathFor } from '../../../../src/adapters/onnx/model-card';
import { loadOnnxModel, toProbs } from '../../../../src/adapters/onnx/onnx-model';
import { onnxPolicyFactory, onnxPolicyFromModel } from '../../../../src/adapters/onnx/onnx-policy';
import { encodeFeatures, featureCard } from '../../../../src/core/features';
import { createPolicy } from '../../../../src/core/policies/policy-registry';
import { rememberCapacity, targetUtilizationAction } from '../../../../src/core/policies/target-utilization';
import { AutoscaleEnv } from '../../../../src/sim/env/autoscale-env';
import { createRng } from '../../../../src/sim/rng';
import { forward, outputOf } from '../../../../src/train/mlp';
import { exportActorCriticOnnx } from '../../../../src/train/onnx-export';
import { createActorCritic, type ActorCritic } from '../../../../src/train/ppo';
import { cardActionsFor } from '../../../../src/train/training-kinds';

const F = featureCard('autoscale').inputLength;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-onnx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function card(sha256: string, overrides: Record<string, unknown> = {}) {
  const fc = featureCard('autoscale');
  return {
    cardVersion: 1,
    name: 'test',
    kind: 'autoscale',
    model: { file: 'm.onnx', sha256 },
    input: {
      name: 'obs',
      shape: ['batch', fc.inputLength],
      featureVersion: fc.featureVersion,
      featureSet: 'autoscale',
      features: fc.features,
      layout: 'values then mask',
    },
    output: { name: 'logits', kind: 'logits', valueName: 'value' },
    actions: cardActionsFor('autoscale'),
    training: { producer: 'test', command: 'jest' },
    evaluation: {},
    ...overrides,
  };
}

function write(
  name: string,
  model: ActorCritic,
  cardOverrides: Record<string, unknown> = {},
  bytes?: Uint8Array,
) {
  const b = bytes ?? exportActorCriticOnnx(model);
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, b);
  const sha = createHash('sha256').update(b).digest('hex');
  writeFileSync(cardPathFor(path), JSON.stringify(card(sha, cardOverrides)));
  return path;
}

function model(inputs = F, seed = 1, hidden = [16, 16]): ActorCritic {
  const m = createActorCritic(inputs, 6, hidden, createRng(seed));
  // larger weights than the near-uniform init, so the comparison exercises real numbers
  const r = createRng(seed + 1);
  for (let i = 0; i < m.policy.length; i++) m.policy[i] = r.normal() * 0.5;
  return m;
}

describe('ONNX export + onnxruntime-node', () => {
  it('the exported model equals the in-process forward pass within 1e-5 on random inputs', async () => {
    const m = model();
    const loaded = await loadOnnxModel(write('equal', m));
    try {
      const rng = createRng(9);
      const batch = 32;
      const x = Float32Array.from({ length: batch * F }, () => rng.next() * 3);
      const ours = outputOf(forward(m.policyShape, m.policy, Float64Array.from(x), batch));
      const expected = toProbs(ours, batch, 6, 'logits');
      const { probs } = await loaded.run(x, batch);
      let maxDiff = 0;
      for (let i = 0; i < probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i]! - expected[i]!));
      expect(maxDiff).toBeLessThan(1e-5);
      expect(loaded.modelHash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await loaded.close();
    }
  });

  it('refuses a model with the wrong input width, naming expected and actual shape', async () => {
    const path = write('narrow', model(F - 2));
    await expect(loadOnnxModel(path)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/has shape \[batch, 24\], expected \[batch, 26\]/),
    });
  });

  it('refuses a card whose width differs from the feature encoding', async () => {
    const path = write('cardwidth', model(), {
      input: { ...card('0'.repeat(64)).input, shape: ['batch', 30] },
    });
    await expect(loadOnnxModel(path)).rejects.toThrow(/card input width 30 does not match the 26 features/);
  });

  it('refuses a model whose bytes differ from the card (sha256)', async () => {
    const path = write('tampered', model());
    writeFileSync(path, exportActorCriticOnnx(model(F, 2)));
    await expect(loadOnnxModel(path)).rejects.toThrow(/does not match the card's/);
  });

  it('refuses an invalid card with the field path', async () => {
    const path = write('badcard', model(), { actions: [] });
    await expect(loadOnnxModel(path)).rejects.toThrow(/invalid model card: actions:/);
  });

  it('refuses a missing card and a file that is not ONNX', async () => {
    await expect(loadOnnxModel(join(dir, 'absent.onnx'))).rejects.toThrow(/cannot read the model card/);
    const path = write('garbage', model(), {}, Buffer.from('not a model'));
    await expect(loadOnnxModel(path)).rejects.toThrow(/onnxruntime cannot load the model/);
  });

  it('accepts an SB3-style export: input "input", output of action indices', async () => {
    // the same graph renamed as SB3's export script names it; outputs logits → card says logits
    const m = model();
    const bytes = exportActorCriticOnnx(m, { inputName: 'input', includeValue: false });
    const path = write('sb3', m, { input: { ...card('0'.repeat(64)).input, name: 'input' } }, bytes);
    const loaded = await loadOnnxModel(path);
    try {
      const { probs } = await loaded.run(new Float32Array(F), 1);
      expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    } finally {
      await loaded.close();
    }
    expect(Array.from(toProbs(BigInt64Array.from([2n]), 1, 6, 'actions'))).toEqual([0, 0, 1, 0, 0, 0]);
  });
});

describe('onnx policy in the simulator', () => {
  const env = new AutoscaleEnv({ scenario: 'diurnal-fast' });
  env.reset({ seed: 1 });
  const obs = env.toCoreObservation();
  const ctx = { nowMs: obs.at, minReplicas: 1, maxReplicas: 30, sloP95Ms: 250, sloErrorRate: 0.01 };

  it('a confident model decides; the decision names the model and its hash', async () => {
    const m = model();
    // make action 3 (+1 replica) dominate whatever the input
    const last = m.policy.length - 6;
    m.policy[last + 3] = 50;
    const loaded = await loadOnnxModel(write('confident', m));
    try {
      const p = onnxPolicyFromModel(loaded, { fallback: createPolicy('hpa'), now: () => 0 });
      const out = await p.decide(obs, ctx);
      expect(out.action).toEqual({ type: 'replicas', delta: 1 });
      expect(out.ref).toEqual({ name: `onnx:${loaded.path}`, modelHash: loaded.modelHash });
    } finally {
      await loaded.close();
    }
  });

  it('an unsure model (max probability < minConfidence) falls back to hpa and says so', async () => {
    const m = createActorCritic(F, 6, [16], createRng(3)); // near-uniform: max p ≈ 1/6
    const loaded = await loadOnnxModel(write('unsure', m));
    try {
      const p = onnxPolicyFromModel(loaded, {
        fallback: createPolicy('hpa'),
        now: () => 0,
        minConfidence: 0.5,
      });
      const out = await p.decide(obs, ctx);
      expect(out.ref?.fallback?.reason).toMatch(/confidence 0\.1\d below minConfidence 0\.5/);
      expect(out.ref?.name).toBe('hpa');
    } finally {
      await loaded.close();
    }
  });

  it('a model over its latency budget falls back (clock injected)', async () => {
    const loaded = await loadOnnxModel(write('slow', model()));
    try {
      let t = 0;
      const p = onnxPolicyFromModel(loaded, {
        fallback: createPolicy('hpa'),
        now: () => (t += 80),
        minConfidence: 0,
        latencyBudgetMs: 50,
      });
      const out = await p.decide(obs, ctx);
      expect(out.ref?.fallback?.reason).toBe('inference took 80.0 ms, over the 50 ms budget');
    } finally {
      await loaded.close();
    }
  });

  it('a model that fails to load falls back on every decision, with the load error as reason', async () => {
    const path = write('narrow2', model(F - 2));
    const p = onnxPolicyFactory({ fallback: createPolicy('hpa'), now: () => 0 })(path);
    const out = await p.decide(obs, ctx);
    expect(out.ref?.fallback?.from).toBe(`onnx:${path}`);
    expect(out.ref?.fallback?.reason).toMatch(/model not loaded: .*expected \[batch, 26\]/);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});

describe('target-utilisation cards', () => {
  const env = new AutoscaleEnv({ scenario: 'spike' });
  env.reset({ seed: 1 });
  const obs = env.toCoreObservation();
  const ctx = { nowMs: obs.at, minReplicas: 1, maxReplicas: 30, sloP95Ms: 250, sloErrorRate: 0.01 };
  const actions = [{ delta: 0 }, { targetUtilization: 0.5 }, { targetUtilization: 0.9 }];

  it('a confident pick of 50 % becomes the replica change that target asks for', async () => {
    const m = createActorCritic(F, 3, [16], createRng(4));
    m.policy[m.policy.length - 3 + 1] = 50; // output 1 (50 %) dominates
    const loaded = await loadOnnxModel(write('target', m, { actions }));
    try {
      const p = onnxPolicyFromModel(loaded, { fallback: createPolicy('hpa'), now: () => 0 });
      const out = await p.decide(obs, ctx);
      const expected = targetUtilizationAction(0.5, obs, ctx, rememberCapacity(undefined, obs));
      expect('action' in expected && out.action).toEqual('action' in expected && expected.action);
      expect(out.action).toMatchObject({ type: 'replicas' });
      expect(out.ref).toEqual({ name: `onnx:${loaded.path}`, modelHash: loaded.modelHash });
    } finally {
      await loaded.close();
    }
  });

  it('refuses a target utilisation outside (0, 1] with the field path', async () => {
    const path = write('badtarget', model(), { actions: [{ delta: 0 }, { targetUtilization: 1.5 }] });
    await expect(loadOnnxModel(path)).rejects.toThrow(/invalid model card: actions\.1/);
  });

  it('the shipped policies/autoscale.onnx loads against its card and decides with a target utilisation', async () => {
    const loaded = await loadOnnxModel(join(__dirname, '../../../../policies/autoscale.onnx'));
    try {
      expect(loaded.card.actions.some((a) => 'targetUtilization' in a)).toBe(true);
      const { probs } = await loaded.run(encodeFeatures(obs, ctx, 'autoscale').input, 1);
      expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    } finally {
      await loaded.close();
    }
  });
});
