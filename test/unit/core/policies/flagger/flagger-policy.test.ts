import { createFlaggerPolicy } from '../../../../../src/core/policies/flagger/flagger-policy';
import { maxWeightOf, nextStepWeight } from '../../../../../src/core/policies/canary-schedule';
import type { PolicyOutput } from '../../../../../src/core/decision';
import { noData } from '../../../../../src/core/sample';
import { canaryObs, ctx, version } from '../canary-fixtures';

const decide = (
  o: Parameters<ReturnType<typeof createFlaggerPolicy>['decide']>[0],
  state?: unknown,
  opts = {},
) => createFlaggerPolicy(opts).decide(o, ctx(state)) as PolicyOutput;

describe('flagger policy (one analysis tick of Flagger 1.x)', () => {
  it('starts a run at weight 0 without metric checks, then steps by stepWeight', () => {
    expect(decide(canaryObs(0, 'Progressing', version(0.5))).action).toEqual({
      type: 'canary',
      verb: 'advance',
      stepWeight: 10,
    });
    expect(decide(canaryObs(20, 'Progressing', version(0.001))).action).toEqual({
      type: 'canary',
      verb: 'advance',
      stepWeight: 10,
    });
  });

  it('promotes once the weight reaches maxWeight and checks pass', () => {
    const out = decide(canaryObs(50, 'Progressing', version(0.001)));
    expect(out.action).toEqual({ type: 'canary', verb: 'promote' });
    expect(decide(canaryObs(50, 'WaitingPromotion', version(0.001))).action).toEqual({
      type: 'canary',
      verb: 'promote',
    });
  });

  it('a success rate below 99 % is a failed check (hold); threshold failed checks roll back on the next tick', () => {
    let state: unknown;
    for (let i = 1; i <= 5; i++) {
      const out = decide(canaryObs(20, 'Progressing', version(0.02)), state);
      expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
      expect(out.explanation.join(' ')).toMatch(/success rate 98\.00% < 99%/);
      expect(out.explanation.join(' ')).toMatch(new RegExp(`failed checks ${i}/5`));
      state = out.state;
    }
    // failedChecks (5) >= threshold (5): rollback before looking at metrics, even healthy ones
    expect(decide(canaryObs(20, 'Progressing', version(0.0)), state).action).toEqual({
      type: 'canary',
      verb: 'rollback',
    });
  });

  it('request duration (p99) above 500 ms fails the check', () => {
    const out = decide(canaryObs(30, 'Progressing', version(0.001, 200, 650)));
    expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
    expect(out.explanation[0]).toMatch(/request duration 650ms > 500ms/);
  });

  it('no data for a check is a failed check ("no values found"), not a pass', () => {
    const out = decide(canaryObs(30, 'Progressing', version(noData('missing'))));
    expect(out.action).toEqual({ type: 'canary', verb: 'hold' });
    expect(out.state).toMatchObject({ failedChecks: 1 });
    expect(out.explanation[0]).toMatch(/no values found for request-success-rate/);
  });

  it("uses Flagger's own failedChecks when observed, and resets memory on a new checksum", () => {
    expect(
      decide(canaryObs(30, 'Progressing', version(0.001), undefined, { failedChecks: 5 })).action.type,
    ).toBe('canary');
    expect(
      decide(canaryObs(30, 'Progressing', version(0.001), undefined, { failedChecks: 5 })).action,
    ).toMatchObject({ verb: 'rollback' });
    const stale = { checksum: 'old', failedChecks: 4 };
    const out = decide(canaryObs(30, 'Progressing', version(0.02)), stale);
    expect(out.state).toEqual({ checksum: 'abc', failedChecks: 1 });
  });

  it('holds outside the analysing phases', () => {
    for (const phase of [
      'Initialized',
      'Waiting',
      'Promoting',
      'Finalising',
      'Succeeded',
      'Failed',
    ] as const) {
      expect(decide(canaryObs(0, phase, version(0.5))).action).toEqual({ type: 'canary', verb: 'hold' });
    }
  });

  it('holds when the weight itself is no data', () => {
    expect(decide(canaryObs(noData('error'), 'Progressing', version(0.001))).action).toEqual({
      type: 'canary',
      verb: 'hold',
    });
  });

  it('reads stepWeight/maxWeight from git when declared', () => {
    const out = decide(
      canaryObs(25, 'Progressing', version(0.001), undefined, {}, { stepWeight: 25, maxWeight: 75 }),
    );
    expect(out.action).toEqual({ type: 'canary', verb: 'advance', stepWeight: 25 });
  });

  it('scheduler.go nextStepWeight / maxWeight with stepWeights', () => {
    const s = { stepWeight: 0, stepWeights: [1, 5, 20, 60], maxWeight: 0, threshold: 5 };
    expect(maxWeightOf(s)).toBe(60);
    expect(nextStepWeight(s, 0)).toBe(1);
    expect(nextStepWeight(s, 5)).toBe(15);
    expect(nextStepWeight(s, 60)).toBe(40); // not a listed intermediate step: the rest
    expect(nextStepWeight(s, 100)).toBe(1);
    expect(maxWeightOf({ stepWeight: 10, maxWeight: 0, threshold: 1 })).toBe(100);
  });
});
