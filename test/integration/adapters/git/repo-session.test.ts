import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { formatOverrideCommit } from '../../../../src/core/commit-message';
import { isMaestroError, MaestroError } from '../../../../src/core/errors';
import type { CommitPlanner, RepoSnapshot } from '../../../../src/core/ports';
import {
  GitRepoSession,
  type GitSessionEvent,
  type GitRepoSessionOptions,
} from '../../../../src/adapters/git/repo-session';
import { startGitServer, nonFastForwardUpdates, type TestGitServer } from '../../../support/git-server';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4 # managed by maestro
`;
const AGENT = { name: 'maestro', email: 'maestro@localhost' };

function session(g: TestGitServer, dir: string, over: Partial<GitRepoSessionOptions> = {}) {
  const events: GitSessionEvent[] = [];
  const s = new GitRepoSession({
    url: g.url,
    branch: 'main',
    dir,
    author: AGENT,
    backoff: { baseMs: 1, maxMs: 5, maxAttempts: 5 },
    random: () => 0.5,
    sleep: () => Promise.resolve(),
    now: () => Date.UTC(2026, 10, 23, 14, 0, 0),
    onEvent: (e) => events.push(e),
    ...over,
  });
  return { s, events };
}

/** Sets spec.replicas to `n` in the fresh content (the way the loop re-applies an edit). */
function setReplicas(n: number, message = `maestro: web replicas → ${n}\n`): CommitPlanner {
  return async (snap: RepoSnapshot) => {
    const text = await snap.readFile('apps/web/deployment.yaml');
    if (text === undefined) throw new Error('file missing');
    return {
      files: [{ path: 'apps/web/deployment.yaml', content: text.replace(/replicas: \d+/, `replicas: ${n}`) }],
      message,
    };
  };
}

describe('GitRepoSession against the embedded git server', () => {
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({
      files: {
        'apps/web/deployment.yaml': DEPLOYMENT,
        'apps/api/hpa.yaml': 'minReplicas: 2\n',
        'README.md': 'x\n',
      },
    });
  });
  afterAll(() => g.stop());

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(g.tmp, 'local-'));
  });

  test('snapshot reads the head; commit edits one line, pushes, and keeps everything else', async () => {
    const { s, events } = session(g, dir);
    const snap = await s.snapshot();
    expect(snap.head).toBe((await g.gitCli('rev-parse', 'main')).trim());
    expect(await snap.readFile('apps/web/deployment.yaml')).toBe(DEPLOYMENT);
    expect(await snap.readFile('apps/nope.yaml')).toBeUndefined();

    const out = await s.commit(setReplicas(6));
    expect(out).toMatchObject({ kind: 'committed', parent: snap.head, attempts: 1 });
    if (out.kind !== 'committed') throw new Error('unreachable');
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(out.sha);
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).toBe(
      DEPLOYMENT.replace('replicas: 4', 'replicas: 6'),
    );
    expect(await g.gitCli('diff', '--numstat', `${snap.head}`, out.sha)).toBe(
      '1\t1\tapps/web/deployment.yaml\n',
    );
    expect(await g.gitCli('log', '-1', '--format=%an <%ae>|%cn <%ce>|%ct', 'main')).toBe(
      `maestro <maestro@localhost>|maestro <maestro@localhost>|${Date.UTC(2026, 10, 23, 14, 0, 0) / 1000}\n`,
    );
    await g.gitCli('fsck', '--no-dangling');
    expect(events.map((e) => e.type)).toContain('pushed');
  });

  test('no diff → no commit and no push', async () => {
    const { s } = session(g, dir);
    const before = (await g.gitCli('rev-parse', 'main')).trim();
    const pushes = g.server.stats.pushes;
    const current = Number(
      /replicas: (\d+)/.exec(await g.gitCli('show', 'main:apps/web/deployment.yaml'))![1],
    );
    expect(await s.commit(setReplicas(current))).toEqual({ kind: 'no-change', head: before, attempts: 1 });
    expect(await s.commit(async () => null)).toEqual({ kind: 'no-change', head: before, attempts: 1 });
    expect(g.server.stats.pushes).toBe(pushes);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(before);
  });

  test('several files in one cycle → one commit; a person is the author, the agent the committer', async () => {
    const { s } = session(g, dir);
    const before = (await g.gitCli('rev-parse', 'main')).trim();
    const out = await s.commit(async (snap) => ({
      files: [
        {
          path: 'apps/web/deployment.yaml',
          content: (await snap.readFile('apps/web/deployment.yaml'))!.replace(/replicas: \d+/, 'replicas: 9'),
        },
        { path: 'apps/api/hpa.yaml', content: 'minReplicas: 3\n' },
        { path: 'apps/new/dir/file.yaml', content: 'new: true\n' },
      ],
      message: formatOverrideCommit({
        target: 'web',
        description: 'replicas 9',
        by: { name: 'Ann Smith', email: 'ann@example.com' },
      }),
      author: { name: 'Ann Smith', email: 'ann@example.com' },
    }));
    if (out.kind !== 'committed') throw new Error(`expected a commit, got ${out.kind}`);
    expect(await g.gitCli('rev-list', '--count', `${before}..main`)).toBe('1\n');
    expect((await g.gitCli('diff', '--name-only', before, 'main')).trim().split('\n').sort()).toEqual([
      'apps/api/hpa.yaml',
      'apps/new/dir/file.yaml',
      'apps/web/deployment.yaml',
    ]);
    expect(await g.gitCli('log', '-1', '--format=%an|%cn', 'main')).toBe('Ann Smith|maestro\n');
    expect(await g.gitCli('log', '-1', '--format=%(trailers:key=Maestro-Override,valueonly)', 'main')).toBe(
      'Ann Smith <ann@example.com>\n\n',
    );
  });

  test('bad paths and identities are refused before anything is written', async () => {
    const { s } = session(g, dir);
    const before = (await g.gitCli('rev-parse', 'main')).trim();
    for (const path of ['../escape.yaml', '/abs.yaml', 'a//b.yaml', '.git/config', 'apps']) {
      const err = await s
        .commit(async () => ({ files: [{ path, content: 'x' }], message: 'm\n' }))
        .catch((e: unknown) => e);
      expect(isMaestroError(err, 'INPUT_INVALID')).toBe(true);
    }
    const bad = await s
      .commit(async () => ({
        files: [{ path: 'README.md', content: 'y\n' }],
        message: 'm\n',
        author: { name: 'x>\n', email: 'e@x' },
      }))
      .catch((e: unknown) => e);
    expect(isMaestroError(bad, 'INPUT_INVALID')).toBe(true);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(before);
  });

  test("a planner's own error passes through; any other throw is a terminal INTERNAL error", async () => {
    const { s } = session(g, dir);
    const mine = new MaestroError('MANIFEST_TARGET_NOT_FOUND', 'no Deployment web');
    await expect(s.commit(async () => Promise.reject(mine))).rejects.toBe(mine);
    const bug = await s
      .commit(async () => Promise.reject(new TypeError('x is undefined')))
      .catch((e: unknown) => e);
    expect(isMaestroError(bug, 'INTERNAL')).toBe(true);
    expect((bug as MaestroError).message).toBe('commit planner failed: x is undefined');
    expect((bug as MaestroError).retryable).toBe(false);
  });

  test('a missing branch or repo is a terminal error', async () => {
    const { s } = session(g, dir, { branch: 'nope' });
    const e1 = await s.snapshot().catch((e: unknown) => e);
    expect(isMaestroError(e1, 'NOT_FOUND')).toBe(true);
    expect((e1 as MaestroError).retryable).toBe(false);
    const { s: s2 } = session(g, await mkdtemp(join(g.tmp, 'l-')), { url: g.server.repoUrl('missing.git') });
    const e2 = await s2.snapshot().catch((e: unknown) => e);
    expect(isMaestroError(e2)).toBe(true);
    expect((e2 as MaestroError).retryable).toBe(false);
  });

  test('restart after a failed push: the unpushed local commit is discarded and the planner decides again', async () => {
    const first = session(g, dir, { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 } });
    const base = (await g.gitCli('rev-parse', 'main')).trim();
    g.setFaults({ failPushes: 2 });
    const err = await first.s
      .commit(setReplicas(11, 'maestro: web replicas → 11 (crashed)\n'))
      .catch((e: unknown) => e);
    g.setFaults({});
    expect(isMaestroError(err, 'GIT_NETWORK')).toBe(true);
    expect((err as MaestroError).retryable).toBe(true);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(base);
    const orphan = first.events.find((e) => e.type === 'network-error');
    expect(orphan).toBeDefined();

    // a new process on the same local dir: nothing is assumed from the local copy
    const second = session(g, dir);
    const seen: string[] = [];
    const out = await second.s.commit(async (snap, attempt) => {
      seen.push(`${snap.head}@${attempt}`);
      return setReplicas(12, 'maestro: web replicas → 12\n')(snap, attempt);
    });
    if (out.kind !== 'committed') throw new Error('expected a commit');
    expect(seen).toEqual([`${base}@1`]);
    expect(out.parent).toBe(base);
    expect(second.events.some((e) => e.type === 'discarded-local-commit')).toBe(true);
    const log = await g.gitCli('log', '--format=%s', `${base}..main`);
    expect(log).toBe('maestro: web replicas → 12\n');
    expect((await nonFastForwardUpdates(g)).forced).toEqual([]);
  });

  test('a push whose answer was lost is found on the remote: committed once, never pushed twice', async () => {
    const { s, events } = session(g, dir);
    const base = (await g.gitCli('rev-parse', 'main')).trim();
    const pushes = g.server.stats.pushes;
    g.setFaults({ losePushAnswers: 1 });
    let calls = 0;
    const out = await s
      .commit(async (snap, attempt) => {
        calls += 1;
        return setReplicas(13, 'maestro: web replicas → 13\n')(snap, attempt);
      })
      .finally(() => g.setFaults({}));
    if (out.kind !== 'committed') throw new Error(`expected a commit, got ${out.kind}`);
    expect(calls).toBe(1);
    expect(g.server.stats.pushes).toBe(pushes + 1);
    expect(out.parent).toBe(base);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(out.sha);
    expect(await g.gitCli('rev-list', '--count', `${base}..main`)).toBe('1\n');
    expect(events.map((e) => e.type)).toContain('pushed');
  });

  test('the local copy is rebuilt from the remote once too many packs piled up', async () => {
    const { s, events } = session(g, dir, { maxPacks: 2 });
    for (const n of [31, 32, 33]) expect((await s.commit(setReplicas(n))).kind).toBe('committed');
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).toContain('replicas: 33');
    expect((await s.snapshot()).head).toBe((await g.gitCli('rev-parse', 'main')).trim());
    expect(events.filter((e) => e.type === 'local-copy-reset')).toHaveLength(1);
    expect(await s.commit(setReplicas(34))).toMatchObject({ kind: 'committed' });
  });

  test('a cycle costs two requests: refs check for the snapshot, one push on its head; own commits are not fetched back', async () => {
    const { s, events } = session(g, dir);
    await s.commit(setReplicas(40)); // first contact: fetch, receive-pack advertisement, push
    for (const n of [41, 42, 43]) {
      const before = g.server.stats.requests;
      const snap = await s.snapshot();
      expect(await snap.readFile('apps/web/deployment.yaml')).toContain(`replicas: ${n - 1}`);
      const out = await s.commit(setReplicas(n));
      expect(out).toMatchObject({ kind: 'committed', parent: snap.head, attempts: 1 });
      expect(g.server.stats.requests - before).toBe(2);
    }
    expect(events.filter((e) => e.type === 'up-to-date')).toHaveLength(3);
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).toContain('replicas: 43');
    await g.gitCli('fsck', '--strict', '--no-dangling');
    expect((await nonFastForwardUpdates(g)).forced).toEqual([]);
  });

  test('a person pushes between snapshot and commit: the push on the stale head loses, the planner re-runs on fresh content', async () => {
    const { s, events } = session(g, dir);
    const snap = await s.snapshot();
    // Ada changes the file after the agent read it
    const ada = session(g, await mkdtemp(join(g.tmp, 'ada-')), {
      author: { name: 'Ada', email: 'ada@example.com' },
    });
    const human = await ada.s.commit(async (fresh) => ({
      files: [
        {
          path: 'apps/web/deployment.yaml',
          content: `${(await fresh.readFile('apps/web/deployment.yaml'))!}# Ada was here\n`,
        },
      ],
      message: 'ada: a note\n',
      author: { name: 'Ada', email: 'ada@example.com' },
    }));
    if (human.kind !== 'committed') throw new Error('expected a human commit');
    const seen: string[] = [];
    const out = await s.commit(async (fresh, attempt) => {
      seen.push(`${fresh.head}@${attempt}`);
      return setReplicas(50)(fresh, attempt);
    });
    if (out.kind !== 'committed') throw new Error('expected a commit');
    expect(seen).toEqual([`${snap.head}@1`, `${human.sha}@2`]);
    expect(out.parent).toBe(human.sha);
    expect(events.some((e) => e.type === 'push-rejected')).toBe(true);
    const text = await g.gitCli('show', 'main:apps/web/deployment.yaml');
    expect(text).toContain('# Ada was here');
    expect(text).toContain('replicas: 50');
    expect((await nonFastForwardUpdates(g)).forced).toEqual([]);
  });

  test('"nothing to commit" is never concluded from a stale head: the remote is checked first', async () => {
    const { s } = session(g, dir);
    await s.commit(setReplicas(60));
    await s.snapshot(); // the agent now believes replicas is 60
    const other = session(g, await mkdtemp(join(g.tmp, 'other-')));
    expect((await other.s.commit(setReplicas(61))).kind).toBe('committed');
    // asked for 60 again: equal to the stale head, not to the remote
    const out = await s.commit(setReplicas(60));
    expect(out.kind).toBe('committed');
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).toContain('replicas: 60');
  });

  test('pastCommits reads the MAESTRO trailers back, oldest first', async () => {
    let t = Date.UTC(2026, 10, 23, 15, 0, 0);
    const { s } = session(g, dir, { now: () => t });
    for (const n of [23, 24]) {
      t += 60_000;
      const out = await s.commit(async () => ({
        files: [{ path: 'apps/api/hpa.yaml', content: `minReplicas: ${n}\n` }],
        message: formatOverrideCommit({
          target: 'api',
          description: `min ${n}`,
          by: { name: 'Bob', email: 'bob@example.com' },
          action: { type: 'replicas', delta: 1 },
          decisionId: `o-${n}`,
        }),
        author: { name: 'Bob', email: 'bob@example.com' },
      }));
      expect(out.kind).toBe('committed');
    }
    const past = await s.pastCommits(Date.UTC(2026, 10, 23, 15, 0, 30));
    expect(past.map((p) => [p.target, p.decisionId, p.at, p.override, p.action])).toEqual([
      ['api', 'o-23', Date.UTC(2026, 10, 23, 15, 1, 0), true, { type: 'replicas', delta: 1 }],
      ['api', 'o-24', Date.UTC(2026, 10, 23, 15, 2, 0), true, { type: 'replicas', delta: 1 }],
    ]);
  });

  test('pastCommits of a quiet repo (no commit in the window) from a fresh clone is empty, not an error', async () => {
    // an agent restarting on an empty disk an hour after the last commit
    const fresh = session(g, await mkdtemp(join(g.tmp, 'quiet-')));
    expect(await fresh.s.pastCommits(Date.now() + 3_600_000)).toEqual([]);
    // and the session still commits (the empty deepen used to leave it naming a head it lacked)
    expect((await fresh.s.commit(setReplicas(77))).kind).toBe('committed');
    expect(await g.gitCli('show', 'main:apps/web/deployment.yaml')).toContain('replicas: 77');
  });
});

describe('GitRepoSession with token auth', () => {
  const TOKEN = 'tok_9f8e7d6c5b4a39281706';
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({ token: TOKEN, files: { 'apps/web/deployment.yaml': DEPLOYMENT } });
  });
  afterAll(() => g.stop());

  test('the right token clones and pushes; a token in the message never reaches git', async () => {
    const { s, events } = session(g, await mkdtemp(join(g.tmp, 'l-')), { token: TOKEN });
    const out = await s.commit(
      setReplicas(5, `maestro: web replicas → 5\n\nused token ${TOKEN} and https://u:${TOKEN}@h/x\n`),
    );
    expect(out.kind).toBe('committed');
    const msg = await g.gitCli('log', '-1', '--format=%B', 'main');
    expect(msg).not.toContain(TOKEN);
    expect(msg).toContain('[REDACTED]');
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    // the token goes with the first request: no 401 round trip, a cycle is still two requests
    const before = g.server.stats.requests;
    await s.snapshot();
    expect((await s.commit(setReplicas(6))).kind).toBe('committed');
    expect(g.server.stats.requests - before).toBe(2);
  });

  test('a wrong token is a terminal GIT_AUTH error that does not contain either token', async () => {
    const wrong = 'wrong_token_value_123456';
    const { s, events } = session(g, await mkdtemp(join(g.tmp, 'l-')), { token: wrong });
    const err = await s.commit(setReplicas(7)).catch((e: unknown) => e);
    expect(isMaestroError(err, 'GIT_AUTH')).toBe(true);
    const e = err as MaestroError;
    expect(e.retryable).toBe(false);
    const json = JSON.stringify(e.toJSON()) + String(e.stack) + JSON.stringify(events);
    expect(json).not.toContain(wrong);
    expect(json).not.toContain(TOKEN);
    const anon = session(g, await mkdtemp(join(g.tmp, 'l-')));
    const err2 = await anon.s.snapshot().catch((x: unknown) => x);
    expect(isMaestroError(err2, 'GIT_AUTH')).toBe(true);
  });

  test('a token in the URL is redacted from errors', async () => {
    const { s } = session(g, await mkdtemp(join(g.tmp, 'l-')), {
      url: g.url.replace('http://', `http://user:${TOKEN}x@`),
    });
    const err = await s.snapshot().catch((e: unknown) => e);
    expect(isMaestroError(err)).toBe(true);
    expect(JSON.stringify((err as MaestroError).toJSON())).not.toContain(`${TOKEN}x`);
  });
});
