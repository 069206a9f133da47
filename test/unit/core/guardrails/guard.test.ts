import { HOLD, type Action } from '../../../../src/core/action';
import type { ActionHistory, GuardrailLimits } from '../../../../src/core/guardrail-types';
import type { CanaryPhase, Observation } from '../../../../src/core/observation';
import { noData, value } from '../../../../src/core/sample';
import { GUARD_RULES, guard } from '../../../../src/core/guardrails';
import { fresh, HISTORY, LIMITS, NOW, observation } from './guard-inputs';

const up = (delta: number): Action => ({ type: 'replicas', delta });
const run = (
  proposal: Action,
  o: Observation = observation(),
  limits: Partial<GuardrailLimits> = {},
  history: ActionHistory = HISTORY,
  now = NOW,
) => guard(proposal, o, history, { ...LIMITS, ...limits }, now);

describe('guard: order and bookkeeping', () => {
  it('runs the rules in the documented order', () => {
    expect(GUARD_RULES.map((r) => r.rule)).toEqual([
      'pause',
      'freeze-window',
      'stale-metrics',
      'canary-error-rollback',
      'slo-forced-scale-up',
      'slo-no-scale-down',
      'cooldown',
      'commit-rate',
      'step-limit',
      'canary-weight-jump',
      'replica-bounds',
    ]);
  });

  it('passes a sound proposal unchanged with no interventions', () => {
    expect(run(up(2))).toEqual({ action: up(2), interventions: [] });
    expect(run(up(-1))).toEqual({ action: up(-1), interventions: [] });
    expect(run(HOLD)).toEqual({ action: HOLD, interventions: [] });
  });

  it('chains interventions: each `to` is the next `from`', () => {
    // 7 pods up from 18: step limit to +4, then bounds to +2
    const r = run(up(7), observation({ declared: { replicas: 18 } }));
    expect(r.action).toEqual(up(2));
    expect(r.interventions.map((i) => [i.rule, i.effect, i.from, i.to])).toEqual([
      ['step-limit', 'clamped', up(7), up(4)],
      ['replica-bounds', 'clamped', up(4), up(2)],
    ]);
    expect(r.interventions[1]?.reason).toBe('18 +4 is outside [2, 20]: limited to 20 (delta 2)');
  });
});

describe('pause', () => {
  it('holds every agent action, and the safety rules do not run', () => {
    const hot = observation({ service: { p95LatencyMs: fresh(900) } });
    const r = run(up(1), hot, { paused: true });
    expect(r.action).toEqual(HOLD);
    expect(r.interventions).toHaveLength(1);
    expect(r.interventions[0]).toMatchObject({ rule: 'pause', effect: 'vetoed' });
    expect(r.interventions[0]?.reason).toMatch(
      /this target is paused by an operator: holding instead of scale-up \+1/,
    );
    // a hold stays a hold, even with p95 above the hard limit
    expect(run(HOLD, hot, { paused: true })).toEqual({ action: HOLD, interventions: [] });
  });

  it('applies a global pause from the history', () => {
    const r = run(up(1), observation(), {}, { commitTimes: [], globallyPaused: true });
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toMatch(/the agent is paused for all targets/);
  });

  it("lets a person's forced canary action through", () => {
    const o = observation({
      kind: 'flagger-canary',
      canary: {
        canary: { ...observation({ kind: 'flagger-canary' }).canary!.canary, errorRate: fresh(0.5) },
      },
    });
    const promote: Action = { type: 'canary', verb: 'promote', forced: true };
    expect(run(promote, o, { paused: true })).toEqual({ action: promote, interventions: [] });
  });
});

describe('freeze-window', () => {
  // Fridays 22:00 UTC for 10 hours; 2026-11-20 is a Friday
  const freeze = { freezeWindows: [{ cron: '0 22 * * 5', durationMinutes: 600, reason: 'weekend freeze' }] };
  const fri2230 = Date.UTC(2026, 10, 20, 22, 30);
  const at = (t: number) =>
    observation({
      service: {
        p95LatencyMs: value(150, t),
        cpuUtilization: value(0.6, t),
        rps: value(120, t),
        readyReplicas: value(5, t),
      },
    });

  it('holds agent changes inside the window, naming it', () => {
    const r = run(up(1), at(fri2230), freeze, HISTORY, fri2230);
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]).toMatchObject({ rule: 'freeze-window', effect: 'vetoed' });
    expect(r.interventions[0]?.reason).toBe(
      'freeze window "0 22 * * 5" (600 min, weekend freeze) active since 2026-11-20T22:00:00.000Z: holding instead of scale-up +1',
    );
  });

  it('starts at the start minute and ends after durationMinutes', () => {
    const start = Date.UTC(2026, 10, 20, 22, 0);
    const end = start + 600 * 60_000;
    expect(run(up(1), at(start), freeze, HISTORY, start).action).toEqual(HOLD);
    expect(run(up(1), at(end - 1), freeze, HISTORY, end - 1).action).toEqual(HOLD);
    expect(run(up(1), at(end), freeze, HISTORY, end).action).toEqual(up(1));
    expect(run(up(1), at(start - 1), freeze, HISTORY, start - 1).action).toEqual(up(1));
  });

  it('still allows the forced scale-up and the forced rollback', () => {
    const hot = observation({ service: { p95LatencyMs: value(900, fri2230 - 1000) } });
    const r = run(HOLD, { ...hot, at: fri2230 }, freeze, HISTORY, fri2230);
    expect(r.action).toEqual(up(2));
    expect(r.interventions.map((i) => i.rule)).toEqual(['slo-forced-scale-up']);
  });

  it('treats an unparsable cron as an active freeze (fail closed)', () => {
    const r = run(up(1), observation(), { freezeWindows: [{ cron: '61 * * * *', durationMinutes: 5 }] });
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toMatch(/cannot be evaluated .*treating it as active/);
  });
});

describe('stale-metrics', () => {
  it.each([
    ['missing', noData('missing'), /p95LatencyMs \(missing\)/],
    ['NaN', noData('nan'), /p95LatencyMs \(nan\)/],
    ['stale', value(150, NOW - 121_000), /p95LatencyMs \(stale \(121s old, limit 120s\)\)/],
    ['negative', fresh(-3), /p95LatencyMs \(negative \(-3\)\)/],
    ['ok NaN', { ok: true, value: NaN, at: NOW } as const, /p95LatencyMs \(nan\)/],
  ])('holds a scale change when p95 is %s', (_name, s, reason) => {
    const r = run(up(1), observation({ service: { p95LatencyMs: s } }));
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.rule).toBe('stale-metrics');
    expect(r.interventions[0]?.reason).toMatch(reason);
  });

  it.each(['cpuUtilization', 'readyReplicas', 'rps', 'p95LatencyMs'] as const)(
    'holds a scale change without %s, but not a hold',
    (metric) => {
      const o = observation({ service: { [metric]: noData('missing') } });
      expect(run(up(1), o).interventions.map((i) => [i.rule, i.reason])).toEqual([
        ['stale-metrics', `no usable data for ${metric} (missing): holding instead of scale-up +1`],
      ]);
      expect(run(HOLD, o)).toEqual({ action: HOLD, interventions: [] });
    },
  );

  it('lists every unusable input', () => {
    const r = run(
      up(-1),
      observation({ service: { cpuUtilization: noData('stale'), rps: noData('error', 'HTTP 503') } }),
    );
    expect(r.interventions[0]?.reason).toBe(
      'no usable data for cpuUtilization (stale), rps (error (HTTP 503)): holding instead of scale-down -1',
    );
  });

  it('accepts NaN latency of an idle service (rps 0) for a scale-down', () => {
    const idle = observation({ service: { rps: fresh(0), p95LatencyMs: noData('nan') } });
    expect(run(up(-1), idle).action).toEqual(up(-1));
    // not with traffic (NaN latency there is broken data), and not missing latency
    expect(
      run(up(-1), observation({ service: { rps: fresh(3), p95LatencyMs: noData('nan') } })).action,
    ).toEqual(HOLD);
    // nor missing latency
    expect(
      run(up(-1), observation({ service: { rps: fresh(0), p95LatencyMs: noData('missing') } })).action,
    ).toEqual(HOLD);
  });

  it('does not hold a hold, and needs no canary metrics at weight 0', () => {
    expect(run(HOLD, observation({ service: { rps: noData('missing') } }))).toEqual({
      action: HOLD,
      interventions: [],
    });
    const start = observation({
      kind: 'flagger-canary',
      canary: {
        weight: fresh(0),
        canary: {
          rps: noData('nan'),
          p95LatencyMs: noData('nan'),
          p99LatencyMs: noData('nan'),
          errorRate: noData('nan'),
        },
      },
    });
    const advance: Action = { type: 'canary', verb: 'advance' };
    expect(run(advance, start).action).toEqual(advance);
    const moving = observation({ kind: 'flagger-canary', canary: { canary: start.canary!.canary } });
    expect(run(advance, moving).interventions[0]?.reason).toMatch(
      /canary error rate \(nan\), canary p95 latency \(nan\)/,
    );
  });
});

describe('canary-error-rollback', () => {
  const bad = (errorRate: number, phase: CanaryPhase = 'Progressing') => {
    const base = observation({ kind: 'flagger-canary' });
    return observation({
      kind: 'flagger-canary',
      canary: { phase, canary: { ...base.canary!.canary, errorRate: fresh(errorRate) } },
    });
  };

  it('forces a rollback above the hard limit, whatever was proposed', () => {
    const r = run({ type: 'canary', verb: 'advance', stepWeight: 10 }, bad(0.0734));
    expect(r.action).toEqual({ type: 'canary', verb: 'rollback' });
    expect(r.interventions).toEqual([
      expect.objectContaining({
        rule: 'canary-error-rollback',
        effect: 'forced',
        reason: 'canary error rate 7.34 % is above the hard limit 5 % (phase Progressing): rolling back',
      }),
    ]);
  });

  it('does not fire at the limit, outside gated phases, or over a forced human action', () => {
    expect(run(HOLD, bad(0.05)).action).toEqual(HOLD);
    expect(run(HOLD, bad(0.5, 'Succeeded')).action).toEqual(HOLD);
    const promote: Action = { type: 'canary', verb: 'promote', forced: true };
    expect(run(promote, bad(0.5)).action).toEqual(promote);
  });

  it('rolls back during a freeze and past the commit rate', () => {
    const r = run(
      HOLD,
      bad(0.2),
      { freezeWindows: [{ cron: '* * * * *', durationMinutes: 5 }], maxCommitsPerHour: 1 },
      { commitTimes: [NOW - 1000] },
    );
    expect(r.action).toEqual({ type: 'canary', verb: 'rollback' });
  });
});

describe('slo-forced-scale-up', () => {
  const hot = (p95: number, replicas = 5) =>
    observation({ service: { p95LatencyMs: fresh(p95) }, declared: { replicas } });

  it('replaces a hold or a scale-down by +forcedScaleUpStep', () => {
    for (const proposal of [HOLD, up(-2), up(1)]) {
      const r = run(proposal, hot(400));
      expect(r.action).toEqual(up(2));
      expect(r.interventions.map((i) => [i.rule, i.effect])).toEqual([['slo-forced-scale-up', 'forced']]);
    }
    expect(run(HOLD, hot(400)).interventions[0]?.reason).toBe(
      'p95 400 ms is above the hard limit 375 ms: scaling up by 2 from 5 (max 20)',
    );
  });

  it('keeps a larger proposed scale-up and lets it past the cooldown', () => {
    const r = run(up(3), hot(400), {}, { commitTimes: [], lastScaleUpAt: NOW - 10_000 });
    expect(r).toEqual({ action: up(3), interventions: [] });
  });

  it('respects maxReplicas and does not fire at it', () => {
    expect(run(HOLD, hot(400, 19)).action).toEqual(up(1));
    expect(run(HOLD, hot(400, 20))).toEqual({ action: HOLD, interventions: [] });
  });

  it('moves the HPA floor for hpa-bounds targets', () => {
    const o = observation({
      kind: 'hpa-bounds',
      service: { p95LatencyMs: fresh(500) },
      declared: { minReplicas: 3 },
    });
    expect(run(HOLD, o).action).toEqual(up(2));
  });

  it('needs a usable p95 above the hard limit (not merely above the SLO)', () => {
    expect(run(HOLD, hot(375)).action).toEqual(HOLD);
    expect(run(HOLD, observation({ service: { p95LatencyMs: value(900, NOW - 200_000) } })).action).toEqual(
      HOLD,
    );
  });

  it('is clamped by the step limit', () => {
    const r = run(HOLD, hot(400), { forcedScaleUpStep: 6 });
    expect(r.action).toEqual(up(4));
    expect(r.interventions.map((i) => i.rule)).toEqual(['slo-forced-scale-up', 'step-limit']);
  });
});

describe('slo-no-scale-down', () => {
  it('holds a scale-down while p95 is within 10 % of the SLO', () => {
    const r = run(up(-1), observation({ service: { p95LatencyMs: fresh(225) } }));
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toBe(
      'p95 225 ms is within 10 % of the SLO 250 ms (>= 225 ms): no scale-down -1',
    );
    expect(run(up(-1), observation({ service: { p95LatencyMs: fresh(224.9) } })).action).toEqual(up(-1));
  });

  it('uses the configured margin', () => {
    expect(
      run(up(-1), observation({ service: { p95LatencyMs: fresh(200) } }), { scaleDownSloMargin: 0.25 })
        .action,
    ).toEqual(HOLD);
  });
});

describe('cooldown', () => {
  const h = (over: Partial<ActionHistory>): ActionHistory => ({ commitTimes: [], ...over });

  it('holds a scale-up within the scale-up cooldown of the last scale-up', () => {
    const r = run(up(1), observation(), {}, h({ lastScaleUpAt: NOW - 30_000 }));
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toBe(
      'last scale-up was 30 s ago, within the scale-up cooldown of 60 s: no scale-up +1',
    );
    expect(run(up(1), observation(), {}, h({ lastScaleUpAt: NOW - 60_000 })).action).toEqual(up(1));
    // a scale-down does not delay the next scale-up
    expect(run(up(1), observation(), {}, h({ lastScaleDownAt: NOW - 1_000 })).action).toEqual(up(1));
  });

  it('holds a scale-down within the scale-down cooldown of any scale', () => {
    expect(run(up(-1), observation(), {}, h({ lastScaleUpAt: NOW - 299_000 })).action).toEqual(HOLD);
    expect(
      run(up(-1), observation(), {}, h({ lastScaleDownAt: NOW - 100_000 })).interventions[0]?.reason,
    ).toBe('last scale-down was 100 s ago, within the scale-down cooldown of 300 s: no scale-down -1');
    expect(
      run(up(-1), observation(), {}, h({ lastScaleUpAt: NOW - 300_000, lastScaleDownAt: NOW - 400_000 }))
        .action,
    ).toEqual(up(-1));
  });

  it('counts a timestamp in the future as just now', () => {
    expect(run(up(1), observation(), {}, h({ lastScaleUpAt: NOW + 5_000 })).action).toEqual(HOLD);
  });
});

describe('commit-rate', () => {
  const commits = (n: number, spacingMs: number) =>
    Array.from({ length: n }, (_, i) => NOW - 1 - i * spacingMs);

  it('holds agent changes once maxCommitsPerHour commits were made in the rolling hour', () => {
    const r = run(up(1), observation(), { maxCommitsPerHour: 3 }, { commitTimes: commits(3, 60_000) });
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toBe(
      '3 commits for this target in the last hour (limit 3): no scale-up +1',
    );
    // commits older than an hour do not count
    expect(
      run(up(1), observation(), { maxCommitsPerHour: 3 }, { commitTimes: commits(3, 1_800_000) }).action,
    ).toEqual(up(1));
  });

  it('lets a safety-forced scale-up through', () => {
    const hot = observation({ service: { p95LatencyMs: fresh(800) } });
    expect(run(HOLD, hot, { maxCommitsPerHour: 1 }, { commitTimes: [NOW - 10] }).action).toEqual(up(2));
  });
});

describe('step-limit', () => {
  it.each([
    [7, 4],
    [-5, -2],
    [Infinity, 4],
    [-Infinity, -2],
    [2.7, 2],
    [-1.5, -1],
    [0.4, 0],
  ])('clamps %p to %p', (from, to) => {
    const o = observation({ service: { p95LatencyMs: fresh(100) } });
    const r = run(up(from), o);
    expect(r.action).toEqual(up(to));
    expect(r.interventions[0]?.rule).toBe('step-limit');
  });

  it('holds a NaN delta', () => {
    expect(run(up(NaN)).action).toEqual(HOLD);
  });
});

describe('canary-weight-jump', () => {
  const canaryAt = (weight: number, declared: Partial<Observation['declared']> = {}) =>
    observation({ kind: 'flagger-canary', canary: { weight: fresh(weight) }, declared });
  const advance = (stepWeight?: number, forced?: boolean): Action => ({
    type: 'canary',
    verb: 'advance',
    ...(stepWeight !== undefined ? { stepWeight } : {}),
    ...(forced ? { forced } : {}),
  });

  it('clamps a requested step to canaryMaxStepWeight', () => {
    const r = run(advance(100), canaryAt(0));
    expect(r.action).toEqual(advance(25));
    expect(r.interventions[0]?.reason).toBe(
      'requested canary step 100 % limited to 25 % (canaryMaxStepWeight 25 %, whole percent)',
    );
    expect(run(advance(100, true), canaryAt(0)).action).toEqual(advance(25, true));
    expect(run(advance(12.5), canaryAt(0)).action).toEqual(advance(12));
  });

  it('holds while the declared step is above the limit or unknown', () => {
    expect(run(advance(), canaryAt(10, { stepWeight: 50 })).interventions[0]?.reason).toBe(
      'declared analysis.stepWeight 50 % exceeds canaryMaxStepWeight 25 % and Flagger would take that step now; set it to 25 or less in git: holding instead of canary advance',
    );
    expect(run(advance(10), canaryAt(10, { stepWeight: undefined })).action).toEqual(HOLD);
  });

  it('holds a step below 1 %', () => {
    expect(run(advance(0), canaryAt(10)).action).toEqual(HOLD);
    expect(run(advance(NaN), canaryAt(10)).action).toEqual(HOLD);
  });

  it('holds an agent promote below maxWeight; a forced promote may skip', () => {
    const r = run({ type: 'canary', verb: 'promote' }, canaryAt(0));
    expect(r.action).toEqual(HOLD);
    expect(r.interventions[0]?.reason).toMatch(
      /promoting at weight 0 % would skip the steps up to maxWeight 50 %/,
    );
    expect(run({ type: 'canary', verb: 'promote' }, canaryAt(49)).action).toEqual(HOLD);
    expect(run({ type: 'canary', verb: 'promote' }, canaryAt(50)).action).toEqual({
      type: 'canary',
      verb: 'promote',
    });
    // with no maxWeight declared, Flagger's default of 100 applies
    expect(run({ type: 'canary', verb: 'promote' }, canaryAt(50, { maxWeight: undefined })).action).toEqual(
      HOLD,
    );
    const forced: Action = { type: 'canary', verb: 'promote', forced: true };
    expect(run(forced, canaryAt(0))).toEqual({ action: forced, interventions: [] });
  });
});

describe('replica-bounds', () => {
  it('moves a declared count outside the bounds back inside', () => {
    const r = run(up(1), observation({ declared: { replicas: 30 }, service: { p95LatencyMs: fresh(100) } }));
    expect(r.action).toEqual(up(-10));
    expect(r.interventions.at(-1)?.reason).toBe(
      'declared replicas 30 is outside [2, 20]: moving it to 20 instead of scale-up +1',
    );
    expect(run(up(-1), observation({ declared: { replicas: -4 } })).action).toEqual(up(6));
  });

  it('leaves a hold alone even outside the bounds', () => {
    expect(run(HOLD, observation({ declared: { replicas: 30 } }))).toEqual({
      action: HOLD,
      interventions: [],
    });
  });

  it('holds when the current count is unknown', () => {
    for (const replicas of [undefined, NaN, 2.5, 2 ** 60]) {
      const r = run(up(1), observation({ declared: { replicas } }));
      expect(r.action).toEqual(HOLD);
      expect(r.interventions.at(-1)?.reason).toBe(
        'declared replicas is unknown, so [2, 20] cannot be checked: no scale-up +1',
      );
    }
    const c = run(up(1), observation({ kind: 'flagger-canary' }));
    expect(c.action).toEqual(HOLD);
    expect(c.interventions[0]?.reason).toMatch(/flagger-canary target is scaled through its HPA/);
  });

  it('holds when the bounds themselves are invalid', () => {
    expect(run(up(1), observation(), { minReplicas: 5, maxReplicas: 3 }).action).toEqual(HOLD);
  });
});
