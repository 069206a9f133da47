import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { TreeEntry } from 'isomorphic-git';

/**
 * Git objects built in memory: the blobs, trees and commit of one MAESTRO commit, hashed and encoded
 * here (SHA-1 over `<type> <size>\0<content>`, git's object format), packed once, and that one
 * packfile both goes into the local copy (with its index) and is sent to the server. The commit
 * holds only what it changed, so there is no need to walk the whole tree again to find what to send,
 * and no thousand small files to write for a thousand-file commit.
 *
 * Formats: gitformat-pack(5) (packfile v2 with undeltified entries, index v2),
 * and the tree and commit encodings of git's object database (mode without leading zero for trees,
 * entries sorted by name bytes with `/` appended to tree names).
 */
export type ObjectType = 'blob' | 'tree' | 'commit';

export interface GitObject {
  readonly oid: string;
  readonly type: ObjectType;
  readonly content: Buffer;
}

export function gitObject(type: ObjectType, content: Buffer): GitObject {
  const oid = createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
  return { oid, type, content };
}

/** A tree's content from its entries (any order; sorted here the way git sorts them). */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const keyed = entries.map((e) => ({
    e,
    key: Buffer.from(e.type === 'tree' ? `${e.path}/` : e.path, 'utf8'),
  }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { e } of keyed) {
    // git writes directory modes as `40000`; isomorphic-git reports them as `040000`
    const mode = e.type === 'tree' ? '40000' : e.mode.replace(/^0+/, '');
    parts.push(Buffer.from(`${mode} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export interface Signature {
  readonly name: string;
  readonly email: string;
  /** seconds since epoch */
  readonly timestamp: number;
}

/**
 * A commit's content. Times are written in UTC (`+0000`). The message is normalised as
 * isomorphic-git normalises it (no CR, no leading or trailing blank lines, one final newline), so
 * a commit reads back through isomorphic-git with the message it was given.
 */
export function encodeCommit(commit: {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}): Buffer {
  const sign = (s: Signature) => `${s.name} <${s.email}> ${s.timestamp} +0000`;
  const message = `${commit.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
  const headers = [
    `tree ${commit.tree}`,
    ...commit.parents.map((p) => `parent ${p}`),
    `author ${sign(commit.author)}`,
    `committer ${sign(commit.committer)}`,
  ];
  return Buffer.from(`${headers.join('\n')}\n\n${message}`, 'utf8');
}

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/** A version-2 packfile holding whole objects (no deltas), and its version-2 index. */
export interface BuiltPack {
  readonly pack: Buffer;
  readonly index: Buffer;
  /** hex SHA-1 of the pack (its trailer): the files are `pack-<checksum>.pack` and `.idx` */
  readonly checksum: string;
}

export function buildPack(objects: readonly GitObject[]): BuiltPack {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  const entries: Array<{ oid: string; offset: number; crc: number }> = [];
  let offset = header.length;
  for (const o of objects) {
    // type and size: 3 type bits and the low 4 size bits, then 7 size bits per byte (MSB = more)
    let size = o.content.length;
    const bytes: number[] = [];
    let byte = (PACK_TYPE[o.type] << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    bytes.push(byte);
    const entry = Buffer.concat([Buffer.from(bytes), deflateSync(o.content)]);
    entries.push({ oid: o.oid, offset, crc: crc32(entry) });
    parts.push(entry);
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  const trailer = createHash('sha1').update(body).digest();
  return {
    pack: Buffer.concat([body, trailer]),
    index: packIndex(entries, trailer),
    checksum: trailer.toString('hex'),
  };
}

/** gitformat-pack(5) index v2: fan-out, sorted names, CRC-32s, 31-bit offsets, checksums. */
function packIndex(entries: ReadonlyArray<{ oid: string; offset: number; crc: number }>, packSha: Buffer) {
  const sorted = [...entries].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  if (sorted.some((e) => e.offset >= 0x80000000)) throw new RangeError('pack too large for 31-bit offsets');
  const out = Buffer.alloc(8 + 256 * 4 + n * (20 + 4 + 4) + 20 + 20);
  out.writeUInt32BE(0xff744f63, 0); // "\377tOc"
  out.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const e of sorted) fanout[Number.parseInt(e.oid.slice(0, 2), 16)]! += 1;
  let total = 0;
  for (let i = 0; i < 256; i += 1) {
    total += fanout[i]!;
    out.writeUInt32BE(total, 8 + i * 4);
  }
  let at = 8 + 256 * 4;
  for (const e of sorted) at += Buffer.from(e.oid, 'hex').copy(out, at);
  for (const e of sorted) at = out.writeUInt32BE(e.crc >>> 0, at);
  for (const e of sorted) at = out.writeUInt32BE(e.offset, at);
  at += packSha.copy(out, at);
  createHash('sha1').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/**
 * Puts a built pack into `gitdir/objects/pack` (the pack first, then its index: a reader finds a
 * pack through its index), each through a temporary file renamed into place, as git does.
 */
export async function writePack(gitdir: string, built: BuiltPack): Promise<void> {
  const dir = join(gitdir, 'objects', 'pack');
  await fsp.mkdir(dir, { recursive: true });
  const base = join(dir, `pack-${built.checksum}`);
  for (const [ext, data] of [
    ['pack', built.pack],
    ['idx', built.index],
  ] as const) {
    const tmp = `${base}.${ext}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, data, { mode: 0o444 });
    await fsp.rename(tmp, `${base}.${ext}`);
  }
}
