import type { Action } from '../../../../src/core/action';
import { DEFAULT_CANARY_EVIDENCE_GATE } from '../../../../src/core/policies/canary-evidence-gate';
import { createModelPolicy, judgeModelAnswer } from '../../../../src/core/policies/onnx-fallback';
import { createPolicy } from '../../../../src/core/policies/policy-registry';
import type { Policy } from '../../../../src/core/policy';
import type { ModelRunner } from '../../../../src/core/ports';
import { rememberCapacity, resolveModelAction } from '../../../../src/core/policies/target-utilization';
import { noData } from '../../../../src/core/sample';
import { AutoscaleEnv } from '../../../../src/sim/env/autoscale-env';
import { CanaryEnv } from '../../../../src/sim/env/canary-env';

const actions: Action[] = [{ type: 'replicas', delta: -1 }, { type: 'hold' }, { type: 'replicas', delta: 2 }];

/** A runner that answers fixed probabilities (the onnxruntime one is tested in test/integration). */
function runner(probs: number[], fail?: string): ModelRunner {
  return {
    inputLength: 26,
    actionCount: probs.length,
    modelHash: 'f'.repeat(64),
    run: (features) => {
      if (features.length !== 26) throw new Error('wrong width');
      if (fail) return Promise.reject(new Error(fail));
      return Promise.resolve({ probs: Float32Array.from(probs) });
    },
  };
}

const env = new AutoscaleEnv({ scenario: 'spike' });
env.reset({ seed: 3 });
const obs = env.toCoreObservation();
const ctx = { nowMs: obs.at, minReplicas: 1, maxReplicas: 30, sloP95Ms: 250, sloErrorRate: 0.01 };
const base = {
  name: 'onnx:m.onnx',
  featureSet: 'autoscale' as const,
  actions,
  fallback: createPolicy('hpa'),
  now: () => 0,
};

describe('judgeModelAnswer', () => {
  const limits = { minConfidence: 0.5, latencyBudgetMs: 50 };
  it('takes the most probable action when confident and fast', () => {
    expect(judgeModelAnswer({ probs: [0.1, 0.2, 0.7], latencyMs: 3 }, limits)).toEqual({
      kind: 'model',
      index: 2,
      confidence: expect.closeTo(0.7, 6),
    });
  });
  it('confidence exactly at the threshold is enough; just below is not', () => {
    expect(judgeModelAnswer({ probs: [0.5, 0.25, 0.25], latencyMs: 0 }, limits).kind).toBe('model');
    expect(judgeModelAnswer({ probs: [0.49, 0.26, 0.25], latencyMs: 0 }, limits)).toMatchObject({
      kind: 'fallback',
      reason: 'confidence 0.49 below minConfidence 0.5',
    });
  });
  it('over the latency budget falls back even when confident', () => {
    expect(judgeModelAnswer({ probs: [1, 0, 0], latencyMs: 50.5 }, limits)).toMatchObject({
      kind: 'fallback',
      reason: 'inference took 50.5 ms, over the 50 ms budget',
    });
  });
  it('NaN probabilities fall back', () => {
    expect(judgeModelAnswer({ probs: [NaN, NaN, NaN], latencyMs: 0 }, limits).kind).toBe('fallback');
  });
});

describe('createModelPolicy', () => {
  it('decides with the model and records its hash', async () => {
    const p = createModelPolicy({ ...base, runner: () => Promise.resolve(runner([0.05, 0.05, 0.9])) });
    const out = await p.decide(obs, ctx);
    expect(out.action).toEqual({ type: 'replicas', delta: 2 });
    expect(out.ref).toEqual({ name: 'onnx:m.onnx', modelHash: 'f'.repeat(64) });
    expect(out.confidence).toBeCloseTo(0.9, 6);
  });

  it.each([
    [
      'load failure',
      () => Promise.resolve({ error: 'file not found' }),
      /^model not loaded: file not found$/,
    ],
    ['inference error', () => Promise.resolve(runner([1, 0, 0], 'boom')), /^inference failed: boom$/],
    ['low confidence', () => Promise.resolve(runner([0.4, 0.3, 0.3])), /^confidence 0\.40 below/],
  ])('%s → the hpa baseline decides and the ref says why', async (_label, r, reason) => {
    const p = createModelPolicy({ ...base, runner: r as never });
    const hpa = await createPolicy('hpa').decide(obs, ctx);
    const out = await p.decide(obs, ctx);
    expect(out.action).toEqual(hpa.action);
    expect(out.ref?.name).toBe('hpa');
    expect(out.ref?.fallback?.from).toBe('onnx:m.onnx');
    expect(out.ref?.fallback?.reason).toMatch(reason);
    expect(out.explanation[0]).toMatch(/^onnx:m\.onnx not used/);
  });

  it('latency is measured with the injected clock', async () => {
    let t = 0;
    const p = createModelPolicy({
      ...base,
      now: () => (t += 100),
      latencyBudgetMs: 99,
      runner: () => Promise.resolve(runner([0, 0, 1])),
    });
    expect((await p.decide(obs, ctx)).ref?.fallback?.reason).toBe(
      'inference took 100.0 ms, over the 99 ms budget',
    );
  });

  it('a canary observation given to an autoscale model falls back', async () => {
    const p = createModelPolicy({
      ...base,
      fallback: createPolicy('flagger'),
      runner: () => Promise.resolve(runner([0, 0, 1])),
    });
    const canaryObs = { ...obs, kind: 'flagger-canary' as const };
    const out = await p.decide(canaryObs, ctx);
    expect(out.ref?.fallback?.reason).toMatch(/trained for autoscale targets, not flagger-canary/);
  });

  it("keeps the fallback's memory current while the model decides", async () => {
    const p = createModelPolicy({ ...base, runner: () => Promise.resolve(runner([0, 0, 1])) });
    const out = await p.decide(obs, ctx);
    const hpa = await createPolicy('hpa').decide(obs, ctx);
    expect(out.state).toEqual({ fallback: hpa.state });
  });
});

describe('createModelPolicy with observation-dependent (target-utilisation) actions', () => {
  const modelActions = [
    { kind: 'action' as const, action: { type: 'hold' as const } },
    { kind: 'target-utilization' as const, utilization: 0.5 },
  ];
  const targetBase = {
    ...base,
    actions: [{ type: 'hold' as const }, { type: 'hold' as const }],
    modelActions,
  };

  it('resolves the chosen target against the observation', async () => {
    const p = createModelPolicy({ ...targetBase, runner: () => Promise.resolve(runner([0.1, 0.9])) });
    const out = await p.decide(obs, ctx);
    const r = resolveModelAction(modelActions[1]!, obs, ctx, rememberCapacity(undefined, obs));
    expect('action' in r).toBe(true);
    expect(out.action).toEqual('action' in r && r.action);
    expect(out.ref).toEqual({ name: 'onnx:m.onnx', modelHash: 'f'.repeat(64) });
    expect(out.explanation[1]).toMatch(/^target utilisation 50 %/);
  });

  it('updates its capacity memory also when the fallback decides', async () => {
    const low = createModelPolicy({ ...targetBase, runner: () => Promise.resolve(runner([0.4, 0.3])) });
    const out = await low.decide(obs, ctx);
    expect(out.ref?.fallback?.reason).toMatch(/below minConfidence/);
    const memory = (out.state as { actions?: { capacityRpsPerPod?: number } }).actions;
    expect(memory?.capacityRpsPerPod).toBeGreaterThan(0);
    expect(memory).toEqual(rememberCapacity(undefined, obs));
  });

  it('a target that cannot be resolved (no CPU data) falls back and says why', async () => {
    const blind = { ...obs, service: { ...obs.service, cpuUtilization: noData('missing', 'test') } };
    const p = createModelPolicy({ ...targetBase, runner: () => Promise.resolve(runner([0, 1])) });
    const out = await p.decide(blind, ctx);
    expect(out.ref?.fallback?.reason).toBe(
      'no data for cpuUtilization, readyReplicas or the declared replicas',
    );
  });
});

describe('createModelPolicy with a canary evidence gate', () => {
  const verbs: Action[] = (['advance', 'hold', 'promote', 'rollback'] as const).map((verb) => ({
    type: 'canary',
    verb,
  }));
  const canaryRunner = (probs: number[]): ModelRunner => ({
    inputLength: 46,
    actionCount: 4,
    modelHash: 'c'.repeat(64),
    run: () => Promise.resolve({ probs: Float32Array.from(probs) }),
  });
  /** a good release after its first 25 % step: weak evidence either way */
  async function goodAt25() {
    const e = new CanaryEnv({
      intervalSeconds: 20,
      stepWeight: 25,
      maxWeight: 50,
      release: () => ({ errorRateDelta: 0, latencyMultiplier: 1 }),
    });
    await e.reset({ seed: 1 });
    for (let i = 0; i < 2; i++) await e.step(0);
    const o = e.toCoreObservation();
    expect(o.canary?.weight).toMatchObject({ value: 25 });
    return o;
  }
  const promoter: Policy = {
    name: 'always-promote',
    decide: () =>
      Promise.resolve({
        action: { type: 'canary', verb: 'promote' },
        explanation: ['promote'],
      }),
  };
  const gated = {
    name: 'onnx:canary.onnx',
    featureSet: 'canary' as const,
    actions: verbs,
    fallback: promoter,
    now: () => 0,
    canaryGate: DEFAULT_CANARY_EVIDENCE_GATE,
  };

  it("the model's rollback on weak evidence holds, and the explanation says why", async () => {
    const o = await goodAt25();
    const p = createModelPolicy({
      ...gated,
      runner: () => Promise.resolve(canaryRunner([0, 0.05, 0.05, 0.9])),
    });
    const out = await p.decide(o, ctx);
    expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
    expect(out.ref).toEqual({ name: 'onnx:canary.onnx', modelHash: 'c'.repeat(64) });
    expect(out.explanation.at(-1)).toMatch(
      /^evidence gate: rollback refused \(regression evidence -?\d+\.\d below 8\.5\); hold instead$/,
    );
    // without the gate the same answer rolls back
    const { canaryGate: _unused, ...ungated } = gated;
    const raw = await createModelPolicy({
      ...ungated,
      runner: () => Promise.resolve(canaryRunner([0, 0.05, 0.05, 0.9])),
    }).decide(o, ctx);
    expect(raw.action).toEqual({ type: 'canary', verb: 'rollback' });
  });

  it("guards the fallback's promote while the model is loaded, not when the model is missing", async () => {
    const o = await goodAt25();
    const unsure = await createModelPolicy({
      ...gated,
      runner: () => Promise.resolve(canaryRunner([0.3, 0.3, 0.2, 0.2])),
    }).decide(o, ctx);
    expect(unsure.ref?.fallback?.reason).toMatch(/^confidence 0\.30 below/);
    // 25 % of the traffic: not balanced load yet, so the promote only takes the traffic step
    expect(unsure.action).toEqual({ type: 'canary', verb: 'advance' });
    const missing = await createModelPolicy({
      ...gated,
      runner: () => Promise.resolve({ error: 'file not found' }),
    }).decide(o, ctx);
    expect(missing.action).toEqual({ type: 'canary', verb: 'promote' });
  });
});
