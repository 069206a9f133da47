import type { Sample } from '../sample';

export type UsableValue =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly why: string };

/**
 * A sample's value if a guardrail may rely on it: present, finite, not negative (every metric the
 * guardrails read — latency, rates, utilisation, replicas, weight — is >= 0, so a negative value is
 * a broken query, not a reading) and not older than the staleness limit at `nowMs`. A sample stamped
 * in the future (clock skew) is accepted: it is not stale.
 */
export function usableValue(s: Sample | undefined, nowMs: number, stalenessSeconds: number): UsableValue {
  if (s === undefined) return { ok: false, why: 'missing' };
  if (!s.ok) return { ok: false, why: s.detail !== undefined ? `${s.reason} (${s.detail})` : s.reason };
  if (Number.isNaN(s.value)) return { ok: false, why: 'nan' };
  if (!Number.isFinite(s.value)) return { ok: false, why: 'inf' };
  if (s.value < 0) return { ok: false, why: `negative (${s.value})` };
  const ageMs = nowMs - s.at;
  // NaN age (a broken timestamp) is as unusable as an old sample
  if (!(ageMs <= stalenessSeconds * 1000)) {
    return {
      ok: false,
      why: Number.isFinite(ageMs)
        ? `stale (${Math.round(ageMs / 1000)}s old, limit ${stalenessSeconds}s)`
        : 'stale (no valid timestamp)',
    };
  }
  return { ok: true, value: s.value };
}
