import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import { parseDurationSeconds, parseStages, rateAt } from '../../../src/sim/traffic/patterns';
import { parseTraceCsv, traceToPattern } from '../../../src/sim/traffic/trace-csv';
import { generateTrace } from '../../../src/sim/traffic/synthetic-trace';

function traceError(text: string, options = {}): { line: unknown; message: string } {
  try {
    parseTraceCsv(text, 'trace.csv', options);
  } catch (e) {
    if (isMaestroError(e, 'TRACE_INVALID')) return { line: e.data.line, message: e.message };
    throw e;
  }
  throw new Error('expected TRACE_INVALID');
}

describe('trace CSV', () => {
  it('reads ISO timestamps, infers the step and rescales the peak', () => {
    const t = parseTraceCsv(
      'timestamp,requests\n2025-01-01T00:00:00Z,600\n2025-01-01T00:01:00Z,1200\n\n# comment\n2025-01-01T00:02:00Z,300\n',
      'x.csv',
    );
    expect(t.stepSeconds).toBe(60);
    expect(t.counts).toEqual([600, 1200, 300]);
    const p = traceToPattern(t, 100);
    expect(rateAt(p, 0)).toBeCloseTo(50, 10);
    expect(rateAt(p, 61)).toBeCloseTo(100, 10);
    expect(rateAt(p, 180)).toBeCloseTo(50, 10); // wraps around
    expect(rateAt(traceToPattern(t), 61)).toBeCloseTo(20, 10);
  });

  it('numeric seconds and --step override', () => {
    expect(parseTraceCsv('t,n\n0,5\n', 'x', { stepSeconds: 30 }).stepSeconds).toBe(30);
    expect(parseTraceCsv('t,n\n0,5\n10,6\n20,7\n', 'x').stepSeconds).toBe(10);
  });

  it.each([
    ['', 1, /empty/],
    ['0,5\n1,6\n', 1, /header/],
    ['t,n\n', 1, /no data rows/],
    ['t,n\n0,5\n', 2, /cannot infer the step/],
    ['t,n\n0,5\n60,x\n', 3, /request count "x"/],
    ['t,n\n0,5\n60,-1\n', 3, /request count/],
    ['t,n\n0,5\nyesterday,3\n', 3, /neither an ISO-8601/],
    ['t,n\n0,5\n60,5\n90,5\n', 4, /evenly spaced/],
    ['t,n\n60,5\n0,5\n', 3, /does not increase/],
    ['t,n\n0\n', 2, /expected 2 columns/],
    ['t,n\n0,1\n2025-01-01T00:00:00Z,1\n', 3, /ISO-8601 but earlier rows are numeric/],
  ])('rejects bad input %j at line %d', (text, line, re) => {
    const e = traceError(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(re);
    expect(e.message).toContain(`trace.csv:${line}:`);
  });

  it('the generated traces parse and are deterministic per seed', () => {
    for (const shape of ['day', 'week', 'bursty']) {
      const a = generateTrace(shape, 11);
      expect(a).toBe(generateTrace(shape, 11));
      const t = parseTraceCsv(a, shape);
      expect(t.counts.length).toBeGreaterThan(500);
    }
  });
});

describe('committed traces', () => {
  it.each([
    ['train-day-diurnal-flash.csv', 'day', 20250304],
    ['eval-week-compressed.csv', 'week', 20250310],
    ['eval-bursty-sale.csv', 'bursty', 20251128],
  ])('traces/%s is what `maestro sim gen-trace --shape %s --seed %d` prints', (file, shape, seed) => {
    const committed = readFileSync(join(__dirname, '../../../traces', file), 'utf8');
    expect(generateTrace(shape, seed)).toBe(committed);
  });
});

describe('patterns', () => {
  it('k6-style stages ramp linearly between targets', () => {
    const p = parseStages('60s:100,2m:400,1m:0');
    expect(rateAt(p, 30)).toBeCloseTo(50, 10);
    expect(rateAt(p, 120)).toBeCloseTo(250, 10);
    expect(rateAt(p, 210)).toBeCloseTo(200, 10);
    expect(rateAt(p, 999)).toBe(0);
  });

  it('spike, flash crowd, on/off, diurnal shapes', () => {
    const spike = {
      kind: 'spike',
      baseRps: 100,
      peakRps: 500,
      atSeconds: 100,
      durationSeconds: 50,
      riseSeconds: 10,
    } as const;
    expect(rateAt(spike, 50)).toBe(100);
    expect(rateAt(spike, 105)).toBe(300);
    expect(rateAt(spike, 140)).toBe(500);
    const flash = {
      kind: 'flash-crowd',
      baseRps: 100,
      peakRps: 900,
      atSeconds: 0,
      riseSeconds: 0,
      halfLifeSeconds: 60,
    } as const;
    expect(rateAt(flash, 60)).toBeCloseTo(500, 10);
    const onoff = { kind: 'on-off', lowRps: 1, highRps: 9, onSeconds: 10, offSeconds: 20 } as const;
    expect([rateAt(onoff, 5), rateAt(onoff, 15), rateAt(onoff, 35)]).toEqual([9, 1, 9]);
    const day = { kind: 'diurnal', baseRps: 400, amplitudeRps: 300 } as const;
    expect(rateAt(day, 4 * 3600)).toBeCloseTo(100, 8);
    expect(rateAt(day, 16 * 3600)).toBeCloseTo(700, 8);
  });

  it('durations', () => {
    expect(parseDurationSeconds('2h')).toBe(7200);
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('45')).toBe(45);
    expect(() => parseDurationSeconds('2 hours')).toThrow(/not a duration/);
  });
});
