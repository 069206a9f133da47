import type { Observation } from '../../../../src/core/observation';
import {
  modelActionOf,
  rememberCapacity,
  resolveModelAction,
  SCALE_DOWN_WINDOW_SECONDS,
  targetUtilizationAction,
} from '../../../../src/core/policies/target-utilization';
import { guard } from '../../../../src/core/guardrails';
import { noData, value } from '../../../../src/core/sample';
import { fresh, HISTORY, LIMITS, NOW, observation } from '../guardrails/guard-inputs';

const AT = Date.UTC(2025, 0, 1);
const ctx = { minReplicas: 1, maxReplicas: 30 };

function obs(o: { cpu?: number; ready: number; spec: number; rps?: number; kind?: Observation['kind'] }) {
  const v = (x: number | undefined) => (x === undefined ? noData('missing', 'test') : value(x, AT));
  return {
    target: 'web',
    kind: o.kind ?? 'deployment-replicas',
    at: AT,
    service: {
      cpuUtilization: v(o.cpu),
      memoryBytes: v(1e8),
      readyReplicas: v(o.ready),
      specReplicas: v(o.spec),
      rps: v(o.rps),
      p95LatencyMs: v(100),
      p99LatencyMs: v(150),
      errorRate: v(0),
    },
    declared: { replicas: o.spec, revision: '0'.repeat(40) },
  } satisfies Observation;
}

function delta(r: ReturnType<typeof targetUtilizationAction>): number {
  if ('error' in r) throw new Error(r.error);
  return r.action.type === 'replicas' ? r.action.delta : 0;
}

describe('targetUtilizationAction', () => {
  it("is the HPA's formula ceil(ready × cpu / target) without a capacity estimate", () => {
    // 10 pods at 84 %: 8.4 pods of work; at 70 % that needs 12, at 90 % 10 (hold)
    expect(delta(targetUtilizationAction(0.7, obs({ cpu: 0.84, ready: 10, spec: 10 }), ctx, {}))).toBe(2);
    const hold = targetUtilizationAction(0.9, obs({ cpu: 0.84, ready: 10, spec: 10 }), ctx, {});
    expect('action' in hold && hold.action).toEqual({ type: 'hold' });
    expect(delta(targetUtilizationAction(0.9, obs({ cpu: 0.3, ready: 10, spec: 10 }), ctx, {}))).toBe(-6);
  });

  it('an exact fit is not rounded up by floating point (7 pods × 70 % at 70 % = 7)', () => {
    expect(delta(targetUtilizationAction(0.7, obs({ cpu: 0.7, ready: 7, spec: 7 }), ctx, {}))).toBe(0);
  });

  it('saturated pods: the remembered capacity turns the request rate into the pods it needs', () => {
    // 5 pods served 200 rps at 50 % CPU → 80 rps per pod at 100 %
    const memory = rememberCapacity({}, obs({ cpu: 0.5, ready: 5, spec: 5, rps: 200 }));
    expect(memory.capacityRpsPerPod).toBeCloseTo(80, 9);
    // a burst to 1200 rps: CPU stops at 100 %, the CPU view asks for 5 / 0.8 = 7 pods only
    const burst = obs({ cpu: 1, ready: 5, spec: 5, rps: 1200 });
    expect(delta(targetUtilizationAction(0.8, burst, ctx, {}))).toBe(2);
    // 1200 / 80 = 15 pods of work → 19 pods at 80 %
    expect(delta(targetUtilizationAction(0.8, burst, ctx, memory))).toBe(14);
  });

  it('saturated or idle observations do not overwrite the capacity estimate', () => {
    const memory = rememberCapacity({}, obs({ cpu: 0.5, ready: 5, spec: 5, rps: 200 }));
    const capacity = (o: Parameters<typeof obs>[0]) => rememberCapacity(memory, obs(o)).capacityRpsPerPod;
    expect(capacity({ cpu: 1, ready: 5, spec: 5, rps: 1200 })).toBe(memory.capacityRpsPerPod);
    expect(capacity({ cpu: 0.1, ready: 5, spec: 5, rps: 20 })).toBe(memory.capacityRpsPerPod);
    expect(capacity({ cpu: 0.5, ready: 5, spec: 5 })).toBe(memory.capacityRpsPerPod);
    expect(rememberCapacity('not a memory', obs({ cpu: 1, ready: 5, spec: 5, rps: 9 }))).toEqual({
      recentDemand: [[AT, 5]],
    });
  });

  it(`scales down only as far as the last ${SCALE_DOWN_WINDOW_SECONDS} s of demand allow`, () => {
    // 10 pods busy at 80 % a moment ago, 30 % now: 0.8 alone would cut to 4
    const busy = obs({ cpu: 0.8, ready: 10, spec: 10 });
    const quiet = { ...obs({ cpu: 0.3, ready: 10, spec: 10 }), at: AT + 15_000 };
    const memory = rememberCapacity(rememberCapacity({}, busy), quiet);
    expect(delta(targetUtilizationAction(0.8, quiet, ctx, memory))).toBe(0);
    // once the busy reading has left the window, the quiet one decides
    const later = { ...quiet, at: AT + SCALE_DOWN_WINDOW_SECONDS * 1000 + 1 };
    const after = rememberCapacity(memory, later);
    expect(after.recentDemand?.map(([at]) => at)).toEqual([AT + 15_000, later.at]);
    expect(delta(targetUtilizationAction(0.8, later, ctx, after))).toBe(-6);
    // scaling up is never held back by the window
    const hot = { ...obs({ cpu: 1, ready: 10, spec: 10 }), at: AT + 30_000 };
    expect(delta(targetUtilizationAction(0.8, hot, ctx, rememberCapacity(memory, hot)))).toBe(3);
  });

  it('never removes pods that are still starting', () => {
    // 13 declared, 5 ready: the CPU view alone (5 × 0.4 / 0.9 → 3) would cut the starting pods
    expect(delta(targetUtilizationAction(0.9, obs({ cpu: 0.4, ready: 5, spec: 13 }), ctx, {}))).toBe(0);
    // it may still add more
    expect(delta(targetUtilizationAction(0.5, obs({ cpu: 1, ready: 10, spec: 13 }), ctx, {}))).toBe(7);
  });

  it('stays within the replica bounds', () => {
    expect(delta(targetUtilizationAction(0.5, obs({ cpu: 1, ready: 20, spec: 20 }), ctx, {}))).toBe(10);
    expect(
      delta(
        targetUtilizationAction(0.9, obs({ cpu: 0.05, ready: 4, spec: 4 }), { ...ctx, minReplicas: 2 }, {}),
      ),
    ).toBe(-2);
  });

  it('no data, another target kind or a target outside (0, 1] is an error for the fallback, not a guess', () => {
    expect(targetUtilizationAction(0.7, obs({ ready: 5, spec: 5 }), ctx, {})).toEqual({
      error: 'no data for cpuUtilization, readyReplicas or the declared replicas',
    });
    expect(
      targetUtilizationAction(0.7, obs({ cpu: 0.5, ready: 5, spec: 5, kind: 'hpa-bounds' }), ctx, {}),
    ).toEqual({ error: 'a target utilisation applies to deployment-replicas targets, not hpa-bounds' });
    expect(targetUtilizationAction(0, obs({ cpu: 0.5, ready: 5, spec: 5 }), ctx, {})).toMatchObject({
      error: expect.stringMatching(/not in \(0, 1\]/),
    });
  });
});

describe('card actions', () => {
  it('maps {delta} and {targetUtilization} entries', () => {
    expect(modelActionOf({ delta: 0 })).toEqual({ kind: 'action', action: { type: 'hold' } });
    expect(modelActionOf({ delta: -2 })).toEqual({ kind: 'action', action: { type: 'replicas', delta: -2 } });
    expect(modelActionOf({ targetUtilization: 0.8 })).toEqual({
      kind: 'target-utilization',
      utilization: 0.8,
    });
    const o = obs({ cpu: 0.84, ready: 10, spec: 10 });
    expect(resolveModelAction(modelActionOf({ delta: 4 }), o, ctx, {})).toMatchObject({
      action: { type: 'replicas', delta: 4 },
    });
    expect(resolveModelAction(modelActionOf({ targetUtilization: 0.7 }), o, ctx, {})).toMatchObject({
      action: { type: 'replicas', delta: 2 },
    });
  });
});

describe('guardrails still clamp a target decision', () => {
  it('a burst decision (+14) is cut to the step limit, like any replica change', () => {
    const memory = rememberCapacity({}, obs({ cpu: 0.5, ready: 5, spec: 5, rps: 200 }));
    const burst = observation({
      service: {
        cpuUtilization: fresh(1),
        readyReplicas: fresh(5),
        specReplicas: fresh(5),
        rps: fresh(1200),
      },
    });
    const r = targetUtilizationAction(0.8, burst, ctx, memory);
    if (!('action' in r)) throw new Error(r.error);
    expect(r.action).toEqual({ type: 'replicas', delta: 14 });
    const g = guard(r.action, burst, HISTORY, { ...LIMITS, maxStepUp: 4, maxReplicas: 30 }, NOW);
    expect(g.action).toEqual({ type: 'replicas', delta: 4 });
    expect(g.interventions.map((i) => i.rule)).toContain('step-limit');
  });
});
