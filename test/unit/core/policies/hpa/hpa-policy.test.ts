import { createHpaPolicy, podsFromAggregate } from '../../../../../src/core/policies/hpa/hpa-policy';
import type { Observation } from '../../../../../src/core/observation';
import type { PolicyContext } from '../../../../../src/core/policy';
import type { PolicyOutput } from '../../../../../src/core/decision';
import { noData, value } from '../../../../../src/core/sample';

const T0 = 1_700_000_000_000;

function obs(cpu: number, ready: number, declared: number, at = T0): Observation {
  return {
    target: 'web',
    kind: 'deployment-replicas',
    at,
    service: {
      cpuUtilization: value(cpu, at),
      memoryBytes: value(1, at),
      readyReplicas: value(ready, at),
      specReplicas: value(declared, at),
      rps: value(100, at),
      p95LatencyMs: value(100, at),
      p99LatencyMs: value(100, at),
      errorRate: value(0, at),
    },
    declared: { replicas: declared, revision: 'a'.repeat(40) },
  };
}
const ctx = (nowMs: number, state?: unknown): PolicyContext => ({
  nowMs,
  minReplicas: 2,
  maxReplicas: 20,
  sloP95Ms: 200,
  sloErrorRate: 0.01,
  state,
});

describe('hpa policy', () => {
  it('scales up like the HPA: ceil(ready * util / target), capped at max(2x, 4)', async () => {
    const p = createHpaPolicy();
    expect(p.name).toBe('hpa');
    // 4 pods at 140 % of a 70 % target -> 8 pods
    const out = (await p.decide(obs(1.4, 4, 4), ctx(T0))) as PolicyOutput;
    expect(out.action).toEqual({ type: 'replicas', delta: 4 });
    expect(out.explanation.join(' ')).toMatch(/cpu 140% vs target 70%/);
  });

  it('hpa:80 uses an 80 % target', async () => {
    const p = createHpaPolicy({ targetUtilizationPercent: 80 });
    expect(p.name).toBe('hpa:80');
    // 5 pods at 96 % of 80 % -> ratio 1.2 -> 6 pods
    const out = (await p.decide(obs(0.96, 5, 5), ctx(T0))) as PolicyOutput;
    expect(out.action).toEqual({ type: 'replicas', delta: 1 });
  });

  it('holds within the 10 % tolerance', async () => {
    const out = (await createHpaPolicy().decide(obs(0.75, 5, 5), ctx(T0))) as PolicyOutput;
    expect(out.action).toEqual({ type: 'hold' });
  });

  it('scale-down waits for the 300 s stabilisation window, carried in state', async () => {
    const p = createHpaPolicy();
    let state: unknown;
    let out = (await p.decide(obs(0.35, 10, 10), ctx(T0, state))) as PolicyOutput;
    expect(out.action).toEqual({ type: 'hold' }); // the initial recommendation (10) holds
    state = out.state;
    for (let t = T0 + 15_000; t < T0 + 300_000; t += 15_000) {
      out = (await p.decide(obs(0.35, 10, 10, t), ctx(t, state))) as PolicyOutput;
      expect(out.action).toEqual({ type: 'hold' });
      state = out.state;
    }
    const t = T0 + 315_000;
    out = (await p.decide(obs(0.35, 10, 10, t), ctx(t, state))) as PolicyOutput;
    expect(out.action).toEqual({ type: 'replicas', delta: -5 });
  });

  it('no data for cpu holds with the reason', async () => {
    const o = obs(0.9, 4, 4);
    const out = (await createHpaPolicy().decide(
      { ...o, service: { ...o.service, cpuUtilization: noData('stale', 'sample is 200s old') } },
      ctx(T0),
    )) as PolicyOutput;
    expect(out.action).toEqual({ type: 'hold' });
    expect(out.explanation[0]).toMatch(/no data for cpuUtilization \(no data: stale/);
  });

  it('unready pods count as 0 % on a scale-up (fewer pods than declared are ready)', () => {
    const pods = podsFromAggregate(3, 5, 0.9);
    expect(pods.filter((p) => p.ready)).toHaveLength(3);
    expect(pods.filter((p) => !p.ready)).toHaveLength(2);
  });

  it('hpa-bounds targets hold: the cluster HPA already scales them', async () => {
    const out = (await createHpaPolicy().decide(
      { ...obs(2, 4, 4), kind: 'hpa-bounds' },
      ctx(T0),
    )) as PolicyOutput;
    expect(out.action).toEqual({ type: 'hold' });
  });
});
