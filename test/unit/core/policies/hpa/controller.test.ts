/**
 * Cases ported from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
 * (TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
 * TestCalculateScaleDownLimitWithBehaviors, TestNormalizeDesiredReplicas, TestScalingWithRules,
 * TestStoreScaleEvents, TestNormalizeDesiredReplicasWithBehavior), with their real numbers.
 * Go's time.Now() is a fixed NOW here.
 */
import fc from 'fast-check';
import {
  EMPTY_HPA_STATE,
  calculateReplicas,
  calculateScaleDownLimitWithBehaviors,
  calculateScaleUpLimit,
  calculateScaleUpLimitWithScalingRules,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  getReplicasChangePerPeriod,
  hpaStep,
  resolveBehavior,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
  type HpaControllerState,
  type HpaScalingPolicy,
  type HpaScalingRules,
  type TimestampedScaleEvent,
} from '../../../../../src/core/policies/hpa';

const NOW = 1_700_000_000_000;
const min = (m: number) => NOW - m * 60_000;
const sec = (s: number) => NOW - s * 1000;

/** horizontal_test.go generateScalingRules */
function generateScalingRules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  window: number,
): HpaScalingRules {
  const policies: HpaScalingPolicy[] = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies };
}

/** horizontal_test.go generateEventsUniformDistribution */
function generateEventsUniformDistribution(raw: number[], periodSeconds: number): TimestampedScaleEvent[] {
  const seg = periodSeconds / raw.length;
  return raw.map((replicaChange, idx) => ({
    replicaChange,
    // Go converts the float seconds to a Duration of whole seconds (time.Duration(float) truncates)
    atMs: NOW - Math.trunc(periodSeconds - seg * (idx + 1) + seg / 2) * 1000,
    outdated: false,
  }));
}

describe('TestConvertDesiredReplicasWithRules', () => {
  it.each([
    [5, 7, 3, 8, 7, 'DesiredWithinRange'],
    [3, 1, 2, 8, 2, 'TooFewReplicas'],
    [1, 0, 0, 10, 0, 'DesiredWithinRange'],
    [20, 1000, 1, 10, 10, 'TooManyReplicas'],
    [3, 1000, 1, 2000, calculateScaleUpLimit(3), 'ScaleUpLimit'],
  ])('current %i desired %i min %i max %i -> %i %s', (current, desired, lo, hi, expected, condition) => {
    expect(convertDesiredReplicasWithRules(current, desired, lo, hi)).toEqual({
      replicas: expected,
      condition,
    });
  });
  it('calculateScaleUpLimit = max(2 * current, 4)', () => {
    expect(calculateScaleUpLimit(1)).toBe(4);
    expect(calculateScaleUpLimit(3)).toBe(6);
    expect(calculateScaleUpLimit(10)).toBe(20);
  });
});

describe('limits with scaling rules', () => {
  const minRules = {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min' as const,
    policies: [
      { type: 'Pods' as const, value: 2, periodSeconds: 60 },
      { type: 'Percent' as const, value: 50, periodSeconds: 60 },
    ],
  };
  it('TestCalculateScaleUpLimitWithScalingRules', () => {
    expect(calculateScaleUpLimitWithScalingRules(1, [], [], minRules, NOW)).toBe(2);
  });
  it('TestCalculateScaleDownLimitWithBehaviors', () => {
    expect(calculateScaleDownLimitWithBehaviors(5, [], [], minRules, NOW)).toBe(3);
  });
});

describe('TestNormalizeDesiredReplicas (stabilizeRecommendation, 5 min window)', () => {
  it.each([
    ['empty log', [], 5, 5, 1],
    [
      'stabilize',
      [
        [4, min(2)],
        [5, min(1)],
      ],
      3,
      5,
      3,
    ],
    [
      'no stabilize',
      [
        [1, min(2)],
        [2, min(1)],
      ],
      3,
      3,
      3,
    ],
    [
      'no stabilize - old recommendations',
      [
        [10, min(10)],
        [9, min(9)],
      ],
      3,
      3,
      2,
    ],
    [
      'stabilize - old recommendations',
      [
        [10, min(10)],
        [4, min(1)],
        [5, min(2)],
        [9, min(9)],
      ],
      3,
      5,
      4,
    ],
  ] as Array<[string, Array<[number, number]>, number, number, number]>)(
    '%s',
    (_n, recs, desired, expected, logLength) => {
      const r = stabilizeRecommendation(
        recs.map(([recommendation, atMs]) => ({ recommendation, atMs })),
        desired,
        NOW,
        300,
      );
      expect(r.stabilized).toBe(expected);
      expect(r.recommendations).toHaveLength(logLength);
    },
  );
});

describe('TestScalingWithRules (convertDesiredReplicasWithBehaviorRate)', () => {
  interface Case {
    name: string;
    up?: TimestampedScaleEvent[];
    down?: TimestampedScaleEvent[];
    min: number;
    max: number;
    upRules?: HpaScalingRules;
    downRules?: HpaScalingRules;
    current: number;
    desired: number;
    expected: number;
    condition: string;
  }
  const ev = generateEventsUniformDistribution;
  const cases: Case[] = [
    {
      name: 'prenormalized desired replicas within range',
      current: 5,
      desired: 7,
      min: 3,
      max: 8,
      expected: 7,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'prenormalized desired replicas < minReplicas',
      current: 3,
      desired: 1,
      min: 2,
      max: 8,
      expected: 2,
      condition: 'TooFewReplicas',
    },
    {
      name: 'prenormalized desired replicas within range when minReplicas is 0',
      current: 1,
      desired: 0,
      min: 0,
      max: 10,
      expected: 0,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
      current: 20,
      desired: 1000,
      min: 1,
      max: 10,
      expected: 10,
      condition: 'TooManyReplicas',
    },
    {
      name: 'desired replica count is more than the maximum replica count',
      current: 100,
      desired: 1000,
      min: 100,
      max: 150,
      expected: 150,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
      current: 3,
      desired: 1000,
      min: 1,
      max: 2000,
      upRules: generateScalingRules(0, 0, 1, 60, 0),
      expected: 4,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with default behavior',
      min: 1,
      max: 1000,
      current: 10,
      desired: 50,
      expected: 20,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with pods policy larger than percent policy',
      min: 1,
      max: 1000,
      upRules: generateScalingRules(100, 60, 100, 60, 0),
      current: 10,
      desired: 500,
      expected: 110,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy larger than pods policy',
      min: 1,
      max: 1000,
      upRules: generateScalingRules(2, 60, 100, 60, 0),
      current: 10,
      desired: 500,
      expected: 20,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large pod policy',
      min: 1,
      max: 1000,
      upRules: generateScalingRules(100, 60, 0, 0, 0),
      current: 10,
      desired: 50,
      expected: 50,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleUp with pod policy limitation',
      min: 1,
      max: 1000,
      upRules: generateScalingRules(30, 60, 0, 0, 0),
      current: 10,
      desired: 50,
      expected: 40,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy limitation',
      min: 1,
      max: 1000,
      upRules: generateScalingRules(0, 0, 200, 60, 0),
      current: 10,
      desired: 50,
      expected: 30,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDown with percent policy larger than pod policy',
      min: 1,
      max: 1000,
      downRules: generateScalingRules(20, 60, 1, 60, 300),
      current: 100,
      desired: 2,
      expected: 80,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with pod policy larger than percent policy',
      min: 1,
      max: 1000,
      downRules: generateScalingRules(2, 60, 1, 60, 300),
      current: 100,
      desired: 2,
      expected: 98,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large percent policy',
      min: 5,
      max: 1000,
      downRules: generateScalingRules(0, 0, 100, 60, 300),
      current: 10,
      desired: 2,
      expected: 5,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with pod policy limitation',
      min: 1,
      max: 1000,
      downRules: generateScalingRules(5, 60, 0, 0, 300),
      current: 10,
      desired: 2,
      expected: 5,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy limitation',
      min: 1,
      max: 1000,
      downRules: generateScalingRules(0, 0, 50, 60, 300),
      current: 10,
      desired: 5,
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
      up: ev([1, 5, 9], 120),
      min: 1,
      max: 200,
      upRules: generateScalingRules(300, 60, 0, 0, 0),
      current: 100,
      desired: 500,
      expected: 200,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
      up: ev([1, 5, 9], 120),
      min: 1,
      max: 1000,
      upRules: generateScalingRules(5, 120, 0, 0, 0),
      current: 100,
      desired: 500,
      expected: 100,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with pod policy and previous scale up events',
      up: ev([1, 5, 9], 120),
      min: 1,
      max: 1000,
      upRules: generateScalingRules(150, 120, 0, 0, 0),
      current: 100,
      desired: 500,
      expected: 235,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy and previous scale up events',
      up: ev([1, 5, 9], 120),
      min: 1,
      max: 1000,
      upRules: generateScalingRules(0, 0, 200, 120, 0),
      current: 100,
      desired: 500,
      expected: 255,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDown with default policy and previous events',
      down: ev([1, 5, 9], 120),
      min: 1,
      max: 1000,
      current: 10,
      desired: 5,
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleDown with pod policy limitation and previous events',
      down: ev([1, 5, 9], 120),
      min: 1,
      max: 1000,
      downRules: generateScalingRules(5, 120, 0, 0, 300),
      current: 100,
      desired: 2,
      expected: 100,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy limitation and previous events',
      down: ev([2, 4, 6], 120),
      min: 1,
      max: 1000,
      downRules: generateScalingRules(0, 0, 50, 120, 300),
      current: 100,
      desired: 0,
      expected: 56,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with previous events preventing further scale down',
      down: ev([10, 10, 10], 120),
      min: 1,
      max: 1000,
      downRules: generateScalingRules(0, 0, 10, 120, 300),
      current: 100,
      desired: 0,
      expected: 100,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with with previous events still allowing more scale down',
      down: ev([10, 10, 10], 120),
      min: 1,
      max: 1000,
      downRules: generateScalingRules(0, 0, 1000, 120, 300),
      current: 10,
      desired: 5,
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: "check that events were marked 'outdated' for two different policies in the behavior for up",
      up: ev([8, 12, 9, 11], 120),
      min: 1,
      max: 1000,
      upRules: generateScalingRules(1000, 30, 100, 60, 0),
      current: 100,
      desired: 200,
      expected: 200,
      condition: 'DesiredWithinRange',
    },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rules = resolveBehavior({ scaleUp: c.upRules, scaleDown: c.downRules });
    const r = convertDesiredReplicasWithBehaviorRate(
      {
        currentReplicas: c.current,
        desiredReplicas: c.desired,
        minReplicas: c.min,
        maxReplicas: c.max,
        ...rules,
      },
      c.up ?? [],
      c.down ?? [],
      NOW,
    );
    expect(r).toEqual({ replicas: c.expected, condition: c.condition });
  });
});

describe('TestStoreScaleEvents', () => {
  const e = (replicaChange: number, atMs: number, outdated = false) => ({ replicaChange, atMs, outdated });
  it.each([
    ['empty entries with two-policy-behavior', [], [[5, false]], generateScalingRules(10, 60, 100, 60, 0), 0],
    [
      'one outdated entry to be replaced with behavior',
      [e(7, sec(61))],
      [[5, false]],
      generateScalingRules(10, 60, 100, 60, 0),
      0,
    ],
    [
      'one actual entry to be not touched with behavior',
      [e(7, sec(58))],
      [
        [7, false],
        [5, false],
      ],
      generateScalingRules(10, 60, 100, 60, 0),
      7,
    ],
    [
      'two entries, one of them to be replaced',
      [e(7, sec(61)), e(6, sec(59))],
      [
        [5, false],
        [6, false],
      ],
      generateScalingRules(10, 60, 0, 0, 0),
      6,
    ],
    [
      'replace one entry, use policies with different periods',
      [e(8, sec(29)), e(6, sec(59)), e(7, sec(61)), e(9, sec(61))],
      [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
      generateScalingRules(10, 60, 100, 30, 0),
      14,
    ],
    [
      'two entries, both actual',
      [e(7, sec(58)), e(6, sec(59))],
      [
        [7, false],
        [6, false],
        [5, false],
      ],
      generateScalingRules(10, 120, 100, 30, 0),
      13,
    ],
  ] as Array<[string, TimestampedScaleEvent[], Array<[number, boolean]>, HpaScalingRules, number]>)(
    '%s',
    (_n, prev, expected, rules, change) => {
      expect(getReplicasChangePerPeriod(60, prev, NOW)).toBe(change);
      const up = storeScaleEvent(
        { ...EMPTY_HPA_STATE, scaleUpEvents: prev },
        resolveBehavior({ scaleUp: rules }),
        10,
        15,
        NOW,
      );
      expect(up.scaleUpEvents.map((x) => [x.replicaChange, x.outdated])).toEqual(expected);
      const down = storeScaleEvent(
        { ...EMPTY_HPA_STATE, scaleDownEvents: prev },
        resolveBehavior({ scaleDown: rules }),
        10,
        5,
        NOW,
      );
      expect(down.scaleDownEvents.map((x) => [x.replicaChange, x.outdated])).toEqual(expected);
    },
  );
});

describe('TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors)', () => {
  it.each([
    ['empty recommendations for scaling down', [], 100, 5, 5, [5], 0, 0],
    [
      'simple scale down stabilization',
      [
        [4, min(2)],
        [5, min(1)],
      ],
      100,
      3,
      5,
      [4, 5, 3],
      0,
      180,
    ],
    [
      'simple scale up stabilization',
      [
        [4, min(2)],
        [5, min(1)],
      ],
      1,
      7,
      4,
      [4, 5, 7],
      300,
      0,
    ],
    [
      'no scale down stabilization',
      [
        [1, min(2)],
        [2, min(1)],
      ],
      100,
      3,
      3,
      [1, 2, 3],
      300,
      0,
    ],
    [
      'no scale up stabilization',
      [
        [4, min(2)],
        [5, min(1)],
      ],
      1,
      3,
      3,
      [4, 5, 3],
      0,
      300,
    ],
    [
      'no scale down stabilization, reuse recommendation element',
      [
        [10, min(10)],
        [9, min(9)],
      ],
      100,
      3,
      3,
      [10, 3],
      0,
      0,
    ],
    [
      'no scale up stabilization, reuse recommendation element',
      [
        [10, min(10)],
        [9, min(9)],
      ],
      1,
      100,
      100,
      [10, 100],
      0,
      0,
    ],
    [
      'scale down stabilization, reuse one of obsolete recommendation element',
      [
        [10, min(10)],
        [4, min(1)],
        [5, min(2)],
        [9, min(9)],
      ],
      100,
      3,
      5,
      [10, 4, 5, 3],
      0,
      180,
    ],
    [
      'scale up stabilization, reuse one of obsolete recommendation element',
      [
        [10, min(100)],
        [6, min(1)],
        [5, min(2)],
        [9, min(3)],
      ],
      1,
      100,
      5,
      [100, 6, 5, 9],
      300,
      0,
    ],
  ] as Array<[string, Array<[number, number]>, number, number, number, number[], number, number]>)(
    '%s',
    (_n, recs, current, desired, expected, expectedRecs, upWindow, downWindow) => {
      const r = stabilizeRecommendationWithBehaviors(
        recs.map(([recommendation, atMs]) => ({ recommendation, atMs })),
        {
          currentReplicas: current,
          desiredReplicas: desired,
          scaleUpWindowSeconds: upWindow,
          scaleDownWindowSeconds: downWindow,
        },
        NOW,
      );
      expect(r.stabilized).toBe(expected);
      expect(r.recommendations.map((x) => x.recommendation)).toEqual(expectedRecs);
    },
  );
});

describe('hpaStep (reconcileAutoscaler decision)', () => {
  it('without behavior: scale-up capped at max(2*current, 4), scale-down held by the 300 s window', () => {
    let s: HpaControllerState = EMPTY_HPA_STATE;
    const step = (current: number, proposal: number, at: number) => {
      const r = hpaStep(
        s,
        { currentReplicas: current, minReplicas: 1, maxReplicas: 100, metricDesiredReplicas: proposal },
        at,
      );
      s = r.state;
      return r;
    };
    // the initial recommendation (current) holds any scale-down for 5 minutes after start
    expect(step(10, 4, NOW).desired).toBe(10);
    expect(step(10, 50, NOW + 15_000).desired).toBe(20);
    // recommendations of the last 300 s: 10, 4, 50 -> the max (50) is then capped at 40
    expect(step(20, 6, NOW + 30_000)).toMatchObject({
      desired: 40,
      stabilized: 50,
      condition: 'ScaleUpLimit',
    });
    // 301 s after the 50 recommendation, only 6s and lower remain in the window
    const later = NOW + 15_000 + 301_000;
    expect(step(40, 6, later).desired).toBe(6);
  });

  it('with default behavior: +max(4 pods, 100 %) per 15 s, events remembered in state', () => {
    let s: HpaControllerState = EMPTY_HPA_STATE;
    const r1 = hpaStep(
      s,
      { currentReplicas: 2, minReplicas: 1, maxReplicas: 100, metricDesiredReplicas: 30, behavior: {} },
      NOW,
    );
    expect(r1.desired).toBe(6); // max(2 + 4, 2 * 2)
    s = r1.state;
    // 5 s later: the period started at 2 replicas, so the limit is still 6
    const r2 = hpaStep(
      s,
      { currentReplicas: 6, minReplicas: 1, maxReplicas: 100, metricDesiredReplicas: 30, behavior: {} },
      NOW + 5_000,
    );
    expect(r2.desired).toBe(6);
    expect(r2.rescale).toBe(false);
    // 16 s later the event left the 15 s period: max(6 + 4, 12)
    const r3 = hpaStep(
      r2.state,
      { currentReplicas: 6, minReplicas: 1, maxReplicas: 100, metricDesiredReplicas: 30, behavior: {} },
      NOW + 16_000,
    );
    expect(r3.desired).toBe(12);
  });

  it('bounds preamble: zero replicas disables scaling; out-of-range current goes to the bound', () => {
    const base = { minReplicas: 2, maxReplicas: 5, metricDesiredReplicas: 3 };
    expect(hpaStep(EMPTY_HPA_STATE, { ...base, currentReplicas: 0 }, NOW)).toMatchObject({
      desired: 0,
      rescale: false,
    });
    expect(hpaStep(EMPTY_HPA_STATE, { ...base, currentReplicas: 9 }, NOW).desired).toBe(5);
    expect(hpaStep(EMPTY_HPA_STATE, { ...base, currentReplicas: 1 }, NOW).desired).toBe(2);
  });

  it('property: the result stays within [min, max] when current is within bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 60 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.boolean(),
        (lo, span, proposals, withBehavior) => {
          const hi = lo + span;
          let current = Math.max(lo, 1);
          let s: HpaControllerState = EMPTY_HPA_STATE;
          let t = NOW;
          for (const [proposal, dt] of proposals) {
            t += dt * 1000;
            const r = hpaStep(
              s,
              {
                currentReplicas: current,
                minReplicas: lo,
                maxReplicas: hi,
                metricDesiredReplicas: proposal,
                ...(withBehavior ? { behavior: {} } : {}),
              },
              t,
            );
            s = r.state;
            if (r.desired < lo || r.desired > hi) return false;
            current = r.desired;
          }
          return true;
        },
      ),
    );
  });

  it('property: replicas are monotonic in usage (all pods ready with metrics)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 10, max: 150 }),
        (n, usage, extra, target) => {
          const pods = (u: number) =>
            Array.from({ length: n }, (_, i) => ({
              name: `p${i}`,
              phase: 'Running' as const,
              ready: true,
              deleting: false,
              hasMetric: true,
              usage: u,
              request: 1000,
            }));
          const t = { type: 'Utilization' as const, averageUtilization: target };
          const a = calculateReplicas({ currentReplicas: n, target: t, pods: pods(usage) }).replicas;
          const b = calculateReplicas({ currentReplicas: n, target: t, pods: pods(usage + extra) }).replicas;
          return b >= a;
        },
      ),
    );
  });
});
