import { runSimulation } from '../../../src/sim/run-simulation';
import { getScenario } from '../../../src/sim/scenarios';

describe('runSimulation (virtual time)', () => {
  it('the demo scenario promotes the good release and rolls back the bad one through the canary controller', async () => {
    const r = await runSimulation({
      scenario: getScenario('demo'),
      durationSeconds: 2400,
      seed: 1,
      policy: 'hpa',
    });
    const messages = r.canaryEvents.map((e) => e.message);
    const promoted = messages.findIndex((m) => /Copying web\.default template spec/.test(m));
    const failed = messages.findIndex((m) => /Canary failed!/.test(m));
    expect(promoted).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(promoted);
    expect(r.minutes.some((m) => m.canaryWeight > 0)).toBe(true);
    // the spike at 12 min makes the HPA scale out, and the run ends scaled back in
    const peak = Math.max(...r.minutes.map((m) => m.specReplicas));
    expect(peak).toBeGreaterThan(r.minutes[5]!.specReplicas);
  });

  it('more pods cost more pod-minutes and violate the SLO less', async () => {
    const base = {
      scenario: getScenario('spike'),
      durationSeconds: 3600,
      seed: 5,
      policy: 'static' as const,
    };
    const small = await runSimulation({ ...base, initialReplicas: 5 });
    const big = await runSimulation({ ...base, initialReplicas: 20 });
    expect(big.totals.podMinutes).toBeGreaterThan(small.totals.podMinutes);
    expect(big.totals.sloViolationMinutes).toBeLessThan(small.totals.sloViolationMinutes);
    expect(small.totals.errors).toBeGreaterThan(big.totals.errors);
    // pod-minutes of a static deployment: replicas × minutes
    expect(big.totals.podMinutes).toBeCloseTo(20 * 60, 0);
  });

  it('rejects a non-positive duration', async () => {
    await expect(
      runSimulation({ scenario: getScenario('steady'), durationSeconds: 0, seed: 1, policy: 'hpa' }),
    ).rejects.toThrow(/duration must be > 0/);
  });
});
