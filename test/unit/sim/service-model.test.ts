import { Nodes } from '../../../src/sim/nodes';
import { responseQuantile } from '../../../src/sim/queueing/mmc';
import { SimHpa } from '../../../src/sim/hpa-controller';
import { createRng } from '../../../src/sim/rng';
import { serviceParams } from '../../../src/sim/service-params';
import { ServiceSim } from '../../../src/sim/service-sim';
import type { FaultEvent } from '../../../src/sim/faults';
import type { TrafficPattern } from '../../../src/sim/traffic/patterns';

function service(rps: number | TrafficPattern, replicas: number, faults: FaultEvent[] = [], seed = 1) {
  const pattern: TrafficPattern = typeof rps === 'number' ? { kind: 'steady', rps } : rps;
  return new ServiceSim(
    serviceParams({ initialReplicas: replicas }),
    pattern,
    new Nodes(3),
    createRng(seed),
    faults,
    {
      now: 0,
      templateHash: 'h0',
    },
  );
}

function run(s: ServiceSim, from: number, to: number) {
  let last = s.last;
  for (let t = from + 1; t <= to; t++) last = s.step(t, 1);
  return last!;
}

describe('service model', () => {
  it('CPU utilisation follows load / capacity of ready pods; latency grows with utilisation', () => {
    const light = run(service(160, 10), 0, 30).primary; // 20 % busy
    const heavy = run(service(720, 10), 0, 30).primary; // 90 % busy
    expect(light.cpuUtilization).toBeCloseTo(0.05 + 0.95 * 0.2, 1);
    expect(heavy.cpuUtilization).toBeCloseTo(0.05 + 0.95 * 0.9, 1);
    expect(responseQuantile(heavy.dist!, 0.95)).toBeGreaterThan(responseQuantile(light.dist!, 0.95));
    expect(heavy.memoryBytes).toBeGreaterThan(light.memoryBytes);
  });

  it('saturation builds a backlog: latency reaches seconds and requests fail', () => {
    const s = service(1200, 5); // 3× capacity
    const r = run(s, 0, 60).primary;
    expect(r.errors503 + r.errors504).toBeGreaterThan(0.5 * r.arrivals);
    expect(r.dist!.shiftSeconds).toBeGreaterThan(5);
  });

  it('new pods become ready after the start-up delay (20 s + up to 10 s jitter)', () => {
    const s = service(100, 2);
    run(s, 0, 5);
    s.setReplicas(6);
    expect(run(s, 5, 24).primary.readyPods).toBe(2);
    expect(run(s, 24, 36).primary.readyPods).toBe(6);
  });

  it('pod kills and node loss remove pods that come back after start-up; noisy neighbours and injected latency slow responses', () => {
    const faults: FaultEvent[] = [
      { kind: 'pod-kill', at: 10, count: 2 },
      { kind: 'node-loss', at: 100, node: 0, durationSeconds: 60 },
      { kind: 'noisy-neighbour', at: 200, node: 1, factor: 0.5, durationSeconds: 60 },
      { kind: 'latency-injection', at: 300, addedMs: 200, durationSeconds: 30 },
    ];
    const s = service(300, 6, faults);
    const base = run(s, 0, 9).primary;
    const p95Before = responseQuantile(base.dist!, 0.95);
    expect(run(s, 9, 10).primary.readyPods).toBe(4);
    expect(run(s, 10, 45).primary.readyPods).toBe(6);
    const afterLoss = run(s, 45, 100).primary.readyPods; // node-1's pods are gone at once
    expect(afterLoss).toBeLessThan(6);
    expect(afterLoss).toBeGreaterThanOrEqual(3);
    expect(run(s, 100, 140).primary.readyPods).toBe(6); // recreated on the other nodes
    const slow = run(s, 140, 230).primary;
    expect(responseQuantile(slow.dist!, 0.95)).toBeGreaterThan(p95Before * 1.1);
    const injected = run(s, 230, 310).primary;
    expect(responseQuantile(injected.dist!, 0.95) - p95Before).toBeGreaterThan(0.19);
  });

  it('same seed → same steps', () => {
    const a = JSON.stringify(run(service(500, 5, [], 3), 0, 100));
    const b = JSON.stringify(run(service(500, 5, [], 3), 0, 100));
    expect(a).toBe(b);
  });
});

describe('simulated HPA (the core HPA functions driven every 15 s)', () => {
  it('settles near the replica count the CPU target implies and scales down only after the 5-minute window', () => {
    const s = service(
      {
        kind: 'stages',
        startRps: 600,
        stages: [
          { durationSeconds: 900, targetRps: 600 },
          { durationSeconds: 0, targetRps: 200 },
        ],
      },
      4,
    );
    s.controller = new SimHpa({ minReplicas: 2, maxReplicas: 30, targetCpuUtilizationPercent: 70 });
    run(s, 0, 900);
    // util = 0.05 + 0.95·rho = 0.7 → rho ≈ 0.684 → 600 / (80 · 0.684) ≈ 11 pods (± the 10 % tolerance)
    expect(s.specReplicas).toBeGreaterThanOrEqual(10);
    expect(s.specReplicas).toBeLessThanOrEqual(12);
    const high = s.specReplicas;
    run(s, 900, 900 + 240);
    expect(s.specReplicas).toBe(high); // stabilisation window: no scale-down yet
    run(s, 1140, 1500);
    expect(s.specReplicas).toBeLessThan(high);
    expect(s.specReplicas).toBeGreaterThanOrEqual(3);
  });
});
