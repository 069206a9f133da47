import { parseFaultRequest, SimRuntime } from '../../../src/sim/runtime/sim-runtime';
import { defaultObjects } from '../../../src/sim/runtime/default-objects';
import { getScenario } from '../../../src/sim/scenarios';

function requestsTotal(metrics: string): number {
  let sum = 0;
  for (const m of metrics.matchAll(/^http_requests_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}

describe('SimRuntime', () => {
  it('at speed S the counters advance by simulated increments / S, so rate() over wall time reads simulated rates', async () => {
    const mk = (speed: number) =>
      new SimRuntime({
        scenario: getScenario('steady'),
        traffic: { web: { kind: 'steady', rps: 200 } },
        seed: 1,
        objects: defaultObjects(5),
        speed,
      });
    const slow = mk(1);
    const fast = mk(10);
    await slow.advance(60);
    await fast.advance(60);
    const a = requestsTotal(slow.cluster.metrics!.render());
    const b = requestsTotal(fast.cluster.metrics!.render());
    expect(a).toBeGreaterThan(11_000);
    expect(b * 10).toBeCloseTo(a, 6);
  });

  it('POST /fault injects a fault now; bad bodies get 400 with the reason', async () => {
    const rt = new SimRuntime({
      scenario: getScenario('steady'),
      seed: 2,
      objects: defaultObjects(6),
      tickMs: 60_000,
    });
    await rt.start();
    try {
      await rt.advance(5);
      const ok = await fetch(`${rt.url}/fault`, {
        method: 'POST',
        body: JSON.stringify({ service: 'web', kind: 'pod-kill', count: 3 }),
      });
      expect(ok.status).toBe(200);
      await rt.advance(1);
      const svc = (rt.state() as { services: Array<{ readyReplicas: number }> }).services[0]!;
      expect(svc.readyReplicas).toBe(3);
      const bad = await fetch(`${rt.url}/fault`, {
        method: 'POST',
        body: JSON.stringify({ service: 'web', kind: 'meteor' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/kind: one of/);
      const none = await fetch(`${rt.url}/fault`, {
        method: 'POST',
        body: JSON.stringify({ service: 'nope', kind: 'pod-kill' }),
      });
      expect(none.status).toBe(404);
    } finally {
      await rt.stop();
    }
  });

  it('parses fault requests with defaults', () => {
    expect(parseFaultRequest('{"service":"web","kind":"latency-injection"}')).toEqual({
      service: 'web',
      fault: { kind: 'latency-injection', at: 0, addedMs: 200, durationSeconds: 60 },
    });
    expect(parseFaultRequest('{"service":"web","kind":"node-loss","durationSeconds":-1}')).toMatch(
      /durationSeconds/,
    );
    expect(parseFaultRequest('nope')).toBe('body must be JSON');
  });
});
