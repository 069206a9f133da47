import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { GitHubPullRequests } from '../../../../src/adapters/github/pull-requests';
import { GitRepoSession } from '../../../../src/adapters/git/repo-session';
import { formatOverrideCommit } from '../../../../src/core/commit-message';
import { isMaestroError, type MaestroError } from '../../../../src/core/errors';
import type { CommitPlanner } from '../../../../src/core/ports';
import { startGitServer, type TestGitServer } from '../../../support/git-server';

/**
 * Pull-request mode end to end: the git side is the real embedded git server; GitHub's REST API
 * is a local HTTP server implementing the three endpoints the adapter calls, recording requests.
 */
interface Pull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
}
interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | undefined;
}

async function startFakeGitHub(owner: string, repo: string) {
  const pulls: Pull[] = [];
  const requests: Recorded[] = [];
  let failWith: number | undefined;
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((ok) => {
      let s = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (s += c));
      req.on('end', () => ok(s));
    });
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    requests.push({
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      auth: req.headers.authorization,
      body,
    });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (failWith !== undefined) return send(failWith, { message: `injected ${failWith}` });
    const base = `/repos/${owner}/${repo}/pulls`;
    const view = (p: Pull) => ({
      ...p,
      html_url: `https://github.example/${owner}/${repo}/pull/${p.number}`,
      head: { ref: p.head },
      base: { ref: p.base },
    });
    if (req.method === 'GET' && url.pathname === base) {
      const head = url.searchParams.get('head');
      const found = pulls.filter(
        (p) =>
          p.state === (url.searchParams.get('state') ?? 'open') &&
          (!head || `${owner}:${p.head}` === head) &&
          (!url.searchParams.get('base') || p.base === url.searchParams.get('base')),
      );
      return send(200, found.map(view));
    }
    if (req.method === 'POST' && url.pathname === base && body) {
      if (pulls.some((p) => p.state === 'open' && p.head === body.head)) {
        return send(422, {
          message: 'Validation Failed',
          errors: [{ message: 'A pull request already exists' }],
        });
      }
      const p: Pull = {
        number: pulls.length + 1,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body),
        state: 'open',
      };
      pulls.push(p);
      return send(201, view(p));
    }
    const m = new RegExp(`^${base}/(\\d+)$`).exec(url.pathname);
    if (req.method === 'PATCH' && m && body) {
      const p = pulls.find((x) => x.number === Number(m[1]));
      if (!p) return send(404, { message: 'Not Found' });
      if (typeof body.title === 'string') p.title = body.title;
      if (typeof body.body === 'string') p.body = body.body;
      return send(200, view(p));
    }
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pulls,
    requests,
    fail: (status: number | undefined) => {
      failWith = status;
    },
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

const FILE = 'apps/web/deployment.yaml';
const TOKEN = 'ghs_pullRequestToken1234567890';

describe('pull-request mode (real git server, local GitHub API)', () => {
  let g: TestGitServer;
  let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
  beforeAll(async () => {
    g = await startGitServer({ files: { [FILE]: 'spec:\n  replicas: 4\n' } });
    gh = await startFakeGitHub('acme', 'config');
  });
  afterAll(async () => {
    await gh.stop();
    await g.stop();
  });

  const session = async (token = TOKEN) =>
    new GitRepoSession({
      url: g.url,
      branch: 'main',
      dir: await mkdtemp(join(g.tmp, 'pr-')),
      author: { name: 'maestro', email: 'maestro@localhost' },
      random: () => 0,
      sleep: async () => {},
      backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 },
      pushMode: {
        kind: 'pull-request',
        pullRequests: new GitHubPullRequests({ owner: 'acme', repo: 'config', apiUrl: gh.url, token }),
      },
    });
  const planner =
    (n: number, id: string): CommitPlanner =>
    async (snap) => ({
      files: [
        { path: FILE, content: (await snap.readFile(FILE))!.replace(/replicas: \d+/, `replicas: ${n}`) },
      ],
      message: formatOverrideCommit({
        target: 'web',
        description: `set replicas to ${n}`,
        by: { name: 'Ann', email: 'ann@example.com' },
        action: { type: 'replicas', delta: n - 4 },
        decisionId: id,
      }),
    });

  test('pushes to maestro/<target>/<id>, leaves main alone and opens a PR', async () => {
    const mainBefore = (await g.gitCli('rev-parse', 'main')).trim();
    const s = await session();
    const out = await s.commit(planner(6, 'o-1'));
    expect(out).toMatchObject({
      kind: 'committed',
      parent: mainBefore,
      pullRequestUrl: 'https://github.example/acme/config/pull/1',
    });
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(mainBefore);
    const branchHead = (await g.gitCli('rev-parse', 'refs/heads/maestro/web/o-1')).trim();
    expect(out.kind === 'committed' && out.sha).toBe(branchHead);
    expect(await g.gitCli('show', `maestro/web/o-1:${FILE}`)).toBe('spec:\n  replicas: 6\n');
    expect(gh.pulls).toEqual([
      expect.objectContaining({
        number: 1,
        head: 'maestro/web/o-1',
        base: 'main',
        title: 'maestro: web set replicas to 6 (override by Ann)',
      }),
    ]);
    expect(gh.pulls[0]!.body).toContain('Maestro-Decision-Id: o-1');
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/config/pulls?head=acme%3Amaestro%2Fweb%2Fo-1&base=main&state=open&per_page=1',
      'POST /repos/acme/config/pulls',
    ]);
    expect(gh.requests.every((r) => r.auth === `token ${TOKEN}`)).toBe(true);
  });

  test('the same decision again: nothing new to push, the open PR is updated, not duplicated', async () => {
    gh.requests.length = 0;
    const branchBefore = (await g.gitCli('rev-parse', 'refs/heads/maestro/web/o-1')).trim();
    const out = await (await session()).commit(planner(6, 'o-1'));
    expect(out).toEqual({
      kind: 'no-change',
      head: branchBefore,
      attempts: 1,
      pullRequestUrl: 'https://github.example/acme/config/pull/1',
    });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  test('a newer edit for the same decision goes on top of its branch and updates the PR', async () => {
    const branchBefore = (await g.gitCli('rev-parse', 'refs/heads/maestro/web/o-1')).trim();
    const out = await (await session()).commit(planner(7, 'o-1'));
    expect(out).toMatchObject({ kind: 'committed', parent: branchBefore });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]!.title).toBe('maestro: web set replicas to 7 (override by Ann)');
  });

  test('API failures: 500 is retryable, 401 terminal; the token never appears', async () => {
    gh.fail(500);
    const e1 = await (await session()).commit(planner(8, 'o-2')).catch((e: unknown) => e);
    expect(isMaestroError(e1, 'GITHUB_API')).toBe(true);
    expect((e1 as MaestroError).retryable).toBe(true);
    gh.fail(401);
    const e2 = await (await session()).commit(planner(9, 'o-3')).catch((e: unknown) => e);
    gh.fail(undefined);
    expect(isMaestroError(e2, 'GITHUB_API')).toBe(true);
    expect((e2 as MaestroError).retryable).toBe(false);
    for (const e of [e1, e2]) expect(JSON.stringify((e as MaestroError).toJSON())).not.toContain(TOKEN);
    // the branch was pushed before the API failed: a retry only opens the PR
    const retry = await (await session()).commit(planner(8, 'o-2'));
    expect(retry).toMatchObject({ kind: 'no-change', pullRequestUrl: expect.stringContaining('/pull/') });
  });
});
