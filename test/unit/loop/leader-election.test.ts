import { formatLease, judgeLease, parseLease, type Lease } from '../../../src/loop/leader-election';

const lease = (over: Partial<Lease> = {}): Lease => ({
  holder: 'maestro-a',
  renewedAt: 1_000_000,
  durationMs: 60_000,
  term: 3,
  ...over,
});

describe('judgeLease', () => {
  it('no lease, or an expired one, is free for anyone', () => {
    expect(judgeLease(undefined, 'maestro-b', 0)).toEqual({ kind: 'free' });
    expect(judgeLease(lease(), 'maestro-b', 1_060_000)).toEqual({ kind: 'free' });
    expect(judgeLease(lease(), 'maestro-a', 1_060_000)).toEqual({ kind: 'free' });
  });
  it('the holder renews only past the renew fraction; others wait for expiry', () => {
    expect(judgeLease(lease(), 'maestro-a', 1_029_000)).toEqual({ kind: 'mine', renew: false });
    expect(judgeLease(lease(), 'maestro-a', 1_031_000)).toEqual({ kind: 'mine', renew: true });
    expect(judgeLease(lease(), 'maestro-b', 1_059_999)).toEqual({
      kind: 'other',
      holder: 'maestro-a',
      expiresAt: 1_060_000,
    });
  });
  it('a lease stamped in the future (clock skew) never lasts longer than its duration from now', () => {
    const skewed = lease({ renewedAt: 5_000_000 });
    expect(judgeLease(skewed, 'maestro-a', 1_000_000)).toEqual({ kind: 'mine', renew: false });
    expect(judgeLease(skewed, 'maestro-b', 1_000_000)).toMatchObject({ kind: 'other' });
  });
});

describe('lease file', () => {
  it('round-trips', () => {
    expect(parseLease(formatLease(lease()))).toEqual(lease());
  });
  it('an unreadable or incomplete file is no lease (the push race decides who takes it)', () => {
    expect(parseLease(undefined)).toBeUndefined();
    expect(parseLease('holder: a\nrenewedAt: yesterday\ndurationMs: 1\nterm: 1\n')).toBeUndefined();
    expect(
      parseLease('holder: a\nrenewedAt: 2026-01-01T00:00:00Z\ndurationMs: 0\nterm: 1\n'),
    ).toBeUndefined();
    expect(parseLease('garbage')).toBeUndefined();
  });
});
