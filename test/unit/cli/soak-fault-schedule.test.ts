import {
  COMMIT_KILL_POINTS,
  FAULTS,
  KILL_POINTS,
  activeAt,
  faultSchedule,
  parseFaults,
  parseKillDetail,
} from '../../../src/cli/soak/fault-schedule';
import { isMaestroError } from '../../../src/core/errors';

describe('soak faults', () => {
  it('`all` is every fault; a list keeps its names once', () => {
    expect(parseFaults('all')).toEqual([...FAULTS]);
    expect(parseFaults('git-down, slow-git,git-down')).toEqual(['git-down', 'slow-git']);
  });
  it('an unknown name is INPUT_INVALID naming it and the supported ones, never ignored', () => {
    let err: unknown;
    try {
      parseFaults('git-down,disk-full');
    } catch (e) {
      err = e;
    }
    expect(isMaestroError(err) && err.code).toBe('INPUT_INVALID');
    expect((err as Error).message).toContain('"disk-full"');
    for (const f of FAULTS) expect((err as Error).message).toContain(f);
  });
  it('the schedule is a function of the seed; every requested fault occurs, none in the warm-up', () => {
    const a = faultSchedule(FAULTS, 600, 1);
    expect(faultSchedule(FAULTS, 600, 1)).toEqual(a);
    expect(faultSchedule(FAULTS, 600, 2)).not.toEqual(a);
    const kinds = new Set(a.map((e) => e.fault));
    expect([...kinds].sort()).toEqual(FAULTS.filter((f) => f !== 'replica-race').sort());
    expect(a.every((e) => e.at >= 120 && e.at < 600)).toBe(true);
    const down = a.find((e) => e.fault === 'git-down')!;
    expect(activeAt(a, 'git-down', down.at)).toBe(down);
    expect(activeAt(a, 'git-down', down.at + down.durationS)).not.toBe(down);
  });
  it('agent kills land on every point of the cycle over a long run; commit points name their scope', () => {
    const kills = faultSchedule(['agent-crash'], 24 * 3600, 1).map((e) => parseKillDetail(e.detail));
    expect(new Set(kills.map((k) => k.point))).toEqual(new Set(KILL_POINTS));
    const commitKills = kills.filter((k) => COMMIT_KILL_POINTS.has(k.point));
    expect(new Set(commitKills.map((k) => k.scope))).toEqual(new Set(['decision', 'any']));
    expect(parseKillDetail('between-commit-and-push/any')).toEqual({
      point: 'between-commit-and-push',
      scope: 'any',
    });
    expect(parseKillDetail('observe')).toEqual({ point: 'observe', scope: 'decision' });
  });
  it('stale windows outlast the 120 s staleness limit; NaN windows may be short', () => {
    const nan = faultSchedule(['prometheus-nan'], 24 * 3600, 3);
    const stale = nan.filter((e) => e.detail === 'stale');
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.every((e) => e.durationS >= 180)).toBe(true);
    expect(nan.some((e) => e.detail === 'nan' && e.durationS < 120)).toBe(true);
  });
});
