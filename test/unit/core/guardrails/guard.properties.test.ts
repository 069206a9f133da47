import fc from 'fast-check';
import type { Action } from '../../../../src/core/action';
import type { FreezeWindow, GuardResult } from '../../../../src/core/guardrail-types';
import type { Observation } from '../../../../src/core/observation';
import type { Sample } from '../../../../src/core/sample';
import { guard } from '../../../../src/core/guardrails';
import { caseArb, type Case } from './guard-arbitraries';

/**
 * Properties of the guardrails, each checked on 10,000 random cases (fast-check) with arbitrary
 * proposals, observations and histories. The oracles below restate each rule's trigger from the
 * documented semantics, independently of the implementation (the freeze-window oracle matches cron
 * fields minute by minute instead of asking cron-parser).
 */
const RUNS = 10_000;

/**
 * Every property below is checked on each of the same RUNS random cases (one generation, one guard
 * call per case: generating the cases is most of the cost). A property returns whether the case was
 * relevant to it (its rule's condition held, so its assertions said something); one relevant in too
 * few cases would pass vacuously, so each must be relevant in at least MIN_RELEVANT cases (the
 * generators give each 230 to 1,600; 150 is well clear of chance).
 */
const MIN_RELEVANT = 150;

interface Property {
  readonly name: string;
  readonly check: (c: Case, r: GuardResult) => boolean;
}

// ---------------------------------------------------------------- oracles

function usable(s: Sample | undefined, c: Case): number | undefined {
  if (s === undefined || !s.ok) return undefined;
  const fine = Number.isFinite(s.value) && s.value >= 0 && c.nowMs - s.at <= c.limits.stalenessSeconds * 1000;
  return fine ? s.value : undefined;
}

function current(o: Observation): number | undefined {
  const v =
    o.kind === 'deployment-replicas'
      ? o.declared.replicas
      : o.kind === 'hpa-bounds'
        ? o.declared.minReplicas
        : undefined;
  return v !== undefined && Number.isSafeInteger(v) ? v : undefined;
}

const insideBounds = (c: Case, n: number | undefined) =>
  n !== undefined && n >= c.limits.minReplicas && n <= c.limits.maxReplicas;

const isNoop = (a: Action) =>
  a.type === 'hold' ||
  (a.type === 'replicas' && a.delta === 0) ||
  (a.type === 'canary' && a.verb === 'hold' && !a.forced);
const isHumanForced = (a: Action) => a.type === 'canary' && a.forced === true;
const isRollback = (a: Action) => a.type === 'canary' && a.verb === 'rollback';
const paused = (c: Case) => c.limits.paused || c.history.globallyPaused === true;

function idle(c: Case): boolean {
  const p95 = c.observation.service.p95LatencyMs;
  return (
    usable(c.observation.service.rps, c) === 0 && (p95.ok ? Number.isNaN(p95.value) : p95.reason === 'nan')
  );
}

/** p95 above the hard limit on a scalable target. */
function scaleUpTrigger(c: Case): boolean {
  const p95 = usable(c.observation.service.p95LatencyMs, c);
  return c.observation.kind !== 'flagger-canary' && p95 !== undefined && p95 > c.limits.hardP95Ms;
}

/** canary error rate above the hard limit while Flagger consults the rollback gate. */
function rollbackTrigger(c: Case): boolean {
  const k = c.observation.canary;
  if (c.observation.kind !== 'flagger-canary' || k === undefined) return false;
  if (!['Progressing', 'Waiting', 'WaitingPromotion'].includes(k.phase)) return false;
  const e = usable(k.canary.errorRate, c);
  return e !== undefined && e > c.limits.canaryErrorRateHardLimit;
}

/** What may still happen while a damping rule (freeze, commit rate) holds the agent. */
function allowedWhileHeld(c: Case, final: Action): boolean {
  return (
    isNoop(final) ||
    isRollback(final) ||
    isHumanForced(final) ||
    (final.type === 'replicas' && final.delta > 0 && scaleUpTrigger(c))
  );
}

/** Minute-by-minute cron matcher for the field shapes in FREEZE_CRONS: n, *, *\/n, a-b, a,b. */
function fieldMatches(field: string, v: number): boolean {
  return field.split(',').some((part) => {
    if (part === '*') return true;
    const step = /^\*\/(\d+)$/.exec(part);
    if (step) return v % Number(step[1]) === 0;
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) return v >= Number(range[1]) && v <= Number(range[2]);
    return Number(part) === v;
  });
}

function dayMatches(cron: string, dayStart: number): boolean {
  const [, , dom, mon, dow] = cron.split(' ') as [string, string, string, string, string];
  const t = new Date(dayStart);
  const domOk = fieldMatches(dom, t.getUTCDate());
  const dowOk = fieldMatches(dow, t.getUTCDay());
  // crontab(5): when both day fields are restricted (neither starts with *), either may match
  const dayOk = !dom.startsWith('*') && !dow.startsWith('*') ? domOk || dowOk : domOk && dowOk;
  return dayOk && fieldMatches(mon, t.getUTCMonth() + 1);
}

/** Minute by minute back from now: did any window start within its duration? */
function frozen(windows: readonly FreezeWindow[], now: number): boolean {
  const minute = now - (now % 60_000);
  return windows.some((w) => {
    const [min, hour] = w.cron.split(' ') as [string, string];
    const days = new Map<number, boolean>();
    for (let k = 0; k < w.durationMinutes; k++) {
      const t = minute - k * 60_000;
      const day = t - (t % 86_400_000);
      let ok = days.get(day);
      if (ok === undefined) days.set(day, (ok = dayMatches(w.cron, day)));
      if (ok && fieldMatches(min, (t / 60_000) % 60) && fieldMatches(hour, Math.floor(t / 3_600_000) % 24))
        return true;
    }
    return false;
  });
}

// ---------------------------------------------------------------- properties

const PROPERTIES: readonly Property[] = [
  {
    name: 'replica-bounds: a final replica change always lands inside [minReplicas, maxReplicas]',
    check: (c, r) => {
      const a = r.action;
      if (a.type !== 'replicas' || a.delta === 0) return false;
      const cur = current(c.observation);
      expect(cur).toBeDefined();
      expect(Number.isSafeInteger(a.delta)).toBe(true);
      const next = (cur as number) + a.delta;
      expect(next).toBeGreaterThanOrEqual(c.limits.minReplicas);
      expect(next).toBeLessThanOrEqual(c.limits.maxReplicas);
      return true;
    },
  },

  {
    name: 'step-limit: from inside the bounds, a change never exceeds maxStepUp / maxStepDown',
    check: (c, r) => {
      const a = r.action;
      if (a.type !== 'replicas' || a.delta === 0 || !insideBounds(c, current(c.observation))) return false;
      expect(a.delta).toBeLessThanOrEqual(c.limits.maxStepUp);
      expect(a.delta).toBeGreaterThanOrEqual(-c.limits.maxStepDown);
      return true;
    },
  },

  {
    name: "pause: a paused agent only passes a person's forced canary action",
    check: (c, r) => {
      if (!paused(c)) return false;
      expect(isNoop(r.action) || isHumanForced(r.action)).toBe(true);
      if (isHumanForced(r.action)) expect(isHumanForced(c.proposal)).toBe(true);
      return true;
    },
  },

  {
    name: 'freeze-window: during a freeze only noops, rollbacks, forced actions and the forced scale-up pass',
    check: (c, r) => {
      if (!frozen(c.limits.freezeWindows, c.nowMs)) {
        // and outside every window the rule never fires
        expect(r.interventions.some((i) => i.rule === 'freeze-window')).toBe(false);
        return false;
      }
      expect(allowedWhileHeld(c, r.action)).toBe(true);
      return !isNoop(c.proposal);
    },
  },

  {
    name: 'stale-metrics: an agent change never rests on missing, NaN, negative or stale inputs',
    check: (c, r) => {
      const a = r.action;
      const o = c.observation;
      if (isNoop(a) || isRollback(a) || isHumanForced(a)) return false;
      if (a.type === 'replicas') {
        if (a.delta > 0 && scaleUpTrigger(c)) return false; // safety-forced: needs only its own trigger
        for (const m of ['cpuUtilization', 'readyReplicas', 'rps'] as const) {
          expect(usable(o.service[m], c)).toBeDefined();
        }
        expect(usable(o.service.p95LatencyMs, c) !== undefined || idle(c)).toBe(true);
      } else if (a.type === 'canary') {
        const w = usable(o.canary?.weight, c);
        expect(w).toBeDefined();
        if ((w as number) > 0) {
          expect(usable(o.canary?.canary.errorRate, c)).toBeDefined();
          expect(usable(o.canary?.canary.p95LatencyMs, c)).toBeDefined();
        }
      }
      return true;
    },
  },

  {
    name: 'canary-error-rollback: a rollback is forced exactly when the canary error rate is over its limit',
    check: (c, r) => {
      const trigger = rollbackTrigger(c);
      for (const i of r.interventions) {
        if (i.rule === 'canary-error-rollback') {
          expect(i.effect).toBe('forced');
          expect(trigger).toBe(true);
        }
      }
      if (isRollback(r.action) && !isRollback(c.proposal)) expect(trigger).toBe(true);
      if (!trigger || paused(c) || isHumanForced(c.proposal)) return false;
      expect(isRollback(r.action) && !isHumanForced(r.action)).toBe(true);
      return true;
    },
  },

  {
    name: 'slo-forced-scale-up: a scale-up is forced only above the hard p95, and always then (up to maxReplicas)',
    check: (c, r) => {
      const trigger = scaleUpTrigger(c);
      for (const i of r.interventions) {
        if (i.rule === 'slo-forced-scale-up') {
          expect(i.effect).toBe('forced');
          expect(trigger).toBe(true);
        }
      }
      const cur = current(c.observation);
      if (!trigger || paused(c) || isHumanForced(c.proposal) || cur === undefined) return false;
      if (cur >= c.limits.maxReplicas) return false;
      expect(r.action.type).toBe('replicas');
      const delta = r.action.type === 'replicas' ? r.action.delta : 0;
      expect(delta).toBeGreaterThanOrEqual(1);
      expect(cur + delta).toBeLessThanOrEqual(c.limits.maxReplicas);
      return true;
    },
  },

  {
    name: 'slo-no-scale-down: no scale-down while p95 is unknown or within the margin of the SLO',
    check: (c, r) => {
      const cur = current(c.observation);
      // above maxReplicas the bounds move the count down whatever the latency
      if (cur === undefined || cur > c.limits.maxReplicas) return false;
      const p95 = usable(c.observation.service.p95LatencyMs, c);
      const threshold = c.limits.sloP95Ms * (1 - c.limits.scaleDownSloMargin);
      const allowed = (p95 !== undefined && p95 < threshold) || (p95 === undefined && idle(c));
      const finalDown = r.action.type === 'replicas' && r.action.delta < 0;
      if (finalDown) expect(allowed).toBe(true);
      const proposedDown = c.proposal.type === 'replicas' && c.proposal.delta < 0;
      // relevant: a scale-down happened, or one was proposed where it must not happen
      return finalDown || (proposedDown && !allowed);
    },
  },

  {
    name: 'cooldown: no agent scale inside its cooldown',
    check: (c, r) => {
      const a = r.action;
      if (a.type !== 'replicas' || a.delta === 0 || !insideBounds(c, current(c.observation))) return false;
      const within = (at: number | undefined, s: number) =>
        at !== undefined && Number.isFinite(at) && c.nowMs - at < s * 1000;
      const h = c.history;
      if (a.delta > 0) {
        if (scaleUpTrigger(c)) return false;
        expect(within(h.lastScaleUpAt, c.limits.scaleUpCooldownSeconds)).toBe(false);
      } else {
        const down = c.limits.scaleDownCooldownSeconds;
        expect(within(h.lastScaleUpAt, down) || within(h.lastScaleDownAt, down)).toBe(false);
      }
      return true;
    },
  },

  {
    name: 'commit-rate: at maxCommitsPerHour only noops and safety actions pass',
    check: (c, r) => {
      const recent = c.history.commitTimes.filter((t) => c.nowMs - t < 3_600_000).length;
      if (recent < c.limits.maxCommitsPerHour) {
        expect(r.interventions.some((i) => i.rule === 'commit-rate')).toBe(false);
        return false;
      }
      expect(allowedWhileHeld(c, r.action)).toBe(true);
      return !isNoop(c.proposal);
    },
  },

  {
    name: 'canary-weight-jump: the agent never moves canary traffic by more than canaryMaxStepWeight, never 0 -> 100',
    check: (c, r) => {
      const a = r.action;
      if (a.type !== 'canary' || (a.verb !== 'advance' && a.verb !== 'promote')) return false;
      expect(c.observation.kind).toBe('flagger-canary');
      const d = c.observation.declared;
      const cap = c.limits.canaryMaxStepWeight;
      const w = usable(c.observation.canary?.weight, c);
      if (a.verb === 'advance') {
        expect(w !== undefined && w <= 100).toBe(true);
        expect(d.stepWeight !== undefined && d.stepWeight >= 1 && d.stepWeight <= cap).toBe(true);
        if (a.stepWeight !== undefined) {
          expect(Number.isInteger(a.stepWeight) && a.stepWeight >= 1 && a.stepWeight <= cap).toBe(true);
        }
        // the largest step Flagger may take now or after the edit applies
        expect(Math.max(d.stepWeight as number, a.stepWeight ?? 0)).toBeLessThan(100);
      } else if (a.forced === true) {
        expect(c.proposal).toEqual(a);
      } else {
        const m = d.maxWeight;
        const maxWeight = m !== undefined && Number.isFinite(m) && m >= 0 && m <= 100 ? m : 100;
        expect(w !== undefined && w >= maxWeight).toBe(true);
      }
      return true;
    },
  },

  {
    name: 'every rule: interventions chain from the proposal to the final action, and guard is deterministic',
    check: (c, r) => {
      let at: Action = c.proposal;
      for (const i of r.interventions) {
        expect(i.from).toEqual(at);
        expect(i.to).not.toEqual(i.from);
        expect(i.reason.length).toBeGreaterThan(0);
        at = i.to;
      }
      expect(r.action).toEqual(at);
      expect(guard(c.proposal, c.observation, c.history, c.limits, c.nowMs)).toEqual(r);
      return r.interventions.length > 0;
    },
  },
];

describe('guardrail properties (10,000 random cases, every property on each)', () => {
  const relevant = new Map<string, number>(PROPERTIES.map((p) => [p.name, 0]));
  let completed = false;

  it('every property holds on every case', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = guard(c.proposal, c.observation, c.history, c.limits, c.nowMs);
        for (const p of PROPERTIES) {
          let hit: boolean;
          try {
            hit = p.check(c, r);
          } catch (e) {
            throw new Error(`${p.name}\n${(e as Error).message}`);
          }
          if (hit) relevant.set(p.name, (relevant.get(p.name) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS },
    );
    completed = true;
  });

  it.each(PROPERTIES.map((p) => p.name))('was exercised: %s', (name) => {
    // after a failure the counts are partial; the failure above is the report
    if (!completed) return;
    expect(relevant.get(name)).toBeGreaterThanOrEqual(MIN_RELEVANT);
  });
});
