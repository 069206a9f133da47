import { WebSocket } from 'ws';
import { MaestroError } from '../../../src/core/errors';
import type { ServerMessage } from '../../../src/server/protocol';
import {
  GATE_SECRET,
  OPERATOR_TOKEN,
  VIEWER_TOKEN,
  startHarness,
  type Harness,
} from '../../support/agent-harness';

/**
 * Security (issue 10): a secret that leaks into an error (here: a git failure whose message carries
 * the operator token and the gate secret, as a URL with credentials would) never reaches a
 * WebSocket client, the REST API or /metrics. (The gates' shared-secret check is tested in
 * test/integration/server/api.test.ts.)
 */
let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness({ actions: { web: () => ({ type: 'replicas', delta: 1 }) } });
  base = h.server.url;
});
afterAll(() => h.close());

describe('secrets stay out of every output', () => {
  test('a failing push whose error names the token: WS, API and /metrics show it redacted', async () => {
    const got: string[] = [];
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`${base.replace('http', 'ws')}/ws`, ['maestro.v1', `bearer.${VIEWER_TOKEN}`]);
      w.on('message', (d) => got.push(d.toString()));
      w.once('open', () => resolve(w));
      w.once('error', reject);
    });
    h.repo.failNext = new MaestroError(
      'GIT_AUTH',
      `push to https://x-access-token:${OPERATOR_TOKEN}@git.example/config.git refused (secret ${GATE_SECRET})`,
      { retryable: false },
    );
    await h.loop.runCycle();
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    const errors = got.map((m) => JSON.parse(m) as ServerMessage).filter((m) => m.type === 'error');
    // the failure was published, with the secrets replaced
    expect(JSON.stringify(errors)).toContain('refused (secret [REDACTED])');
    const all = got.join('\n');
    expect(all).not.toContain(OPERATOR_TOKEN); // …without the secrets
    expect(all).not.toContain(GATE_SECRET);

    const api = await Promise.all(
      ['/api/targets', '/api/decisions', '/api/status'].map(async (p) =>
        (await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).text(),
      ),
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const text of [...api, metrics]) {
      expect(text).not.toContain(OPERATOR_TOKEN);
      expect(text).not.toContain(GATE_SECRET);
    }
  });
});
