import { quantileBackedByRate } from '../../../../src/adapters/prometheus/metrics-source';
import { noData, value } from '../../../../src/core/sample';

describe('quantileBackedByRate', () => {
  const p95 = value(10_000, 1_000);

  it('drops a quantile whose request rate is NaN or infinite (histogram_quantile over NaN buckets)', () => {
    expect(quantileBackedByRate(p95, value(NaN, 1_000))).toMatchObject({ ok: false, reason: 'nan' });
    expect(quantileBackedByRate(p95, value(Infinity, 1_000))).toMatchObject({ ok: false, reason: 'inf' });
  });

  it('keeps the quantile when the rate is a number, also zero', () => {
    expect(quantileBackedByRate(p95, value(120, 1_000))).toBe(p95);
    expect(quantileBackedByRate(p95, value(0, 1_000))).toBe(p95);
  });

  it('keeps the quantile when the rate is missing, stale or errored (a custom rps query may not match)', () => {
    for (const reason of ['missing', 'stale', 'error'] as const) {
      expect(quantileBackedByRate(p95, noData(reason))).toBe(p95);
    }
  });

  it('passes a quantile that is already no data through unchanged', () => {
    const none = noData('missing', 'no series');
    expect(quantileBackedByRate(none, value(NaN, 1_000))).toBe(none);
  });
});
