import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../../src/cli/command-context';
import { main } from '../../../src/cli/main';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { startGitServer, type TestGitServer } from '../../support/git-server';

/**
 * `maestro run --config FILE` in-process against a real git server: it starts the agent, serves
 * the API with the configured token, and stops cleanly on SIGTERM. Prometheus is unreachable here on
 * purpose: every reading is "no data" and the agent holds instead of guessing.
 */
const TOKEN = 'run-test-operator-token-0123456789';
let git: TestGitServer;
let dir: string;

beforeAll(async () => {
  git = await startGitServer({ files: loadTemplateFiles() });
  dir = mkdtempSync(join(tmpdir(), 'maestro-run-'));
});
afterAll(async () => {
  await git.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
  stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
  const io: CommandIo = { stdout, stderr, stdin: new PassThrough(), env, cwd: dir };
  return { done: main(['node', 'maestro', 'run', ...args], io), out };
}

function writeConfig(extra: string): string {
  const file = join(dir, `maestro-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    [
      `git: { url: "${git.url}", branch: main }`,
      'prometheus: { url: "http://127.0.0.1:1", timeoutMs: 200 }',
      'cycleIntervalSeconds: 1',
      'server:',
      '  port: 0',
      '  tokens: [{ role: operator, env: RUN_TEST_TOKEN, user: ada@example.com }]',
      'targets:',
      '  - { name: web, kind: deployment-replicas, file: apps/web/deployment.yaml, namespace: shop, minReplicas: 2, maxReplicas: 20, slo: { p95Ms: 250 } }',
      extra,
    ].join('\n'),
  );
  return file;
}

describe('maestro run', () => {
  it('serves the API, holds without metrics, and stops on SIGTERM with exit 0', async () => {
    const r = start(
      ['--config', writeConfig(''), '--state-dir', join(dir, 'state'), '--log-level', 'silent'],
      { RUN_TEST_TOKEN: TOKEN },
    );
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      url = /dashboard and API at (http:\/\/\S+)/.exec(r.out.stdout)?.[1];
      if (!url) await new Promise((res) => setTimeout(res, 100));
    }
    expect(url).toBeDefined();
    let decisions: Array<{ final: string; reasons: string[] }> = [];
    for (let i = 0; i < 100 && decisions.length === 0; i++) {
      const res = await fetch(`${url}/api/decisions`, { headers: { authorization: `Bearer ${TOKEN}` } });
      decisions = ((await res.json()) as { decisions: typeof decisions }).decisions;
      if (decisions.length === 0) await new Promise((res2) => setTimeout(res2, 100));
    }
    expect(decisions[0]!.final).toBe('hold');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/api/decisions`)).status).toBe(401);
    process.emit('SIGTERM');
    expect(await r.done).toBe(0);
    expect(await git.gitCli('rev-list', '--count', 'main')).toBe('1\n');
  });

  it('with ha.enabled acts behind the git lease and shows its leadership in /api/status', async () => {
    const before = (await git.gitCli('rev-parse', 'main')).trim();
    const r = start(
      [
        '--config',
        writeConfig('ha: { enabled: true, leaseSeconds: 3, identity: run-ha-1 }'),
        '--state-dir',
        join(dir, 'state-ha'),
        '--log-level',
        'silent',
      ],
      { RUN_TEST_TOKEN: TOKEN },
    );
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      url = /dashboard and API at (http:\/\/\S+)/.exec(r.out.stdout)?.[1];
      if (!url) await new Promise((res) => setTimeout(res, 100));
    }
    expect(r.out.stdout).toContain('holding the git lease as run-ha-1 (lease 3s)');
    let ha: { identity: string; leader: boolean; term?: number } | undefined;
    for (let i = 0; i < 100 && !ha?.leader; i++) {
      const res = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
      ha = ((await res.json()) as { ha: typeof ha }).ha;
      if (!ha?.leader) await new Promise((res2) => setTimeout(res2, 100));
    }
    expect(ha).toEqual(expect.objectContaining({ identity: 'run-ha-1', leader: true, term: 1 }));
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toEqual(expect.objectContaining({ leader: true }));
    process.emit('SIGTERM');
    expect(await r.done).toBe(0);
    // it committed only the lease (no metrics: the loop held)
    const subjects = (await git.gitCli('log', '--format=%s', `${before}..main`)).trim().split('\n');
    expect(subjects.length).toBeGreaterThanOrEqual(1);
    for (const s of subjects) expect(s).toMatch(/^maestro: leader lease (taken|renewed) by run-ha-1/);
  });

  it('exits 2 naming the missing environment variable', async () => {
    const r = start(['--config', writeConfig('')], {});
    expect(await r.done).toBe(2);
    expect(r.out.stderr).toMatch(/server.tokens\[0\]: environment variable RUN_TEST_TOKEN is not set/);
  });

  it('exits 2 for an invalid config, listing the problem', async () => {
    const r = start(['--config', writeConfig('cycleIntervalSeconds: -5')], { RUN_TEST_TOKEN: TOKEN });
    expect(await r.done).toBe(2);
  });
});
