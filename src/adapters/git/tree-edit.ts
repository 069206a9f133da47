import type { TreeEntry } from 'isomorphic-git';
import { MaestroError } from '../../core/errors';
import { encodeTree, gitObject, type GitObject } from './git-objects';

/**
 * Builds the tree of `baseTree` with some files replaced or added, as git objects in memory: no
 * working tree, no index, so nothing on disk can drift from the commit being built. Unchanged
 * subtrees keep their oids, so "no diff" is simply "same root tree oid".
 */
export interface TreeFileChange {
  /** path relative to the repo root, `/`-separated */
  readonly path: string;
  readonly content: string;
}

/** subtrees read at once */
const TREES_IN_FLIGHT = 16;

interface Ctx {
  /** a tree's entries by oid (from the object store, or a cache of it) */
  readonly readTree: (oid: string) => Promise<readonly TreeEntry[]>;
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

/** The new root tree and every object it needs that the base tree did not have. */
export interface TreeWithFiles {
  readonly tree: string;
  /** new blobs and trees, in no particular order; empty when nothing changed */
  readonly objects: readonly GitObject[];
  /** the entries of every new tree, by oid (for a tree cache) */
  readonly trees: ReadonlyMap<string, readonly TreeEntry[]>;
}

/**
 * The tree of `baseTree` with `files` written in, built in memory (nothing is written). A file
 * whose content and mode are unchanged leaves its tree's oid unchanged, up to the root: "no diff"
 * is "same root oid", whatever the encoding of the untouched trees.
 */
export async function treeWithFiles(
  ctx: Ctx,
  baseTree: string | undefined,
  files: readonly TreeFileChange[],
): Promise<TreeWithFiles> {
  const seen = new Set<string>();
  const objects: GitObject[] = [];
  const trees = new Map<string, readonly TreeEntry[]>();
  const changes: Change[] = files.map((f) => {
    if (seen.has(f.path)) {
      throw new MaestroError('INPUT_INVALID', `file ${f.path} is listed twice in one commit`, {
        data: { path: f.path },
      });
    }
    seen.add(f.path);
    const parts = repoPathParts(f.path);
    const blob = gitObject('blob', Buffer.from(f.content, 'utf8'));
    return { parts, blob, path: f.path };
  });
  const tree = await edit(ctx, baseTree, changes, objects, trees);
  return { tree, objects, trees };
}

interface Change {
  readonly parts: readonly string[];
  readonly blob: GitObject;
  readonly path: string;
}

async function edit(
  ctx: Ctx,
  treeOid: string | undefined,
  changes: readonly Change[],
  out: GitObject[],
  trees: Map<string, readonly TreeEntry[]>,
): Promise<string> {
  const entries = treeOid === undefined ? [] : await ctx.readTree(treeOid);
  const byName = new Map(entries.map((e) => [e.path, e]));
  const subdirs = new Map<string, Change[]>();
  let changed = treeOid === undefined;
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
    if (existing?.oid === c.blob.oid && existing.mode === mode) continue;
    out.push(c.blob);
    byName.set(head, { mode, path: head, oid: c.blob.oid, type: 'blob' });
    changed = true;
  }
  for (const [dir, sub] of subdirs) {
    const existing = byName.get(dir);
    if (existing && existing.type !== 'tree') {
      const path = sub[0]!.path;
      throw new MaestroError('INPUT_INVALID', `cannot write ${path}: ${dir} is a file in the repo`, {
        data: { path },
      });
    }
  }
  // sibling subtrees are independent: read them concurrently (bounded)
  const dirs = [...subdirs];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < dirs.length; i = next++) {
      const [dir, sub] = dirs[i]!;
      const before = byName.get(dir)?.oid;
      const oid = await edit(ctx, before, sub, out, trees);
      if (oid === before) continue;
      byName.set(dir, { mode: '040000', path: dir, oid, type: 'tree' });
      changed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(TREES_IN_FLIGHT, dirs.length) }, worker));
  if (!changed) return treeOid!;
  const tree = [...byName.values()];
  const object = gitObject('tree', encodeTree(tree));
  out.push(object);
  trees.set(object.oid, tree);
  return object.oid;
}
