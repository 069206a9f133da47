import type { RunningAgent } from '../../../src/cli/wiring/start-agent';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import type { OverrideAuditEntry } from '../../../src/loop/override-audit';
import { startGitServer, type TestGitServer } from '../../support/git-server';
import {
  RUN_OPERATOR_TOKEN,
  RUN_VIEWER_TOKEN,
  bearer,
  eventually,
  startRunAgent,
} from '../../support/run-agent';

/**
 * GET /api/overrides: the audit trail of human overrides (who, when, what, why, which commit),
 * served to viewers, rebuilt from the Maestro-Override trailers in git when an agent starts, so a
 * new agent on the same repo lists the overrides an earlier one committed.
 */
let git: TestGitServer;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  git = await startGitServer({ files: loadTemplateFiles() });
});
afterAll(async () => {
  for (const a of agents) await a.stop();
  await git.stop();
});

async function start(name: string): Promise<RunningAgent> {
  const agent = await startRunAgent(git, name);
  agents.push(agent);
  await eventually('the agent to be ready', 20_000, async () =>
    (await fetch(`${agent.server.url}/readyz`)).status === 200 ? true : undefined,
  );
  return agent;
}

async function overrides(agent: RunningAgent, query = ''): Promise<OverrideAuditEntry[]> {
  const r = await fetch(`${agent.server.url}/api/overrides${query}`, { headers: bearer(RUN_VIEWER_TOKEN) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { overrides: OverrideAuditEntry[] }).overrides;
}

describe('GET /api/overrides', () => {
  let first: RunningAgent;
  const shas: string[] = [];

  test('needs a viewer token and validates its query like the other routes', async () => {
    first = await start('maestro-a');
    const base = first.server.url;
    expect((await fetch(`${base}/api/overrides`)).status).toBe(401);
    expect(await overrides(first)).toEqual([]);
    for (const q of ['?limit=0', '?limit=abc', '?target=Not_A_Name', '?bogus=1']) {
      const r = await fetch(`${base}/api/overrides${q}`, { headers: bearer(RUN_VIEWER_TOKEN) });
      expect(r.status).toBe(400);
      const body = (await r.json()) as { error: { code: string; issues: Array<{ path: string }> } };
      expect(body.error.code).toBe('INPUT_INVALID');
      expect(body.error.issues.length).toBeGreaterThan(0);
    }
  });

  test('lists live overrides newest first: who, what, why, the commit', async () => {
    const base = first.server.url;
    for (const body of [
      { action: 'replicas', replicas: 6, reason: 'launch traffic expected at 09:00' },
      { action: 'pause', reason: 'investigating a memory leak' },
    ]) {
      const r = await fetch(`${base}/api/targets/web/override`, {
        method: 'POST',
        headers: bearer(RUN_OPERATOR_TOKEN),
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(200);
      const sha = ((await r.json()) as { sha?: string }).sha;
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      shas.push(sha!);
    }
    const list = await overrides(first);
    expect(list).toEqual([
      expect.objectContaining({
        target: 'web',
        action: 'pause',
        by: 'ada',
        reason: 'investigating a memory leak',
        sha: shas[1],
        source: 'live',
      }),
      expect.objectContaining({
        target: 'web',
        action: 'replicas',
        replicas: 6,
        by: 'ada',
        reason: 'launch traffic expected at 09:00',
        sha: shas[0],
        source: 'live',
      }),
    ]);
    expect(await overrides(first, '?limit=1')).toHaveLength(1);
  });

  test('survives a restart: a new agent on the same repo rebuilds the trail from git', async () => {
    await first.stop();
    agents.splice(agents.indexOf(first), 1);
    const second = await start('maestro-b');
    const list = await overrides(second, '?target=web');
    expect(list).toEqual([
      expect.objectContaining({
        target: 'web',
        action: 'pause',
        by: 'ada',
        email: 'ada@example.com',
        reason: 'investigating a memory leak',
        sha: shas[1],
        source: 'git',
      }),
      expect.objectContaining({
        target: 'web',
        action: 'replicas',
        replicas: 6,
        detail: 'replicas=6',
        by: 'ada',
        reason: 'launch traffic expected at 09:00',
        sha: shas[0],
        source: 'git',
      }),
    ]);
    // the shas are the server's commits, authored by the person
    for (const sha of shas) {
      expect((await git.gitCli('log', '-1', '--format=%an <%ae>', sha)).trim()).toBe('ada <ada@example.com>');
    }
    expect(await overrides(second, '?target=checkout')).toEqual([]);
    expect(await overrides(second, '?limit=1')).toEqual([expect.objectContaining({ sha: shas[1] })]);
  });
});
