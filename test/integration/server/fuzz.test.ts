import fc from 'fast-check';
import { WebSocket } from 'ws';
import { OPERATOR_TOKEN, VIEWER_TOKEN, startHarness, type Harness } from '../../support/agent-harness';

/**
 * 10,000 fuzzed payloads (3,000 REST requests, 6,500 WS frames, 500 WS handshakes) against the real
 * server: it never answers 5xx, never crashes, and stays healthy. Rate limits are raised so the
 * payloads reach validation instead of bouncing off 429.
 */
let h: Harness;
let base: string;
const big = { perSecond: 1e6, burst: 1e6 };

beforeAll(async () => {
  h = await startHarness({ rateLimit: big, overrideRateLimit: big, wsClientRate: big });
  base = h.server.url;
  await h.loop.runCycle();
});
afterAll(async () => {
  await h.close();
});

const paths = fc.oneof(
  fc.constantFrom(
    '/api/targets',
    '/api/targets/web',
    '/api/targets/web/override',
    '/api/targets/checkout/override',
    '/api/override',
    '/api/decisions',
    '/api/commits',
    '/api/status',
    '/gate/rollback',
    '/gate/confirm-promotion',
    '/gate/confirm-traffic-increase',
    '/metrics',
    '/readyz',
  ),
  fc.string().map((s) => `/api/${encodeURIComponent(s)}`),
  fc.string().map((s) => `/api/targets/${encodeURIComponent(s)}/override`),
  fc.string().map((s) => `/gate/${encodeURIComponent(s)}`),
  fc
    .tuple(fc.constantFrom('/api/decisions?', '/api/commits?'), fc.string())
    .map(([p, q]) => p + encodeURIComponent(q).replace(/%3D/g, '=').replace(/%26/g, '&')),
);

const bodies = fc.oneof(
  fc.json(),
  fc.string(),
  fc.anything().map((v) => {
    try {
      return JSON.stringify(v) ?? 'null';
    } catch {
      return '{}';
    }
  }),
  fc
    .record({
      action: fc.oneof(fc.constantFrom('pause', 'resume', 'promote', 'rollback', 'replicas'), fc.string()),
      replicas: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      reason: fc.oneof(fc.string(), fc.integer()),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({ name: fc.string(), namespace: fc.string(), checksum: fc.string(), metadata: fc.anything() })
    .map((o) => JSON.stringify(o)),
);

const tokens = fc.constantFrom(undefined, VIEWER_TOKEN, OPERATOR_TOKEN, 'x', 'Bearer', `${OPERATOR_TOKEN}x`);

describe('fuzzing', () => {
  it('answers 3,000 fuzzed REST requests without a 5xx', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        paths,
        bodies,
        tokens,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
        async (method, path, body, token, type) => {
          const headers: Record<string, string> = {};
          if (token) headers.authorization = `Bearer ${token}`;
          if (type) headers['content-type'] = type;
          const res = await fetch(base + path, {
            method,
            headers,
            ...(method === 'GET' ? {} : { body }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`${method} ${path} ${body} -> ${res.status}`);
          if (!token && path.includes('/override') && method === 'POST' && res.status !== 404) {
            expect(res.status).toBe(401);
          }
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(statuses.get(401)).toBeGreaterThan(50);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 240_000);

  it('survives 6,500 fuzzed WS frames on one connection and 500 fuzzed handshakes', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, ['maestro.v1', `bearer.${VIEWER_TOKEN}`]);
    let replies = 0;
    let sent = 0;
    ws.on('message', () => replies++);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 256 }), fc.constant('{"type":"ping"}')),
        async (frame) => {
          ws.send(frame);
          // a burst of thousands of synchronous sends starves the event loop of both ends; yield
          // like a real client does
          if (++sent % 25 === 0) await new Promise((r) => setImmediate(r));
        },
      ),
      { numRuns: 6500, seed: 11 },
    );
    for (let i = 0; i < 500 && replies < 6501; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(replies).toBe(6501); // the snapshot, then one pong or error per frame
    ws.close();

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,40}$/), { maxLength: 4 }),
        fc.option(fc.webUrl(), { nil: undefined }),
        async (protocols, origin) => {
          const outcome = await new Promise<number>((resolve) => {
            const c = new WebSocket(
              `${base.replace('http', 'ws')}/ws`,
              protocols,
              origin ? { headers: { origin } } : {},
            );
            c.once('open', () => (c.close(), resolve(101)));
            c.once('unexpected-response', (_q, res) => (res.resume(), resolve(res.statusCode ?? 0)));
            c.once('error', () => resolve(-1));
          });
          // none of these carries a valid token: every handshake is refused with a 4xx
          expect(outcome).toBeGreaterThanOrEqual(400);
          expect(outcome).toBeLessThan(500);
        },
      ),
      { numRuns: 500, seed: 13 },
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 240_000);
});
