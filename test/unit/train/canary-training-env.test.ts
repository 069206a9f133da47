import { CANARY_ACTIONS } from '../../../src/sim/env/canary-env';
import { CanaryTrainingEnv } from '../../../src/train/canary-training-env';

const ROLLBACK = CANARY_ACTIONS.indexOf('rollback');

/** Plays `actions`, then rolls back every step; returns the step at which the episode ended. */
async function endOf(env: CanaryTrainingEnv, seed: number, actions: number[]): Promise<number> {
  await env.reset(seed);
  for (let i = 0; i < 20; i++) {
    const r = await env.step(actions[i] ?? ROLLBACK);
    if (r.terminated || r.truncated) return i;
  }
  return 20;
}

describe('CanaryTrainingEnv', () => {
  it('trains inside the evidence gate the card ships with: a rollback without evidence is a hold', async () => {
    // releases are drawn half bad; a rollback at the very first step has no evidence behind it
    const gated = new CanaryTrainingEnv();
    const ungated = new CanaryTrainingEnv({ gate: null });
    for (let seed = 1; seed <= 5; seed++) {
      // ungated, Flagger rolls back as soon as it consults the rollback webhook
      expect(await endOf(ungated, seed, [])).toBeLessThanOrEqual(1);
      // gated, not before the canary has served traffic (0 → 25 % takes two steps)
      expect(await endOf(gated, seed, [])).toBeGreaterThan(1);
    }
  });

  it('the same seed replays the same episode', async () => {
    const a = new CanaryTrainingEnv();
    const b = new CanaryTrainingEnv();
    expect(Array.from(await a.reset(11))).toEqual(Array.from(await b.reset(11)));
    expect(Array.from((await a.step(0)).obs)).toEqual(Array.from((await b.step(0)).obs));
  });
});
