import * as git from 'isomorphic-git';
import type { PromiseFsClient } from 'isomorphic-git';
import { MaestroError } from '../../core/errors';

/**
 * Writes the tree of `baseTree` with some files replaced or added, straight into the object
 * store: no working tree, no index, so nothing on disk can drift from the commit being built.
 * Unchanged subtrees keep their oids, so "no diff" is simply "same root tree oid".
 */
export interface TreeFileChange {
  /** path relative to the repo root, `/`-separated */
  readonly path: string;
  readonly content: string;
}

interface Ctx {
  readonly fs: PromiseFsClient;
  readonly gitdir: string;
  readonly cache: object;
}

/** Splits and checks a repo path: relative, no `.`/`..`/empty segments, no `.git`. */
export function repoPathParts(path: string): string[] {
  const parts = path.split('/');
  if (
    path === '' ||
    path.startsWith('/') ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git' || p.includes('\0'))
  ) {
    throw new MaestroError(
      'INPUT_INVALID',
      `invalid repo file path ${JSON.stringify(path)}: must be relative, inside the repo`,
      {
        data: { path },
      },
    );
  }
  return parts;
}

/** Returns the oid of the new root tree. */
export async function writeTreeWithFiles(
  ctx: Ctx,
  baseTree: string | undefined,
  files: readonly TreeFileChange[],
): Promise<string> {
  const changes: Change[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) {
      throw new MaestroError('INPUT_INVALID', `file ${f.path} is listed twice in one commit`, {
        data: { path: f.path },
      });
    }
    seen.add(f.path);
    const oid = await git.writeBlob({ fs: ctx.fs, gitdir: ctx.gitdir, blob: Buffer.from(f.content, 'utf8') });
    changes.push({ parts: repoPathParts(f.path), oid, path: f.path });
  }
  return edit(ctx, baseTree, changes);
}

interface Change {
  readonly parts: readonly string[];
  readonly oid: string;
  readonly path: string;
}

async function edit(ctx: Ctx, treeOid: string | undefined, changes: readonly Change[]): Promise<string> {
  const entries = treeOid
    ? (await git.readTree({ fs: ctx.fs, gitdir: ctx.gitdir, oid: treeOid, cache: ctx.cache })).tree
    : [];
  const byName = new Map(entries.map((e) => [e.path, e]));
  const subdirs = new Map<string, Change[]>();
  for (const c of changes) {
    const [head, ...rest] = c.parts as [string, ...string[]];
    if (rest.length > 0) {
      const list = subdirs.get(head) ?? [];
      list.push({ ...c, parts: rest });
      subdirs.set(head, list);
      continue;
    }
    const existing = byName.get(head);
    if (existing && existing.type !== 'blob') {
      throw new MaestroError('INPUT_INVALID', `${c.path} is a directory in the repo, not a file`, {
        data: { path: c.path },
      });
    }
    // keep an executable bit; symlinks (120000) are replaced by a regular file
    const mode = existing?.mode === '100755' ? '100755' : '100644';
    byName.set(head, { mode, path: head, oid: c.oid, type: 'blob' });
  }
  for (const [dir, sub] of subdirs) {
    const existing = byName.get(dir);
    if (existing && existing.type !== 'tree') {
      const path = sub[0]!.path;
      throw new MaestroError('INPUT_INVALID', `cannot write ${path}: ${dir} is a file in the repo`, {
        data: { path },
      });
    }
    const oid = await edit(ctx, existing?.oid, sub);
    byName.set(dir, { mode: '040000', path: dir, oid, type: 'tree' });
  }
  return git.writeTree({ fs: ctx.fs, gitdir: ctx.gitdir, tree: [...byName.values()] });
}
