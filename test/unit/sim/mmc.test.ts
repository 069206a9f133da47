import {
  erlangC,
  mmcState,
  responseCcdf,
  responseMean,
  responseQuantile,
} from '../../../src/sim/queueing/mmc';
import { createRng } from '../../../src/sim/rng';

/** A per-request FCFS M/M/c simulation: the reference the closed forms must match. */
function simulateResponseTimes(c: number, lambda: number, mu: number, n: number, seed: number): number[] {
  const rng = createRng(seed);
  const exp = (rate: number) => -Math.log(1 - rng.next()) / rate;
  const free = new Array<number>(c).fill(0);
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += exp(lambda);
    let k = 0;
    for (let j = 1; j < c; j++) if ((free[j] as number) < (free[k] as number)) k = j;
    const start = Math.max(t, free[k] as number);
    const done = start + exp(mu);
    free[k] = done;
    out.push(done - t);
  }
  return out.sort((a, b) => a - b);
}

describe('M/M/c closed forms', () => {
  it('Erlang C matches known values', () => {
    // c = 1: C = rho
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    // c = 2, a = 1: C = a^2 / (2 + a) ... textbook value 1/3
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(5, 0)).toBe(0);
    expect(erlangC(5, 5)).toBe(1);
  });

  it('M/M/1 response time is exponential with rate mu - lambda', () => {
    const s = mmcState(1, 6, 10, 0);
    expect(responseCcdf(s, 0.5)).toBeCloseTo(Math.exp(-4 * 0.5), 10);
    expect(responseQuantile(s, 0.95)).toBeCloseTo(Math.log(20) / 4, 8);
    expect(responseMean(s)).toBeCloseTo(1 / 4, 10);
  });

  it.each([
    [3, 2.4, 1],
    [8, 6.8, 1],
    [20, 12, 1],
  ])('quantiles agree with a per-request simulation (c=%d, lambda=%d, mu=%d)', (c, lambda, mu) => {
    const times = simulateResponseTimes(c, lambda, mu, 200_000, 42);
    const s = mmcState(c, lambda, mu, 0);
    for (const q of [0.5, 0.95, 0.99]) {
      const empirical = times[Math.floor(q * times.length)] as number;
      expect(Math.abs(responseQuantile(s, q) - empirical) / empirical).toBeLessThan(0.04);
    }
  });

  it('a constant shift moves every quantile by the shift', () => {
    const a = mmcState(4, 3, 1, 0);
    const b = mmcState(4, 3, 1, 0.25);
    expect(responseQuantile(b, 0.95) - responseQuantile(a, 0.95)).toBeCloseTo(0.25, 6);
  });
});
