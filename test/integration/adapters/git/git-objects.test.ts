import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import * as fs from 'node:fs';
import {
  buildPack,
  encodeCommit,
  encodeTree,
  gitObject,
  writePack,
} from '../../../../src/adapters/git/git-objects';
import { parseReportStatus, receivePack, ZERO_OID } from '../../../../src/adapters/git/receive-pack-client';
import httpNode from 'isomorphic-git/http/node';
import { runGit, startGitServer, type TestGitServer } from '../../../support/git-server';

/**
 * The in-memory git objects and packs MAESTRO commits with, checked by the real git CLI: the same
 * oids git computes, a pack and index `git verify-pack` and `git fsck --strict` accept, and the
 * receive-pack client's compare-and-swap against the real server.
 */
const git1 = (args: string[], input?: string) => runGit(args, input !== undefined ? { input } : {});

describe('git objects built in memory', () => {
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({ files: { 'apps/web/deployment.yaml': 'replicas: 1\n', 'README.md': 'x\n' } });
  });
  afterAll(() => g.stop());

  test('blob, tree and commit oids are the ones git computes; the pack and index pass git verify-pack and fsck', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maestro-objects-'));
    await git1(['init', '-q', '--bare', dir]);
    const blob = gitObject('blob', Buffer.from('kind: Deployment\nspec:\n  replicas: 3\n'));
    const exe = gitObject('blob', Buffer.from('#!/bin/sh\n'));
    const inner = gitObject(
      'tree',
      encodeTree([
        { mode: '100644', path: 'z.yaml', oid: blob.oid, type: 'blob' },
        { mode: '100755', path: 'run.sh', oid: exe.oid, type: 'blob' },
      ]),
    );
    // `a.b` sorts before `a/` sorts before `a0` in git's order (trees compare as `name/`)
    const root = gitObject(
      'tree',
      encodeTree([
        { mode: '100644', path: 'a0', oid: blob.oid, type: 'blob' },
        { mode: '040000', path: 'a', oid: inner.oid, type: 'tree' },
        { mode: '100644', path: 'a.b', oid: blob.oid, type: 'blob' },
      ]),
    );
    const commit = gitObject(
      'commit',
      encodeCommit({
        tree: root.oid,
        parents: [],
        author: { name: 'Ada Person', email: 'ada@example.com', timestamp: 1_700_000_000 },
        committer: { name: 'maestro', email: 'maestro@localhost', timestamp: 1_700_000_001 },
        message: '\r\nmaestro: web replicas 3→4\n\nMaestro-Target: web\n\n\n',
      }),
    );
    const objects = [blob, exe, inner, root, commit];
    const pack = buildPack(objects);
    await writePack(dir, pack);

    // git computes the same oids from the same content
    expect((await git1(['hash-object', '--stdin'], blob.content.toString())).trim()).toBe(blob.oid);
    const files = await readdir(join(dir, 'objects', 'pack'));
    expect(files.sort()).toEqual([`pack-${pack.checksum}.idx`, `pack-${pack.checksum}.pack`]);
    const verify = await git1([
      'verify-pack',
      '-v',
      join(dir, 'objects', 'pack', `pack-${pack.checksum}.idx`),
    ]);
    for (const o of objects) expect(verify).toContain(o.oid);
    await git1(['--git-dir', dir, 'update-ref', 'refs/heads/main', commit.oid]);
    await git1(['--git-dir', dir, 'fsck', '--strict', '--no-dangling']);
    expect(await git1(['--git-dir', dir, 'ls-tree', '-r', '--name-only', 'main'])).toBe(
      'a.b\na/run.sh\na/z.yaml\na0\n',
    );
    expect(await git1(['--git-dir', dir, 'log', '--format=%an <%ae>|%cn|%s', 'main'])).toBe(
      'Ada Person <ada@example.com>|maestro|maestro: web replicas 3→4\n',
    );
    // and isomorphic-git reads it back as written (message normalised the way it normalises)
    const read = await git.readCommit({ fs, gitdir: dir, oid: commit.oid });
    expect(read.commit.message).toBe('maestro: web replicas 3→4\n\nMaestro-Target: web\n');
    expect(read.commit.tree).toBe(root.oid);
    const raw = await readFile(join(dir, 'objects', 'pack', `pack-${pack.checksum}.pack`));
    expect(raw.subarray(0, 4).toString('latin1')).toBe('PACK');
  });

  test('receive-pack: an update from the current head lands; from a stale head it is refused, nothing forced', async () => {
    const base = (await g.gitCli('rev-parse', 'main')).trim();
    const baseTree = (await g.gitCli('rev-parse', 'main^{tree}')).trim();
    const make = (n: number, parent: string) => {
      const readme = gitObject('blob', Buffer.from(`x${n}\n`));
      const entries = (async () =>
        (await g.gitCli('ls-tree', baseTree))
          .trim()
          .split('\n')
          .map((line) => {
            const [meta, path] = line.split('\t') as [string, string];
            const [mode, type, oid] = meta.split(' ') as [string, 'blob' | 'tree', string];
            return path === 'README.md' ? { mode, path, oid: readme.oid, type } : { mode, path, oid, type };
          }))();
      return entries.then((e) => {
        const tree = gitObject('tree', encodeTree(e));
        const commit = gitObject(
          'commit',
          encodeCommit({
            tree: tree.oid,
            parents: [parent],
            author: { name: 'm', email: 'm@x', timestamp: 1_700_000_000 + n },
            committer: { name: 'm', email: 'm@x', timestamp: 1_700_000_000 + n },
            message: `n ${n}`,
          }),
        );
        return { commit, pack: buildPack([readme, tree, commit]).pack };
      });
    };
    const target = { http: httpNode, url: g.url };
    const caps = new Set(['report-status']);
    const first = await make(1, base);
    await receivePack(target, caps, { ref: 'refs/heads/main', old: base, new: first.commit.oid }, first.pack);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(first.commit.oid);
    expect(await g.gitCli('show', 'main:README.md')).toBe('x1\n');

    // a second writer built on `base` too: the server's compare-and-swap refuses it
    const stale = await make(2, base);
    const err = await receivePack(
      target,
      caps,
      { ref: 'refs/heads/main', old: base, new: stale.commit.oid },
      stale.pack,
    ).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('GitPushError');
    expect(String((err as Error).message)).toMatch(/failed to update ref/);
    expect((await g.gitCli('rev-parse', 'main')).trim()).toBe(first.commit.oid);

    // a branch that must not exist yet is created; a second create of it is refused
    const branch = await make(3, first.commit.oid);
    await receivePack(
      target,
      caps,
      { ref: 'refs/heads/pr', old: ZERO_OID, new: branch.commit.oid },
      branch.pack,
    );
    expect((await g.gitCli('rev-parse', 'pr')).trim()).toBe(branch.commit.oid);
    await expect(
      receivePack(target, caps, { ref: 'refs/heads/pr', old: ZERO_OID, new: first.commit.oid }, first.pack),
    ).rejects.toMatchObject({ code: 'GitPushError' });
    await git1(['--git-dir', g.repo.path, 'fsck', '--strict', '--no-dangling']);
  });

  test('report-status answers are parsed; garbled ones are not taken for success', () => {
    const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
    const ok = Buffer.from(`${pkt('unpack ok\n')}${pkt('ok refs/heads/main\n')}0000`);
    expect(parseReportStatus(ok)).toEqual({ unpack: 'ok', refs: new Map([['refs/heads/main', 'ok']]) });
    const ng = Buffer.from(`${pkt('unpack ok\n')}${pkt('ng refs/heads/main failed to update ref\n')}0000`);
    expect(parseReportStatus(ng)?.refs.get('refs/heads/main')).toBe('failed to update ref');
    expect(parseReportStatus(Buffer.from('<html>oops</html>'))).toBeUndefined();
    expect(parseReportStatus(Buffer.from(`${pkt('ok refs/heads/main\n')}0000`))).toBeUndefined();
    expect(parseReportStatus(Buffer.from('00ffunpack ok'))).toBeUndefined();
  });
});
