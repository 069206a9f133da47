import { OPERATOR_TOKEN, VIEWER_TOKEN, startHarness, type Harness } from '../../support/agent-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    rateLimit: { perSecond: 0.001, burst: 3 },
    overrideRateLimit: { perSecond: 0.001, burst: 1 },
  });
  await h.loop.runCycle();
});
afterAll(async () => {
  await h.close();
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a client used its burst', async () => {
    const get = () =>
      fetch(`${h.server.url}/api/targets`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([200, 200, 200]);
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  it('limits overrides per person separately', async () => {
    const post = () =>
      fetch(`${h.server.url}/api/targets/web/override`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'replicas', replicas: 4 }),
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(429);
  });
});
