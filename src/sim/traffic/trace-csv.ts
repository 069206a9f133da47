import { MaestroError } from '../../core/errors';
import type { TrafficPattern } from './patterns';

/**
 * Trace replay from CSV. Format:
 * - a header row (any names; it is skipped);
 * - first column: an ISO-8601 timestamp (`2024-03-01T00:00:00Z`) or numeric seconds;
 * - second column: the number of requests in that row's interval (>= 0); further columns ignored;
 * - rows evenly spaced: the step is inferred from the first two rows (override with `stepSeconds`),
 *   every later gap must match it within 1 %; blank lines and lines starting with `#` are skipped.
 * Every problem is a MaestroError TRACE_INVALID with data {file, line} (1-based line numbers).
 */
export interface Trace {
  readonly file: string;
  readonly stepSeconds: number;
  /** request counts per row */
  readonly counts: readonly number[];
  /** first row's time: seconds (numeric column) or ms since epoch (ISO column) */
  readonly start: number;
}

export interface TraceOptions {
  /** overrides the inferred step (s) */
  readonly stepSeconds?: number;
}

function fail(file: string, line: number, message: string): never {
  throw new MaestroError('TRACE_INVALID', `${file}:${line}: ${message}`, { data: { file, line } });
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseTraceCsv(text: string, file: string, options: TraceOptions = {}): Trace {
  const lines = text.split(/\r?\n/);
  let headerSeen = false;
  let headerLine = 1;
  let isoTimes: boolean | undefined;
  const times: number[] = [];
  const timeLines: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    if (!headerSeen) {
      headerSeen = true;
      headerLine = lineNo;
      const first = raw.split(',')[0]?.trim() ?? '';
      if (/^-?\d+(\.\d+)?$/.test(first) || ISO.test(first)) {
        fail(file, lineNo, 'expected a header row (e.g. "timestamp,requests") before the data');
      }
      continue;
    }
    const cols = raw.split(',').map((c) => c.trim());
    if (cols.length < 2) fail(file, lineNo, `expected 2 columns (time,requests), found ${cols.length}`);
    const [tCol, nCol] = cols as [string, string];
    let t: number;
    if (/^-?\d+(\.\d+)?$/.test(tCol)) {
      if (isoTimes === true) fail(file, lineNo, `time "${tCol}" is numeric but earlier rows are ISO-8601`);
      isoTimes = false;
      t = Number(tCol);
    } else if (ISO.test(tCol)) {
      if (isoTimes === false) fail(file, lineNo, `time "${tCol}" is ISO-8601 but earlier rows are numeric`);
      isoTimes = true;
      t = Date.parse(tCol.replace(' ', 'T'));
      if (Number.isNaN(t)) fail(file, lineNo, `"${tCol}" is not a valid ISO-8601 timestamp`);
      t = t / 1000;
    } else {
      fail(file, lineNo, `"${tCol}" is neither an ISO-8601 timestamp nor a number of seconds`);
    }
    if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(nCol)) {
      fail(file, lineNo, `request count "${nCol}" must be a number >= 0`);
    }
    const n = Number(nCol);
    const prev = times[times.length - 1];
    if (prev !== undefined && t <= prev)
      fail(file, lineNo, `time does not increase (${tCol} after the previous row)`);
    times.push(t);
    timeLines.push(lineNo);
    counts.push(n);
  }
  if (!headerSeen) fail(file, 1, 'the file is empty; expected a header row and data rows');
  if (counts.length === 0) fail(file, headerLine, 'no data rows after the header');
  let step = options.stepSeconds;
  if (step !== undefined && !(step > 0)) fail(file, 1, `--step must be > 0 (got ${step})`);
  if (step === undefined) {
    if (times.length < 2) fail(file, timeLines[0] ?? 1, 'one data row: cannot infer the step; pass --step');
    step = (times[1] as number) - (times[0] as number);
    for (let i = 2; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      if (Math.abs(gap - step) > 0.01 * step) {
        fail(
          file,
          timeLines[i] as number,
          `rows must be evenly spaced: gap ${round(gap)}s, expected ${round(step)}s`,
        );
      }
    }
  }
  return {
    file,
    stepSeconds: step,
    counts,
    start: isoTimes ? (times[0] as number) * 1000 : (times[0] as number),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The trace as a traffic pattern: rate = count / step, optionally rescaled so the peak rate is
 * `peakRps` (the `--peak-rps` option).
 */
export function traceToPattern(trace: Trace, peakRps?: number): TrafficPattern {
  const rates = trace.counts.map((n) => n / trace.stepSeconds);
  const peak = rates.reduce((m, r) => Math.max(m, r), 0);
  if (peakRps !== undefined && !(peakRps > 0)) {
    throw new MaestroError('INPUT_INVALID', `--peak-rps must be > 0 (got ${peakRps})`, {
      data: { field: 'peakRps' },
    });
  }
  const scale = peakRps !== undefined && peak > 0 ? peakRps / peak : 1;
  return { kind: 'trace', stepSeconds: trace.stepSeconds, rps: rates.map((r) => r * scale) };
}
