import { CANARY_ACTIONS, CanaryEnv } from '../../../src/sim/env/canary-env';

const A = (v: (typeof CANARY_ACTIONS)[number]) => CANARY_ACTIONS.indexOf(v);

async function play(env: CanaryEnv, seed: number, policy: (step: number) => number) {
  const trace: unknown[] = [];
  const first = await env.reset({ seed });
  trace.push(first.obs);
  let total = 0;
  let last;
  for (let i = 0; i < 40; i++) {
    last = await env.step(policy(i));
    trace.push(last.obs, last.reward);
    total += last.reward;
    if (last.terminated || last.truncated) break;
  }
  return { trace: JSON.stringify(trace), total, last: last! };
}

describe('CanaryEnv', () => {
  it('advancing a good release to maxWeight and promoting ends promoted with a positive return', async () => {
    const env = new CanaryEnv({ release: () => ({ errorRateDelta: 0, latencyMultiplier: 1 }) });
    const r = await play(env, 1, () => A('promote'));
    expect(r.last.terminated).toBe(true);
    expect(r.last.info.outcome).toBe('promoted');
    expect(r.total).toBeGreaterThan(0.5);
    const core = env.toCoreObservation();
    expect(core.kind).toBe('flagger-canary');
    expect(core.canary?.phase).toBe('Promoting');
  });

  it('rolling back a bad release is rewarded; promoting it is punished', async () => {
    const bad = () => ({ errorRateDelta: 0.06, latencyMultiplier: 1 });
    const rb = await play(new CanaryEnv({ release: bad }), 2, (i) => (i < 1 ? A('advance') : A('rollback')));
    expect(rb.last.info.outcome).toBe('rolled-back');
    expect(rb.total).toBeGreaterThan(0);
    // Flagger's own threshold catches a loud regression even when the agent keeps advancing
    const adv = await play(new CanaryEnv({ release: bad, threshold: 2 }), 2, () => A('advance'));
    expect(adv.last.info.outcome).toBe('rolled-back');
    // a subtle latency regression slips past the 500 ms p99 check: promoting it costs
    const subtle = await play(
      new CanaryEnv({ release: () => ({ errorRateDelta: 0, latencyMultiplier: 1.2, subtle: true }) }),
      3,
      () => A('promote'),
    );
    expect(subtle.last.info.outcome).toBe('promoted');
    expect(subtle.total).toBeLessThan(0);
  });

  it('the canary observation shows the regression', async () => {
    const env = new CanaryEnv({ release: () => ({ errorRateDelta: 0.05, latencyMultiplier: 1 }) });
    await env.reset({ seed: 4 });
    const r = await env.step(A('advance'));
    const r2 = await env.step(A('hold'));
    expect(r.obs.weight).toBe(10);
    expect(r2.obs.canary.errorRate).toBeGreaterThan(0.03);
    expect(r2.obs.primary.errorRate).toBeLessThan(0.01);
  });

  it('the core observation carries the run as per-step counts and the judge samples, as Prometheus gives them', async () => {
    const env = new CanaryEnv({
      release: () => ({ errorRateDelta: 0.05, latencyMultiplier: 1 }),
      intervalSeconds: 60,
      traffic: { kind: 'steady', rps: 200 },
    });
    await env.reset({ seed: 5 });
    // before any canary traffic: no steps, the primary's samples only
    const before = env.toCoreObservation().canary!;
    expect(before.steps?.canary.requests).toEqual([]);
    expect(before.samples?.canary.errorRate).toEqual([]);
    expect(before.samples?.primary.errorRate).toHaveLength(2);
    await env.step(A('advance'));
    await env.step(A('hold'));
    const c = env.toCoreObservation().canary!;
    const st = c.steps!;
    expect(st.stepSeconds).toBe(60);
    const n = st.canary.requests.length;
    expect(n).toBeGreaterThanOrEqual(1);
    for (const series of [st.canary.errors, st.canary.p95LatencyMs, st.primary.requests, st.primary.errors])
      expect(series).toHaveLength(n);
    const last = n - 1;
    // the last step is the interval the observation's rates describe
    expect(st.canary.requests[last]! / 60).toBeCloseTo(c.canary.rps.ok ? c.canary.rps.value : NaN, 6);
    expect(st.canary.errors[last]! / st.canary.requests[last]!).toBeGreaterThan(0.03);
    expect(st.primary.errors[last]! / st.primary.requests[last]!).toBeLessThan(0.01);
    // 30 s sample points: two per 60 s interval, canary only where it served
    expect(c.samples!.canary.errorRate!.length).toBe(2 * n);
    expect(Math.min(...c.samples!.canary.errorRate!)).toBeGreaterThan(0.02);
  });

  it('same seed → identical episode', async () => {
    const p = (i: number) => (i % 3 === 2 ? A('hold') : A('advance'));
    const a = await play(new CanaryEnv(), 7, p);
    const b = await play(new CanaryEnv(), 7, p);
    expect(a.trace).toBe(b.trace);
  });
});
