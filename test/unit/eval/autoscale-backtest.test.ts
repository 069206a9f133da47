import { createPolicy } from '../../../src/core/policies/policy-registry';
import { backtest, type BacktestOptions } from '../../../src/eval/autoscale-backtest';
import { oracleReplicas, podsNeeded } from '../../../src/eval/oracle';
import { getScenario } from '../../../src/sim/scenarios';
import { serviceParams } from '../../../src/sim/service-params';

const spike: BacktestOptions = {
  pattern: getScenario('spike').pattern,
  durationSeconds: 1800,
  seed: 1,
  sloP95Ms: 250,
  sloErrorRate: 0.01,
  service: { startupSeconds: 30, startupJitterSeconds: 0 },
  minReplicas: 1,
  maxReplicas: 30,
};

describe('oracle', () => {
  const service = serviceParams();
  it('needs more pods for more demand, and never runs a pod past saturation', () => {
    const n100 = podsNeeded(100, service, 200, 30);
    const n800 = podsNeeded(800, service, 200, 30);
    expect(n800).toBeGreaterThan(n100);
    // one pod serves 80 rps at 100 % busy (4 workers, 50 ms)
    expect(n800 * 80).toBeGreaterThan(800);
  });
  it('starts pods one start-up delay ahead of a step up in demand', () => {
    const o = {
      pattern: {
        kind: 'stages' as const,
        startRps: 100,
        stages: [
          { durationSeconds: 1, targetRps: 100 },
          { durationSeconds: 1, targetRps: 100 },
        ],
      },
      service: serviceParams({ startupSeconds: 30, startupJitterSeconds: 0 }),
      sloP95Ms: 250,
      stepSeconds: 15,
      minReplicas: 1,
      maxReplicas: 30,
    };
    const jump = {
      ...o,
      pattern: {
        kind: 'spike' as const,
        baseRps: 100,
        peakRps: 900,
        atSeconds: 100,
        durationSeconds: 100,
        riseSeconds: 0,
      },
    };
    expect(oracleReplicas(jump, 0)).toBe(oracleReplicas(o, 0));
    expect(oracleReplicas(jump, 60)).toBeGreaterThan(oracleReplicas(o, 60));
  });
});

describe('backtest', () => {
  it('measures hpa and the oracle on the same traffic; the oracle uses fewer pods without violations', async () => {
    const hpa = await backtest({ kind: 'policy', policy: createPolicy('hpa') }, spike);
    const oracle = await backtest({ kind: 'oracle' }, spike);
    expect(hpa.demandRps).toEqual(oracle.demandRps);
    expect(hpa.t).toHaveLength(120);
    expect(oracle.summary.podMinutes).toBeLessThan(hpa.summary.podMinutes);
    expect(oracle.summary.sloViolationMinutes).toBeLessThanOrEqual(hpa.summary.sloViolationMinutes);
    expect(hpa.summary.commits).toBe(hpa.summary.scaleActions);
    expect(hpa.summary.scaleActions).toBeGreaterThan(0);
  });

  it('pod-minutes of a policy that never scales are replicas × minutes', async () => {
    const hold = { name: 'hold', decide: () => ({ action: { type: 'hold' as const }, explanation: [] }) };
    const r = await backtest(
      { kind: 'policy', policy: hold },
      { ...spike, pattern: { kind: 'steady', rps: 100 }, durationSeconds: 600 },
    );
    const pods = r.series.replicas[0]!;
    expect(r.series.replicas.every((x) => x === pods)).toBe(true);
    expect(r.summary.podMinutes).toBeCloseTo(pods * 10, 6);
    expect(r.summary.scaleActions).toBe(0);
  });
});
