import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseCanary, type CanaryWebhook } from '../../../src/sim/flagger/canary-spec';
import { httpWebhookCaller } from '../../../src/sim/flagger/http-webhook';
import { GATE_SECRET, startHarness, type Harness } from '../../support/agent-harness';
import { TEMPLATE_DIR } from '../../unit/deploy/deploy-fixtures';

/**
 * The template's Canary webhooks, as Flagger would call them, reach the real agent server's gates
 * and authenticate: the path is the gate's, and the `gateSecret` metadata Flux substitutes from the
 * Secret maestro-gate is what the server checks. Without the substitution every gate stays closed.
 */
const CANARY_FILE = join(TEMPLATE_DIR, 'apps', 'checkout', 'canary.yaml');
const PLACEHOLDER = '${MAESTRO_GATE_SECRET}';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ actions: { checkout: () => ({ type: 'canary', verb: 'advance' }) } });
  await h.loop.runCycle();
});
afterAll(async () => {
  await h.close();
});

/** The webhooks after Flux's post-build substitution (plain text replacement of ${VAR}). */
function webhooksAfterFlux(secret: string | undefined): CanaryWebhook[] {
  const text = readFileSync(CANARY_FILE, 'utf8');
  expect(text).toContain(PLACEHOLDER);
  const applied = secret === undefined ? text : text.split(PLACEHOLDER).join(secret);
  return [...parseCanary(parse(applied), CANARY_FILE).analysis.webhooks];
}

/** Calls a webhook the way Flagger does, at the template's path on the test server. */
async function callAsFlagger(w: CanaryWebhook): Promise<number> {
  const url = new URL(w.url);
  const local = new URL(url.pathname, h.server.url);
  const { status } = await httpWebhookCaller(5_000)(local.toString(), {
    name: 'checkout',
    namespace: 'shop',
    phase: 'Progressing',
    checksum: 'sum-1', // the revision the harness's canary reading reports
    ...(w.metadata ? { metadata: w.metadata } : {}),
  });
  return status;
}

describe('the template Canary against the agent gate', () => {
  it('opens the traffic gate and keeps the rollback gate shut for an advance decision', async () => {
    const hooks = webhooksAfterFlux(GATE_SECRET);
    const status = Object.fromEntries(
      await Promise.all(hooks.map(async (w) => [w.type, await callAsFlagger(w)])),
    );
    expect(Object.keys(status)).toEqual(['confirm-traffic-increase', 'confirm-promotion', 'rollback']);
    expect(status['confirm-traffic-increase']).toBe(200);
    expect(status.rollback).toBe(403);
    // promotion waits for its own decision, but the call is authenticated and routed
    expect([200, 403]).toContain(status['confirm-promotion']);
  });

  it('refuses every gate call when Flux has not substituted the secret', async () => {
    for (const w of webhooksAfterFlux(undefined))
      expect([w.type, await callAsFlagger(w)]).toEqual([w.type, 401]);
  });
});
