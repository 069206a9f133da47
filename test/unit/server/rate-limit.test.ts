import { TokenBuckets } from '../../../src/server/rate-limit';

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the sustained rate per key', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 2, burst: 3 }, () => now);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBe(1); // empty: retry in 1 s
    expect(b.take('b')).toBe(0); // keys are independent
    now += 500; // +1 token
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBe(1);
    now += 10_000; // refills only up to the burst
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0, 1]);
  });

  it('refuses new keys beyond its key limit instead of growing without bound', () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 1 }, () => 0, 2);
    expect([b.take('a'), b.take('b'), b.take('c')]).toEqual([0, 0, 1]);
  });
});
