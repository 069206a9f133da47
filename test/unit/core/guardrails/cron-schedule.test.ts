import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { latestFiring, parseCron, type CronSchedule } from '../../../../src/core/guardrails';

const schedule = (expr: string): CronSchedule => {
  const r = parseCron(expr);
  if (!r.ok) throw new Error(r.error);
  return r.schedule;
};
const utc = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

describe('parseCron', () => {
  it('reads numbers, ranges, steps, lists and names', () => {
    const s = schedule('*/20 9-17/4 1,15 JAN-mar mon-fri');
    expect([...s.minutes]).toEqual([0, 20, 40]);
    expect([...s.hours]).toEqual([9, 13, 17]);
    expect([...s.daysOfMonth]).toEqual([1, 15]);
    expect([...s.months]).toEqual([1, 2, 3]);
    expect([...s.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(s.dayOfMonthRestricted && s.dayOfWeekRestricted).toBe(true);
    expect([...schedule('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect([...schedule('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
  });

  it.each([
    ['0 22 * *', /has 4 field\(s\); a cron expression has 5/],
    ['0 22 * * 5 2026', /has 6 field\(s\)/],
    ['61 * * * *', /minute field "61": "61" is not a value in 0-59/],
    ['* 24 * * *', /hour field "24"/],
    ['* * 0 * *', /day-of-month field "0"/],
    ['* * * foo *', /month field "foo": "foo" is not a value in 1-12 or a name like feb/],
    ['* * * * 8', /day-of-week field "8"/],
    ['*/0 * * * *', /step must be at least 1/],
    ['10-5 * * * *', /range 10-5 runs backwards/],
    ['0 0 L * *', /day-of-month field "L"/],
    ['0 0 31 2 *', /never fires/],
    ['0 0 30,31 2 *', /never fires/],
  ])('rejects %p', (expr, message) => {
    const r = parseCron(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('accepts 29 February and a restricted day-of-week with an impossible date (OR rule)', () => {
    expect(parseCron('0 0 29 2 *').ok).toBe(true);
    expect(parseCron('0 0 31 2 1').ok).toBe(true);
  });
});

describe('latestFiring', () => {
  const fri22 = schedule('0 22 * * 5');

  it('finds the latest start at or before now within the lookback', () => {
    const start = utc('2026-11-20T22:00:00Z');
    expect(latestFiring(fri22, start, 60_000)).toBe(start);
    expect(latestFiring(fri22, start + 599 * 60_000, 600 * 60_000)).toBe(start);
    expect(latestFiring(fri22, start + 600 * 60_000, 600 * 60_000)).toBeUndefined();
    expect(latestFiring(fri22, start - 1, 7 * DAY)).toBe(start - 7 * DAY);
    expect(latestFiring(fri22, start - 1, 7 * DAY - 1)).toBeUndefined();
  });

  it('uses the OR rule when both day fields are restricted, AND otherwise (`*/n` is not restricted)', () => {
    // 2026-11-23 is a Monday
    const mondayNoon = utc('2026-11-23T12:00:00Z');
    expect(latestFiring(schedule('0 0 1 * 1'), mondayNoon, DAY)).toBe(utc('2026-11-23T00:00:00Z'));
    expect(latestFiring(schedule('0 0 1 * *'), mondayNoon, 30 * DAY)).toBe(utc('2026-11-01T00:00:00Z'));
    expect(latestFiring(schedule('0 0 */2 * 2'), mondayNoon, 30 * DAY)).toBe(utc('2026-11-17T00:00:00Z'));
    expect(latestFiring(schedule('0 0 2 * */1'), mondayNoon, 30 * DAY)).toBe(utc('2026-11-02T00:00:00Z'));
  });

  it('finds 29 February years back', () => {
    expect(latestFiring(schedule('0 0 29 2 *'), utc('2027-03-01T00:00:00Z'), 4 * 366 * DAY)).toBe(
      utc('2024-02-29T00:00:00Z'),
    );
  });

  it('agrees with cron-parser on random expressions and instants', () => {
    const value = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
    const item = (lo: number, hi: number) =>
      fc.oneof(
        value(lo, hi).map(String),
        fc.tuple(value(lo, hi), value(lo, hi)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        value(1, Math.max(1, hi - lo)).map((s) => `*/${s}`),
        fc
          .tuple(value(lo, hi), value(lo, hi), value(1, 10))
          .map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
      );
    const field = (lo: number, hi: number) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.constant('*') },
        {
          weight: 3,
          arbitrary: fc.array(item(lo, hi), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(',')),
        },
      );
    const expr = fc
      .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6))
      .map((f) => f.join(' '));
    const now = fc.integer({ min: utc('2025-01-01T00:00:00Z'), max: utc('2030-01-01T00:00:00Z') });
    fc.assert(
      fc.property(expr, now, (e, t) => {
        // cron-parser counts a day field written `*/n` as restricted; Vixie cron (and we) do not
        const [, , dom, , dow] = e.split(' ') as string[];
        fc.pre(!/^\*\//.test(dom as string) && !/^\*\//.test(dow as string));
        let parsed: ReturnType<typeof CronExpressionParser.parse> | undefined;
        try {
          parsed = CronExpressionParser.parse(e, { currentDate: new Date(t + 1), tz: 'UTC' });
        } catch {
          // cron-parser refuses overlapping list items (`1,1-3`); crontab(5) allows them
        }
        fc.pre(parsed !== undefined);
        const ours = latestFiring(schedule(e), t, 400 * DAY);
        const theirs = (parsed as NonNullable<typeof parsed>).prev().getTime();
        expect(ours).toBe(t - theirs < 400 * DAY ? theirs : undefined);
      }),
      { numRuns: 1000 },
    );
  });
});
