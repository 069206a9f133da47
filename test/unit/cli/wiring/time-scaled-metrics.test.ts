import { timeScaledMetrics } from '../../../../src/cli/wiring/time-scaled-metrics';
import type { CanaryObservation, ServiceMetrics, VersionMetrics } from '../../../../src/core/observation';
import type { MetricsReading, MetricsSource } from '../../../../src/core/ports';
import { value } from '../../../../src/core/sample';
import { CHECKOUT_CANARY } from '../../../support/target-refs';

/**
 * The demo reads a Prometheus that scrapes the accelerated simulator in wall time: samples are dated
 * in virtual time (their age × speed) and the canary's per-step counts cover `speed` times the wall
 * step (rates are already simulated per-second rates).
 */
const WALL = 1_700_000_000_000;
const VIRTUAL = 1_700_000_900_000;
const checkout = CHECKOUT_CANARY;

function reading(): MetricsReading {
  const s = (v: number) => value(v, WALL - 2000);
  const service: ServiceMetrics = {
    cpuUtilization: s(0.5),
    memoryBytes: s(1e8),
    readyReplicas: s(3),
    specReplicas: s(3),
    rps: s(200),
    p95LatencyMs: s(150),
    p99LatencyMs: s(236),
    errorRate: s(0.001),
  };
  const version = (rps: number): VersionMetrics => ({
    rps: s(rps),
    p95LatencyMs: s(150),
    p99LatencyMs: s(236),
    errorRate: s(0.001),
  });
  const canary: CanaryObservation = {
    weight: s(10),
    phase: 'Progressing',
    canary: version(20),
    primary: version(180),
    samples: { canary: { errorRate: [0.001] }, primary: { errorRate: [0.001, 0.002] } },
    steps: {
      stepSeconds: 2,
      canary: { requests: [40], errors: [0.125], p95LatencyMs: [150] },
      primary: { requests: [360], errors: [0.375], p95LatencyMs: [150] },
    },
  };
  return { service, canary };
}

describe('timeScaledMetrics', () => {
  const inner: MetricsSource = { read: () => Promise.resolve(reading()) };

  it('dates samples in virtual time and stretches the per-step counts by the speed', async () => {
    const r = await timeScaledMetrics(inner, 40, () => WALL).read(checkout, VIRTUAL);
    // a 2 s old scrape is 80 virtual seconds old at speed 40
    expect(r.service.rps).toEqual({ ok: true, value: 200, at: VIRTUAL - 80_000 });
    expect(r.canary?.weight).toEqual({ ok: true, value: 10, at: VIRTUAL - 80_000 });
    expect(r.canary?.canary.errorRate).toEqual({ ok: true, value: 0.001, at: VIRTUAL - 80_000 });
    // 2 wall seconds of simulated 20 rps are 80 simulated seconds: 1600 requests, not 40
    expect(r.canary?.steps).toEqual({
      stepSeconds: 80,
      canary: { requests: [1600], errors: [5], p95LatencyMs: [150] },
      primary: { requests: [14_400], errors: [15], p95LatencyMs: [150] },
    });
    // rates and quantiles do not depend on the speed
    expect(r.canary?.samples).toEqual(reading().canary?.samples);
  });

  it('changes nothing at speed 1', async () => {
    expect(await timeScaledMetrics(inner, 1, () => WALL).read(checkout, VIRTUAL)).toEqual(reading());
  });
});
