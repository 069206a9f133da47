/**
 * 5-field cron schedules (minute hour day-of-month month day-of-week), evaluated in UTC, as Vixie
 * cron (crontab(5)) reads them:
 * - each field is a comma list of `*`, `n`, `a-b`, any of those with `/step`, or names
 *   (`jan`..`dec`, `sun`..`sat`, any case); day-of-week 0 and 7 are both Sunday;
 * - when both day fields are restricted (neither starts with `*`), a day matches if EITHER matches
 *   (`0 0 1 * 1` is the 1st of the month and every Monday); otherwise both must match.
 * No seconds field and no non-standard extensions (`L`, `W`, `#`, `?`, `@daily`): they are
 * rejected with a message, not guessed at.
 *
 * Written here rather than taken from cron-parser because the guardrails evaluate every freeze
 * window on every decision and cron-parser's prev() costs ~0.5 ms per call; this walks back day by
 * day and costs microseconds. test/unit/core/guardrails/cron-schedule.test.ts checks it against
 * cron-parser on random expressions and instants.
 */
export interface CronSchedule {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday .. 6 = Saturday (7 is folded into 0) */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

export type CronParse =
  { readonly ok: true; readonly schedule: CronSchedule } | { readonly ok: false; readonly error: string };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
];

/** Longest day count in each month (February 29 exists in leap years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Every schedule that fires at all fires within 8 years (29 February skips 2100). */
const MAX_LOOKBACK_DAYS = 8 * 366;

export function parseCron(expr: string): CronParse {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) {
    return {
      ok: false,
      error: `has ${parts.length} field(s); a cron expression has 5: minute hour day-of-month month day-of-week`,
    };
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i] as string, FIELDS[i] as FieldSpec);
    if (typeof r === 'string') return { ok: false, error: r };
    sets.push(r);
  }
  const [minutes, hours, daysOfMonth, months, dow] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const daysOfWeek = new Set([...dow].map((d) => d % 7));
  const schedule: CronSchedule = {
    source: expr,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthRestricted: !(parts[2] as string).startsWith('*'),
    dayOfWeekRestricted: !(parts[4] as string).startsWith('*'),
  };
  const onlyDayOfMonth = schedule.dayOfMonthRestricted && !schedule.dayOfWeekRestricted;
  if (
    onlyDayOfMonth &&
    ![...months].some((m) => [...daysOfMonth].some((d) => d <= (MONTH_DAYS[m - 1] as number)))
  ) {
    return { ok: false, error: 'never fires: none of its days of the month exists in its months' };
  }
  return { ok: true, schedule };
}

function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (m === null) return `${spec.name} field "${text}": cannot read "${item}"`;
    const rangeText = m[1] as string;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return `${spec.name} field "${text}": step must be at least 1`;
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.max;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) return `${spec.name} field "${text}": cannot read "${item}"`;
      const values = bounds.map((b) => fieldValue(b, spec));
      const bad = values.findIndex((v) => v === undefined);
      if (bad >= 0) {
        return `${spec.name} field "${text}": "${bounds[bad]}" is not a value in ${spec.min}-${spec.max}${spec.names ? ` or a name like ${spec.names[1]}` : ''}`;
      }
      lo = values[0] as number;
      // `n/step` runs from n to the end of the range, as in Vixie cron
      hi = values.length === 2 ? (values[1] as number) : m[2] !== undefined ? spec.max : lo;
      if (hi < lo) return `${spec.name} field "${text}": range ${rangeText} runs backwards`;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function fieldValue(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    return v >= spec.min && v <= spec.max ? v : undefined;
  }
  const i = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  return i < 0 ? undefined : i + spec.min;
}

function dayMatches(s: CronSchedule, dayStartMs: number): boolean {
  const d = new Date(dayStartMs);
  if (!s.months.has(d.getUTCMonth() + 1)) return false;
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  return s.dayOfMonthRestricted && s.dayOfWeekRestricted ? dom || dow : dom && dow;
}

/**
 * The latest time the schedule fired at or before `nowMs` and after `nowMs - lookbackMs`
 * (ms since epoch, a whole UTC minute), or undefined when it did not fire in that span.
 */
export function latestFiring(s: CronSchedule, nowMs: number, lookbackMs: number): number | undefined {
  const after = nowMs - Math.min(lookbackMs, MAX_LOOKBACK_DAYS * DAY_MS);
  const hours = [...s.hours].sort((a, b) => b - a);
  const minutes = [...s.minutes].sort((a, b) => b - a);
  for (let day = Math.floor(nowMs / DAY_MS) * DAY_MS; day + DAY_MS > after; day -= DAY_MS) {
    if (!dayMatches(s, day)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = day + h * 3_600_000 + m * MINUTE_MS;
        if (t > nowMs) continue;
        // the latest firing at or before now: anything earlier is further from now
        return t > after ? t : undefined;
      }
    }
  }
  return undefined;
}
