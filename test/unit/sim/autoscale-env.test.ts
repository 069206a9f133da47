import { createHpaPolicy } from '../../../src/core/policies/hpa';
import { AUTOSCALE_ACTIONS, AutoscaleEnv } from '../../../src/sim/env/autoscale-env';
import { autoscaleReward, DEFAULT_AUTOSCALE_WEIGHTS } from '../../../src/sim/reward';

function episode(seed: number, policy: (t: number) => number, steps = 200): string {
  const env = new AutoscaleEnv({ scenario: 'faults', maxSteps: steps });
  const out: unknown[] = [env.reset({ seed }).obs];
  for (let i = 0; i < steps; i++) out.push(env.step(policy(i)));
  return JSON.stringify(out);
}

describe('AutoscaleEnv', () => {
  it('same seed → identical episode; another seed → a different one', () => {
    const p = (i: number) => i % AUTOSCALE_ACTIONS.length;
    expect(episode(5, p)).toBe(episode(5, p));
    expect(episode(5, p)).not.toBe(episode(6, p));
  });

  it('applies the replica delta, clamped to the bounds, and truncates after maxSteps', () => {
    const env = new AutoscaleEnv({
      scenario: 'steady',
      minReplicas: 2,
      maxReplicas: 9,
      maxSteps: 3,
      initialReplicas: 8,
    });
    env.reset({ seed: 1 });
    const up = env.step(AUTOSCALE_ACTIONS.indexOf(4));
    expect(up.obs.specReplicas).toBe(9);
    expect(up.info.applied).toBe(1);
    const down = env.step(AUTOSCALE_ACTIONS.indexOf(-2));
    expect(down.obs.specReplicas).toBe(7);
    expect(down.truncated).toBe(false);
    expect(env.step(2).truncated).toBe(true);
    expect(() => env.step(99)).toThrow(RangeError);
  });

  it('under-provisioning violates the SLO and is punished more than over-provisioning', () => {
    // steady 400 rps needs 400/80 = 5 pods at 100 % busy
    const under = new AutoscaleEnv({
      scenario: 'steady',
      initialReplicas: 4,
      minReplicas: 1,
      maxReplicas: 20,
    });
    const over = new AutoscaleEnv({
      scenario: 'steady',
      initialReplicas: 12,
      minReplicas: 1,
      maxReplicas: 20,
    });
    under.reset({ seed: 3 });
    over.reset({ seed: 3 });
    let ru = 0;
    let ro = 0;
    let violations = 0;
    for (let i = 0; i < 20; i++) {
      const a = under.step(2);
      ru += a.reward;
      if (a.info.sloViolated) violations++;
      ro += over.step(2).reward;
    }
    expect(violations).toBeGreaterThan(15);
    expect(ro).toBeGreaterThan(ru);
  });

  it('converts to the core Observation the agent policies read', () => {
    const env = new AutoscaleEnv({ scenario: 'steady', target: 'web', epochMs: 1_700_000_000_000 });
    env.reset({ seed: 1 });
    const r = env.step(2);
    const o = env.toCoreObservation();
    expect(o.kind).toBe('deployment-replicas');
    expect(o.target).toBe('web');
    expect(o.at).toBe(1_700_000_000_000 + r.obs.t * 1000);
    expect(o.service.rps).toEqual({ ok: true, value: r.obs.rps, at: o.at });
    expect(o.service.cpuUtilization.ok && o.service.cpuUtilization.value).toBeCloseTo(
      r.obs.cpuUtilization,
      12,
    );
    expect(o.declared.replicas).toBe(r.obs.specReplicas);
  });

  it('reports no latency data (not zero) when no pod is ready', () => {
    const env = new AutoscaleEnv({ scenario: 'steady', initialReplicas: 1, minReplicas: 0, maxReplicas: 5 });
    env.reset({ seed: 1 });
    env.step(AUTOSCALE_ACTIONS.indexOf(-1));
    const r = env.step(2);
    expect(r.obs.readyReplicas).toBe(0);
    expect(Number.isNaN(r.obs.p95Ms)).toBe(true);
    expect(r.obs.errorRate).toBe(1);
    expect(env.toCoreObservation().service.p95LatencyMs.ok).toBe(false);
  });
});

describe('autoscale reward', () => {
  const base = {
    p95Ms: 100,
    errorRate: 0,
    sloP95Ms: 250,
    sloErrorRate: 0.01,
    replicas: 5,
    maxReplicas: 20,
    delta: 0,
  };
  it('is SLO first, then cost, then churn', () => {
    const ok = autoscaleReward(base);
    const slow = autoscaleReward({ ...base, p95Ms: 260 });
    const allPods = autoscaleReward({ ...base, replicas: 20 });
    const churn = autoscaleReward({ ...base, delta: 4 });
    expect(slow).toBeLessThan(allPods);
    expect(allPods).toBeLessThan(ok);
    expect(churn).toBeLessThan(ok);
    expect(ok - churn).toBeLessThan(ok - allPods);
    expect(ok).toBeCloseTo(-DEFAULT_AUTOSCALE_WEIGHTS.cost * 0.25, 12);
  });
});

describe('the agent policies run inside the env', () => {
  it('the core hpa policy, fed toCoreObservation(), keeps a diurnal day mostly inside the SLO', async () => {
    const policy = createHpaPolicy();
    const env = new AutoscaleEnv({
      scenario: 'diurnal-fast',
      maxSteps: 480,
      minReplicas: 2,
      maxReplicas: 30,
    });
    env.reset({ seed: 11 });
    let state: unknown;
    let violations = 0;
    let steps = 0;
    for (;;) {
      const obs = env.toCoreObservation();
      const out = await policy.decide(obs, {
        nowMs: obs.at,
        minReplicas: 2,
        maxReplicas: 30,
        sloP95Ms: 250,
        sloErrorRate: 0.01,
        state,
      });
      state = out.state;
      const delta = out.action.type === 'replicas' ? out.action.delta : 0;
      const r = env.stepDelta(delta);
      steps++;
      if (r.info.sloViolated) violations++;
      if (r.truncated) break;
    }
    expect(steps).toBe(480);
    expect(violations / steps).toBeLessThan(0.1);
  });
});

describe('AutoscaleEnv in hpa-floor mode (hpa-bounds targets)', () => {
  it('the action moves the HPA floor; the simulated HPA scales above it', () => {
    const env = new AutoscaleEnv({
      scenario: 'steady',
      hpaFloor: { targetCpuUtilizationPercent: 70 },
      initialReplicas: 2,
      minReplicas: 1,
      maxReplicas: 20,
      maxSteps: 100,
    });
    env.reset({ seed: 1 });
    // 400 rps needs ~8 pods at 70 % CPU: the HPA scales above the floor of 2 by itself
    let r = env.step(AUTOSCALE_ACTIONS.indexOf(0));
    for (let i = 0; i < 20; i++) r = env.step(AUTOSCALE_ACTIONS.indexOf(0));
    expect(r.obs.hpaMinReplicas).toBe(2);
    expect(r.obs.specReplicas).toBeGreaterThanOrEqual(7);
    // raising the floor above the HPA's choice raises the replicas
    for (let i = 0; i < 3; i++) r = env.step(AUTOSCALE_ACTIONS.indexOf(4));
    expect(r.obs.hpaMinReplicas).toBe(14);
    r = env.step(AUTOSCALE_ACTIONS.indexOf(0));
    r = env.step(AUTOSCALE_ACTIONS.indexOf(0));
    expect(r.obs.specReplicas).toBe(14);
    const core = env.toCoreObservation();
    expect(core.kind).toBe('hpa-bounds');
    expect(core.declared).toMatchObject({ minReplicas: 14, maxReplicas: 20 });
  });
});
