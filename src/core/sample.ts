/**
 * A metric reading that may be absent. Missing series, NaN, ±Inf and samples older than the
 * staleness limit are explicit `nodata` values — never zeros — so a guardrail can turn them into
 * a hold instead of a policy reading "0 rps" and scaling to the floor.
 */
export type NoDataReason = 'missing' | 'nan' | 'inf' | 'stale' | 'error';

export type Sample =
  | { readonly ok: true; readonly value: number; /** sample timestamp, ms since epoch */ readonly at: number }
  | { readonly ok: false; readonly reason: NoDataReason; readonly detail?: string };

export function value(v: number, at: number): Sample {
  if (Number.isNaN(v)) return { ok: false, reason: 'nan' };
  if (!Number.isFinite(v)) return { ok: false, reason: 'inf' };
  return { ok: true, value: v, at };
}

export function noData(reason: NoDataReason, detail?: string): Sample {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/** The value, or undefined when there is no usable data. */
export function valueOf(s: Sample | undefined): number | undefined {
  return s && s.ok ? s.value : undefined;
}

/** Marks a sample stale when it is older than `limitMs` at time `now` (ms). */
export function withStaleness(s: Sample, now: number, limitMs: number): Sample {
  if (!s.ok) return s;
  if (now - s.at > limitMs)
    return { ok: false, reason: 'stale', detail: `sample is ${Math.round((now - s.at) / 1000)}s old` };
  return s;
}
