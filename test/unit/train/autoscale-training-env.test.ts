import { createModelPolicy } from '../../../src/core/policies/onnx-fallback';
import { createPolicy } from '../../../src/core/policies/policy-registry';
import { modelActionOf } from '../../../src/core/policies/target-utilization';
import type { ModelRunner } from '../../../src/core/ports';
import {
  AUTOSCALE_MODEL_ACTIONS,
  AutoscaleTrainingEnv,
  REFERENCE_SERVICE,
} from '../../../src/train/autoscale-training-env';
import { autoscaleValidator } from '../../../src/train/autoscale-validation';
import { createActorCritic } from '../../../src/train/ppo';
import { createRng } from '../../../src/sim/rng';

/** A runner that always answers output `index` with probability 1. */
function always(index: number, count: number): ModelRunner {
  return {
    inputLength: 26,
    actionCount: count,
    modelHash: 'a'.repeat(64),
    run: () =>
      Promise.resolve({ probs: Float32Array.from({ length: count }, (_, j) => (j === index ? 1 : 0)) }),
  };
}

describe('AutoscaleTrainingEnv', () => {
  it('one output per card action; the same seed replays the same episode', () => {
    const a = new AutoscaleTrainingEnv();
    const b = new AutoscaleTrainingEnv();
    expect(a.actionCount).toBe(AUTOSCALE_MODEL_ACTIONS.length);
    expect(Array.from(a.reset(7))).toEqual(Array.from(b.reset(7)));
    for (let t = 0; t < 30; t++) {
      const ra = a.step(t % a.actionCount);
      const rb = b.step(t % b.actionCount);
      expect(ra.reward).toBe(rb.reward);
      expect(Array.from(ra.obs)).toEqual(Array.from(rb.obs));
    }
  });

  it('an output moves the replicas exactly as the agent’s model policy resolves it', async () => {
    const env = new AutoscaleTrainingEnv({ randomise: false, service: REFERENCE_SERVICE });
    env.reset(3);
    const actions = AUTOSCALE_MODEL_ACTIONS.map(modelActionOf);
    let index = 0;
    const policy = createModelPolicy({
      name: 'onnx:test',
      featureSet: 'autoscale',
      actions: actions.map(() => ({ type: 'hold' as const })),
      modelActions: actions,
      runner: () =>
        Promise.resolve({
          ...always(0, actions.length),
          run: () => always(index, actions.length).run(new Float32Array(26), 1),
        }),
      fallback: createPolicy('hpa'),
      now: () => 0,
    });
    let state: unknown;
    let moved = 0;
    for (let t = 0; t < 120; t++) {
      index = [0, 2, 1, 2, 2, 0][t % 6]!;
      const obs = env.observation;
      const out = await policy.decide(obs, { ...env.context, nowMs: obs.at, state });
      state = out.state;
      const expected = out.action.type === 'replicas' ? out.action.delta : 0;
      expect(env.deltaFor(index)).toBe(expected);
      env.step(index);
      expect(env.info?.applied).toBe(expected);
      if (expected !== 0) moved++;
    }
    expect(moved).toBeGreaterThan(5);
  });
});

describe('autoscaleValidator', () => {
  it('scores a model against the HPA on the same episodes, as the agent would run it', async () => {
    const env = new AutoscaleTrainingEnv({ randomise: false, service: REFERENCE_SERVICE, maxSteps: 40 });
    const m = createActorCritic(env.obsSize, env.actionCount, [8], createRng(1));
    const validate = autoscaleValidator([env], 2, 100, 0.5);
    // near-uniform over 3 outputs: never confident, so the HPA decides everything → equal figures
    const unsure = await validate(m);
    expect(unsure.fallbackFraction).toBe(1);
    expect(unsure.podMinutes).toBe(unsure.hpaPodMinutes);
    expect(unsure.excessViolationMinutes).toBe(0);
    expect(unsure.score).toBe(-unsure.podMinutes);
    // a confident model decides itself
    const head = m.policy.length - env.actionCount;
    m.policy[head + 2] = 20;
    const sure = await validate(m);
    expect(sure.fallbackFraction).toBe(0);
    expect(sure.hpaPodMinutes).toBe(unsure.hpaPodMinutes);
    expect(sure.podMinutes).not.toBe(unsure.podMinutes);
  });
});
