import { WebSocket } from 'ws';
import {
  GATE_SECRET,
  OPERATOR_TOKEN,
  VIEWER_TOKEN,
  startHarness,
  type Harness,
} from '../../support/agent-harness';
import type { ServerMessage } from '../../../src/server/protocol';

let h: Harness;
let base: string;

beforeAll(async () => {
  h = await startHarness({ actions: { checkout: () => ({ type: 'canary', verb: 'advance' }) } });
  base = h.server.url;
  await h.loop.runCycle();
});
afterAll(async () => {
  await h.close();
});

const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });

describe('REST API', () => {
  it('serves health, readiness and its own metrics registry', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/maestro_decisions_total\{target="web",policy="hpa"\} 1/);
    expect(text).toMatch(/maestro_cycle_duration_seconds_count 1/);
    expect(text).toContain('maestro_commit_push_duration_seconds');
    expect(text).not.toContain('process_cpu'); // no global default registry
  });

  it('needs a token to read, and lists targets and decisions for a viewer', async () => {
    expect((await fetch(`${base}/api/targets`)).status).toBe(401);
    const r = await fetch(`${base}/api/targets`, { headers: auth(VIEWER_TOKEN) });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { targets: Array<{ name: string; state: string }> };
    expect(body.targets.map((t) => t.name)).toEqual(['web', 'checkout']);
    const d = await (
      await fetch(`${base}/api/decisions?target=web&limit=5`, { headers: auth(VIEWER_TOKEN) })
    ).json();
    expect((d as { decisions: Array<{ target: string }> }).decisions).toEqual([
      expect.objectContaining({ target: 'web' }),
    ]);
    const one = await fetch(`${base}/api/targets/web`, { headers: auth(VIEWER_TOKEN) });
    expect(((await one.json()) as { history: unknown[] }).history).toHaveLength(1);
    expect((await fetch(`${base}/api/targets/nope`, { headers: auth(VIEWER_TOKEN) })).status).toBe(404);
    expect((await fetch(`${base}/api/decisions?limit=0`, { headers: auth(VIEWER_TOKEN) })).status).toBe(400);
    expect((await fetch(`${base}/api/decisions?bogus=1`, { headers: auth(VIEWER_TOKEN) })).status).toBe(400);
  });

  it('answers an unauthenticated override with 401 and a viewer with 403', async () => {
    const body = JSON.stringify({ action: 'pause' });
    const anon = await fetch(`${base}/api/targets/web/override`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await fetch(`${base}/api/targets/web/override`, {
      method: 'POST',
      body,
      headers: auth('not-a-real-token-at-all'),
    });
    expect(bad.status).toBe(401);
    const viewer = await fetch(`${base}/api/targets/web/override`, {
      method: 'POST',
      body,
      headers: auth(VIEWER_TOKEN),
    });
    expect(viewer.status).toBe(403);
    expect(h.repo.commits).toHaveLength(1);
  });

  it('validates override bodies and refuses unknown keys', async () => {
    for (const b of [
      '{"action":"explode"}',
      '{"action":"replicas"}',
      '{"action":"replicas","replicas":2.5}',
      '{"action":"pause","x":1}',
      'not json',
      '[]',
    ]) {
      const r = await fetch(`${base}/api/targets/web/override`, {
        method: 'POST',
        body: b,
        headers: auth(OPERATOR_TOKEN),
      });
      expect([b, r.status]).toEqual([b, 400]);
    }
    const outOfBounds = await fetch(`${base}/api/targets/web/override`, {
      method: 'POST',
      body: JSON.stringify({ action: 'replicas', replicas: 500 }),
      headers: auth(OPERATOR_TOKEN),
    });
    expect(outOfBounds.status).toBe(400);
  });

  it('commits an operator override authored by the token owner', async () => {
    const r = await fetch(`${base}/api/targets/web/override`, {
      method: 'POST',
      body: JSON.stringify({ action: 'replicas', replicas: 6, reason: 'launch' }),
      headers: auth(OPERATOR_TOKEN),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { sha: string };
    expect(body.sha).toBe(h.repo.head.sha);
    expect(h.repo.head.author).toEqual({ name: 'Ada', email: 'ada@example.com' });
    expect(h.repo.head.files['apps/web.json']).toBe('{"replicas":6}');
  });

  it('trades no ordinary token at /api/session (only one-time login tokens)', async () => {
    const r = await fetch(`${base}/api/session`, { method: 'POST', headers: auth(OPERATOR_TOKEN) });
    expect(r.status).toBe(401);
  });

  it('refuses a foreign Origin', async () => {
    const r = await fetch(`${base}/api/targets`, {
      headers: { ...auth(VIEWER_TOKEN), origin: 'https://evil.example' },
    });
    expect(r.status).toBe(403);
    const same = await fetch(`${base}/api/targets`, { headers: { ...auth(VIEWER_TOKEN), origin: base } });
    expect(same.status).toBe(200);
  });

  it('serves the dashboard and the chart library', async () => {
    const html = await fetch(`${base}/`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('/vendor/uPlot.iife.min.js');
    expect((await fetch(`${base}/vendor/uPlot.iife.min.js`)).status).toBe(200);
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('Flagger gates', () => {
  const call = (gate: string, body: unknown, secret: string | null = GATE_SECRET) =>
    fetch(`${base}/gate/${gate}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-maestro-gate-secret': secret } : {}) },
    });
  const payload = { name: 'checkout', namespace: 'shop', phase: 'Progressing', checksum: 'sum-1' };

  it('refuses calls without the shared secret (header or metadata)', async () => {
    expect((await call('confirm-traffic-increase', payload, null)).status).toBe(401);
    expect((await call('confirm-traffic-increase', payload, 'wrong-secret-xxxxxxxx')).status).toBe(401);
    const viaMetadata = await call(
      'confirm-traffic-increase',
      { ...payload, metadata: { gateSecret: GATE_SECRET } },
      null,
    );
    expect(viaMetadata.status).toBe(200);
  });

  it('answers from the latest decision for that checksum and fails closed otherwise', async () => {
    expect((await call('confirm-traffic-increase', payload)).status).toBe(200);
    expect((await call('rollback', payload)).status).toBe(403);
    expect((await call('confirm-traffic-increase', { ...payload, checksum: 'sum-2' })).status).toBe(403);
    expect((await call('confirm-traffic-increase', { ...payload, name: 'other' })).status).toBe(403);
    expect((await call('nope', payload)).status).toBe(404);
    expect((await call('rollback', { name: 'checkout' })).status).toBe(400);
  });

  it('opens the rollback gate after an operator forces a rollback', async () => {
    const r = await fetch(`${base}/api/targets/checkout/override`, {
      method: 'POST',
      body: JSON.stringify({ action: 'rollback' }),
      headers: auth(OPERATOR_TOKEN),
    });
    expect(r.status).toBe(200);
    const g = await call('rollback', payload);
    expect(g.status).toBe(200);
    expect(((await g.json()) as { reason: string }).reason).toMatch(/forced by Ada/);
  });
});

describe('WebSocket feed', () => {
  const open = (protocols: string[], headers: Record<string, string> = {}) =>
    new Promise<{ ws: WebSocket; first: ServerMessage }>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, protocols, { headers });
      ws.once('message', (d) => resolve({ ws, first: JSON.parse(d.toString()) as ServerMessage }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('refuses a connection without a valid token (401) or from a foreign origin (403)', async () => {
    await expect(open(['maestro.v1'])).rejects.toThrow('HTTP 401');
    await expect(open(['maestro.v1', 'bearer.wrong-token-0123456789'])).rejects.toThrow('HTTP 401');
    await expect(
      open(['maestro.v1', `bearer.${VIEWER_TOKEN}`], { origin: 'https://evil.example' }),
    ).rejects.toThrow('HTTP 403');
  });

  it('sends a snapshot on connect, then live events, and answers pings', async () => {
    const { ws, first } = await open(['maestro.v1', `bearer.${VIEWER_TOKEN}`]);
    expect(ws.protocol).toBe('maestro.v1');
    expect(first).toMatchObject({ type: 'snapshot', you: { user: 'Vic', role: 'viewer' } });
    const got: ServerMessage[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString()) as ServerMessage));
    h.clock.advance(15_000);
    await h.loop.runCycle();
    ws.send(JSON.stringify({ type: 'ping' }));
    ws.send('garbage');
    await new Promise((r) => setTimeout(r, 200));
    const types = new Set(got.map((m) => m.type));
    for (const t of ['observation', 'decision', 'target', 'status', 'pong', 'error'])
      expect(types).toContain(t);
    ws.close();
  });
});
