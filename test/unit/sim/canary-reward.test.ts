import { canaryReward, DEFAULT_CANARY_WEIGHTS } from '../../../src/sim/reward';

describe('canaryReward', () => {
  const tick = { canaryErrorRate: 0, weight: 50, outcome: 'running' as const };

  it('prices the bad-version requests of every regression, latency ones too, only when asked', () => {
    // a latency regression causes no errors: without badTraffic its ticks cost only the time
    expect(canaryReward({ ...tick, releaseIsBad: true })).toBeCloseTo(-DEFAULT_CANARY_WEIGHTS.time, 12);
    const w = { ...DEFAULT_CANARY_WEIGHTS, badTraffic: 2 };
    expect(canaryReward({ ...tick, releaseIsBad: true }, w)).toBeCloseTo(-0.01 - 2 * 0.5, 12);
    expect(canaryReward({ ...tick, weight: 25, releaseIsBad: true }, w)).toBeCloseTo(-0.01 - 2 * 0.25, 12);
    // a good release's traffic is no blast radius
    expect(canaryReward({ ...tick, releaseIsBad: false }, w)).toBeCloseTo(-0.01, 12);
  });

  it('a release left undecided at the step limit costs `undecided` once', () => {
    const w = { ...DEFAULT_CANARY_WEIGHTS, undecided: 5 };
    const last = { canaryErrorRate: 0, weight: 0, outcome: 'running' as const, releaseIsBad: false };
    expect(canaryReward({ ...last, undecided: true }, w)).toBeCloseTo(-0.01 - 5, 12);
    expect(canaryReward(last, w)).toBeCloseTo(-0.01, 12);
    expect(canaryReward({ ...last, undecided: true })).toBeCloseTo(-0.01, 12);
  });

  it('outcomes: right ones pay, wrong ones cost their weights', () => {
    const w = { ...DEFAULT_CANARY_WEIGHTS, wrongPromote: 10, wrongRollback: 5 };
    const end = { canaryErrorRate: 0, weight: 0 };
    expect(canaryReward({ ...end, outcome: 'promoted', releaseIsBad: false }, w)).toBeCloseTo(1 - 0.01, 12);
    expect(canaryReward({ ...end, outcome: 'promoted', releaseIsBad: true }, w)).toBeCloseTo(-10 - 0.01, 12);
    expect(canaryReward({ ...end, outcome: 'rolled-back', releaseIsBad: false }, w)).toBeCloseTo(
      -5 - 0.01,
      12,
    );
    expect(canaryReward({ ...end, outcome: 'rolled-back', releaseIsBad: true }, w)).toBeCloseTo(1 - 0.01, 12);
  });
});
