import fc from 'fast-check';
import { HOLD, type Action } from '../../../../src/core/action';
import type { ActionHistory, FreezeWindow, GuardrailLimits } from '../../../../src/core/guardrail-types';
import type { CanaryPhase, Observation, VersionMetrics } from '../../../../src/core/observation';
import type { NoDataReason, Sample } from '../../../../src/core/sample';
import type { TargetKind } from '../../../../src/core/target';

/**
 * fast-check arbitraries for the guardrail properties: valid limits (the config schema guarantees
 * them), and proposals, observations and histories with anything in them — NaN, ±Infinity, -0,
 * negative, huge, fractional, stale, missing, timestamps in the future.
 *
 * A third of the cases are "wild" (any input is likely to be broken somewhere, so most end in a
 * hold), the rest "tame" (fresh, plausible inputs with the odd broken one), so every rule's interesting path —
 * an agent change that survives to the later rules — is reached in thousands of cases too.
 */

/** Any number at all, weighted towards the small integers where the rules' boundaries are. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -20, max: 40 }) },
  { weight: 2, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      NaN,
      Infinity,
      -Infinity,
      -0,
      0.5,
      -0.5,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 53,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_VALUE,
    ),
  },
);

/** Uniform on [min, max] (fc.double is biased towards tiny and extreme values, on purpose). */
const uniform = (min: number, max: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);

/** Mostly `typical`, sometimes anything (1 in `odds`). */
const mostly = <T>(typical: fc.Arbitrary<T>, other: fc.Arbitrary<T>, odds: number) =>
  fc.oneof({ weight: odds - 1, arbitrary: typical }, { weight: 1, arbitrary: other });

export const PHASES: readonly CanaryPhase[] = [
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Terminated',
  'Unknown',
];

/** Freeze window schedules: each shape of cron field the oracle in the tests understands. */
export const FREEZE_CRONS = [
  '0 22 * * 5',
  '*/15 * * * *',
  '0 0 1 * *',
  '30 9 * * 1-5',
  '0 */6 * * *',
  '59 23 31 12 *',
  '0 12 1,15 * *',
  '5-10 * * * 0,6',
  '0 0 1 * 1',
];

export interface Case {
  readonly proposal: Action;
  readonly observation: Observation;
  readonly history: ActionHistory;
  readonly limits: GuardrailLimits;
  readonly nowMs: number;
}

const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 24 * 3_600_000;

/** `odds`: one value in `odds` is broken (wild cases use small odds, tame ones large). */
function caseOf(odds: number): fc.Arbitrary<Case> {
  const num = (typical: fc.Arbitrary<number>) => mostly(typical, anyNumber, odds);
  const ageMs = mostly(
    fc.integer({ min: 0, max: 2_000 }),
    fc.oneof(fc.integer({ min: -10_000, max: 400_000 }), fc.constantFrom(NaN, Infinity, -Infinity)),
    odds,
  );
  const sample = (typical: fc.Arbitrary<number>): fc.Arbitrary<(now: number) => Sample> =>
    mostly(
      fc
        .record({ value: num(typical), age: ageMs })
        .map(({ value, age }) => (now: number): Sample => ({ ok: true, value, at: now - age })),
      fc
        .constantFrom<NoDataReason>('missing', 'nan', 'inf', 'stale', 'error')
        .map((reason) => (): Sample => ({ ok: false, reason })),
      odds,
    );
  // mostly well below the SLOs generated below, sometimes anywhere up to far above the hard limit
  const latency = sample(mostly(fc.integer({ min: 0, max: 250 }), fc.integer({ min: 0, max: 2000 }), 3));
  const fraction = sample(mostly(uniform(0, 0.02), uniform(0, 0.4), 3));
  // metrics no rule reads (p99, memory, spec replicas, the primary's) are one fixed broken value:
  // random ones would add generation time and no coverage
  const unread = fc.constant((): Sample => ({ ok: true, value: NaN, at: NaN }));
  const version = fc.record({
    rps: sample(fc.integer({ min: 0, max: 500 })),
    p95LatencyMs: latency,
    p99LatencyMs: unread,
    // half healthy, half anywhere up to 40 %: the rollback limit is crossed in many cases
    errorRate: sample(uniform(0, 0.4)),
  });
  const gated = fc.constantFrom<CanaryPhase>('Progressing', 'Waiting', 'WaitingPromotion');
  const optional = (typical: fc.Arbitrary<number>) => fc.option(num(typical), { nil: undefined, freq: odds });
  const replicas = fc.integer({ min: 0, max: 30 });

  const limits: fc.Arbitrary<GuardrailLimits> = fc
    .record({
      minReplicas: fc.integer({ min: 0, max: 10 }),
      span: fc.integer({ min: 0, max: 20 }),
      maxStepUp: fc.integer({ min: 1, max: 10 }),
      maxStepDown: fc.integer({ min: 1, max: 10 }),
      scaleUpCooldownSeconds: mostly(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 600 }), 3),
      scaleDownCooldownSeconds: mostly(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 900 }), 3),
      maxCommitsPerHour: mostly(fc.integer({ min: 8, max: 40 }), fc.integer({ min: 1, max: 40 }), 3),
      stalenessSeconds: fc.integer({ min: 5, max: 300 }),
      sloP95Ms: fc.integer({ min: 100, max: 800 }),
      hardFactor: uniform(1, 3),
      sloErrorRate: uniform(0, 1),
      scaleDownSloMargin: mostly(uniform(0, 0.3), uniform(0, 1), 4),
      forcedScaleUpStep: fc.integer({ min: 1, max: 10 }),
      canaryErrorRateHardLimit: uniform(0.01, 0.3),
      canaryMaxStepWeight: fc.integer({ min: 1, max: 99 }),
      freezeWindows: mostly(
        fc.constant<FreezeWindow[]>([]),
        fc.array(
          fc.record({
            cron: fc.constantFrom(...FREEZE_CRONS),
            durationMinutes: fc.integer({ min: 1, max: 2000 }),
          }),
          { minLength: 1, maxLength: 2 },
        ),
        4,
      ),
      paused: mostly(fc.constant(false), fc.constant(true), 20),
    })
    .map(({ span, hardFactor, ...l }) => ({
      ...l,
      maxReplicas: l.minReplicas + span,
      hardP95Ms: l.sloP95Ms * hardFactor,
    }));

  const replicaProposal = num(fc.integer({ min: -6, max: 6 })).map((delta): Action => ({
    type: 'replicas',
    delta,
  }));
  const canaryProposal = fc
    .record(
      {
        verb: fc.constantFrom('advance' as const, 'hold' as const, 'promote' as const, 'rollback' as const),
        stepWeight: num(fc.integer({ min: 0, max: 150 })),
        forced: mostly(fc.constant(false), fc.constant(true), 6),
      },
      { requiredKeys: ['verb'] },
    )
    .map((c): Action => ({ type: 'canary', ...c }));
  /** mostly the kind of action the target takes, sometimes a hold or the other kind */
  const proposalFor = (kind: TargetKind): fc.Arbitrary<Action> =>
    mostly(
      kind === 'flagger-canary' ? canaryProposal : replicaProposal,
      fc.oneof(fc.constant(HOLD), replicaProposal, canaryProposal),
      3,
    );

  const timeAgo = fc.option(num(fc.integer({ min: -30_000, max: 1_200_000 })), { nil: undefined, freq: 2 });
  const commitAge = num(fc.integer({ min: -60_000, max: 7_200_000 }));

  return fc
    .record({
      kindAndProposal: fc
        .constantFrom<TargetKind>('deployment-replicas', 'hpa-bounds', 'flagger-canary')
        .chain((kind) => proposalFor(kind).map((proposal) => ({ kind, proposal }))),
      service: fc.record({
        cpuUtilization: sample(uniform(0, 2)),
        memoryBytes: unread,
        readyReplicas: sample(replicas),
        specReplicas: unread,
        rps: sample(fc.integer({ min: 0, max: 500 })),
        p95LatencyMs: latency,
        p99LatencyMs: unread,
        errorRate: fraction,
      }),
      canary: fc.option(
        fc.record({
          weight: sample(fc.integer({ min: 0, max: 100 })),
          phase: mostly(gated, fc.constantFrom(...PHASES), 3),
          canary: version,
          primary: fc.record({ rps: unread, p95LatencyMs: unread, p99LatencyMs: unread, errorRate: unread }),
        }),
        { nil: undefined, freq: odds },
      ),
      declared: fc.record({
        replicas: optional(replicas),
        minReplicas: optional(replicas),
        maxReplicas: optional(replicas),
        stepWeight: optional(fc.integer({ min: 0, max: 60 })),
        maxWeight: optional(fc.integer({ min: 0, max: 100 })),
      }),
      limits,
      now: fc.integer({ min: YEAR_START, max: YEAR_START + YEAR_MS }),
      // a fraction of cases land on a minute boundary, where windows start and end
      onMinute: fc.boolean(),
      lastScaleUpAge: timeAgo,
      lastScaleDownAge: timeAgo,
      commitAges: mostly(fc.array(commitAge, { maxLength: 8 }), fc.array(commitAge, { maxLength: 45 }), 4),
      globallyPaused: fc.option(mostly(fc.constant(false), fc.constant(true), 20), {
        nil: undefined,
        freq: 2,
      }),
    })
    .map((r): Case => {
      const nowMs = r.onMinute ? r.now - (r.now % 60_000) : r.now;
      const at = <K extends string>(o: Record<K, (now: number) => Sample>) =>
        Object.fromEntries(
          Object.entries(o).map(([k, f]) => [k, (f as (now: number) => Sample)(nowMs)]),
        ) as Record<K, Sample>;
      const declared: Observation['declared'] = { revision: 'f'.repeat(40) };
      for (const [k, v] of Object.entries(r.declared))
        if (v !== undefined) Object.assign(declared, { [k]: v });
      const c = r.canary;
      const observation: Observation = {
        target: 'prop',
        kind: r.kindAndProposal.kind,
        at: nowMs,
        service: at(r.service),
        ...(c !== undefined
          ? {
              canary: {
                weight: c.weight(nowMs),
                phase: c.phase,
                canary: at(c.canary) as unknown as VersionMetrics,
                primary: at(c.primary) as unknown as VersionMetrics,
              },
            }
          : {}),
        declared,
      };
      const history: ActionHistory = {
        commitTimes: r.commitAges.map((a) => nowMs - a),
        ...(r.lastScaleUpAge !== undefined ? { lastScaleUpAt: nowMs - r.lastScaleUpAge } : {}),
        ...(r.lastScaleDownAge !== undefined ? { lastScaleDownAt: nowMs - r.lastScaleDownAge } : {}),
        ...(r.globallyPaused !== undefined ? { globallyPaused: r.globallyPaused } : {}),
      };
      return { proposal: r.kindAndProposal.proposal, observation, history, limits: r.limits, nowMs };
    });
}

export const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 1, arbitrary: caseOf(3) },
  { weight: 2, arbitrary: caseOf(40) },
);
