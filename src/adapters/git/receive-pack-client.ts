import * as git from 'isomorphic-git';
import type { HttpClient } from 'isomorphic-git';

/**
 * The push half of git's smart-HTTP protocol (gitprotocol-http(5), gitprotocol-pack(5)), for one
 * ref update whose objects the caller already has as a packfile: `POST <url>/git-receive-pack`
 * with the command `<old> <new> <ref>` and the pack, answered by a `report-status`.
 *
 * The update is a compare-and-swap: receive-pack moves the ref only while it still points at
 * `old` ("failed to update ref" otherwise), and `new` always has `old` as its parent, so every
 * update is a fast-forward and nothing is ever forced.
 *
 * The ref advertisement (`GET info/refs?service=git-receive-pack`) is what lets a client ask only
 * for capabilities the server offers; `discoverReceivePack` does it, and a caller may reuse the
 * answer for later pushes to the same server (capabilities do not change between requests).
 *
 * Failures are thrown as isomorphic-git's own error classes (HttpError, PushRejectedError,
 * GitPushError, SmartHttpError), so git-errors.ts classifies them exactly as it classifies
 * `git.push`'s.
 */
export const ZERO_OID = '0000000000000000000000000000000000000000';

export interface ReceivePackAdvertisement {
  readonly capabilities: ReadonlySet<string>;
  /** full ref name → oid */
  readonly refs: ReadonlyMap<string, string>;
}

export interface PushTarget {
  readonly http: HttpClient;
  /** the repository URL (no trailing `/git-receive-pack`) */
  readonly url: string;
  readonly onAuth?: () => { username: string; password: string };
  /** extra request headers, e.g. a pre-emptive Authorization */
  readonly headers?: Readonly<Record<string, string>>;
}

export async function discoverReceivePack(target: PushTarget): Promise<ReceivePackAdvertisement> {
  const info = await git.getRemoteInfo2({
    http: target.http,
    url: target.url,
    forPush: true,
    protocolVersion: 1,
    ...(target.onAuth ? { onAuth: target.onAuth } : {}),
    ...(target.headers ? { headers: { ...target.headers } } : {}),
  });
  const capabilities = new Set<string>();
  if (info.protocolVersion === 1) {
    for (const [key, value] of Object.entries(info.capabilities)) {
      capabilities.add(value === true ? key : `${key}=${String(value)}`);
    }
  }
  const refs = new Map<string, string>();
  for (const r of (info.protocolVersion === 1 ? info.refs : undefined) ?? []) refs.set(r.ref, r.oid);
  return { capabilities, refs };
}

export interface RefUpdate {
  /** full ref name, e.g. `refs/heads/main` */
  readonly ref: string;
  /** what the ref must point at for the update to happen; ZERO_OID: it must not exist */
  readonly old: string;
  readonly new: string;
}

/**
 * Sends one ref update and its pack. Resolves when the server reports `ok`; throws otherwise.
 * `capabilities` must come from the server's advertisement; `report-status` is required.
 */
export async function receivePack(
  target: PushTarget,
  capabilities: ReadonlySet<string>,
  update: RefUpdate,
  pack: Buffer,
): Promise<void> {
  if (!capabilities.has('report-status')) {
    throw new git.Errors.SmartHttpError('report-status capability', [...capabilities].join(' '));
  }
  const command = `${update.old} ${update.new} ${update.ref}\0report-status\n`;
  const body = Buffer.concat([pktLine(command), Buffer.from('0000', 'latin1'), pack]);
  const auth = target.onAuth?.();
  const res = await target.http.request({
    url: `${target.url.replace(/\/+$/, '')}/git-receive-pack`,
    method: 'POST',
    headers: {
      'content-type': 'application/x-git-receive-pack-request',
      accept: 'application/x-git-receive-pack-result',
      'user-agent': 'git/maestro',
      ...(auth
        ? {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          }
        : {}),
      ...target.headers,
    },
    // an array body goes out as one buffer with a Content-Length header (some servers refuse
    // chunked pushes); isomorphic-git's own push passes arrays the same way, its type says iterator
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const answer = await collect(res.body);
  if (res.statusCode !== 200) {
    throw new git.Errors.HttpError(res.statusCode, res.statusMessage, answer.toString('utf8').slice(0, 500));
  }
  const report = parseReportStatus(answer);
  if (report === undefined) {
    throw new git.Errors.SmartHttpError('a report-status answer', answer.toString('utf8').slice(0, 200));
  }
  if (report.unpack !== 'ok') {
    throw new git.Errors.GitPushError(`\n  - unpack: ${report.unpack}`, {
      ok: false,
      error: report.unpack,
      refs: {},
    });
  }
  const status = report.refs.get(update.ref);
  if (status === undefined) {
    throw new git.Errors.SmartHttpError(`a status for ${update.ref}`, answer.toString('utf8').slice(0, 200));
  }
  if (status !== 'ok') {
    throw new git.Errors.GitPushError(`\n  - ${update.ref}: ${status}`, {
      ok: true,
      error: status,
      refs: { [update.ref]: { ok: false, error: status } },
    });
  }
}

/** `unpack ok|<error>`, then `ok <ref>` / `ng <ref> <reason>` per ref; undefined when garbled. */
export function parseReportStatus(
  answer: Buffer,
): { readonly unpack: string; readonly refs: ReadonlyMap<string, string> } | undefined {
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= answer.length) {
    const len = Number.parseInt(answer.toString('latin1', at, at + 4), 16);
    if (!Number.isFinite(len)) return undefined;
    if (len === 0) {
      at += 4;
      continue; // flush
    }
    if (len < 4 || at + len > answer.length) return undefined;
    lines.push(answer.toString('utf8', at + 4, at + len).replace(/\n$/, ''));
    at += len;
  }
  const first = lines.shift();
  if (first === undefined || !first.startsWith('unpack ')) return undefined;
  const refs = new Map<string, string>();
  for (const line of lines) {
    if (line.startsWith('ok ')) refs.set(line.slice(3), 'ok');
    else if (line.startsWith('ng ')) {
      const rest = line.slice(3);
      const space = rest.indexOf(' ');
      refs.set(space < 0 ? rest : rest.slice(0, space), space < 0 ? 'rejected' : rest.slice(space + 1));
    }
  }
  return { unpack: first.slice('unpack '.length), refs };
}

function pktLine(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'), payload]);
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
