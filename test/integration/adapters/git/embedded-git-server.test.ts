import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { splitCgiHeaders } from '../../../../src/adapters/git/embedded-git-server';
import { runGit, startGitServer, type TestGitServer } from '../../../support/git-server';

/** The embedded smart-HTTP server, exercised with the real git CLI and raw HTTP. */
function post(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  chunked = false,
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request(
      url,
      { method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          ok({ status: res.statusCode ?? 0, body: Buffer.concat(parts), headers: res.headers }),
        );
      },
    );
    req.on('error', fail);
    if (chunked) {
      // two chunks, no Content-Length: http-backend must read to EOF
      req.write(body.subarray(0, 10));
      req.end(body.subarray(10));
    } else req.end(body);
  });
}

function pkt(line: string): string {
  return `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
}

describe('EmbeddedGitServer', () => {
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({ files: { 'a/b.yaml': 'x: 1\n' } });
  });
  afterAll(() => g.stop());

  test('the git CLI clones and pushes; the reflog records a fast-forward', async () => {
    const dir = await mkdtemp(join(g.tmp, 'c-'));
    await runGit(['clone', '-q', g.url, dir]);
    await runGit(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'human']);
    await runGit(['-C', dir, 'push', '-q', 'origin', 'HEAD:main']);
    expect(await g.gitCli('log', '-1', '--format=%s', 'main')).toBe('human\n');
    const reflog = await g.gitCli('reflog', 'show', '--format=%gs', 'main');
    expect(reflog.split('\n')[0]).toBe('push');
  });

  test('upload-pack requests with a gzip body, and chunked without Content-Length, are served', async () => {
    const want = (await g.gitCli('rev-parse', 'main')).trim();
    const body = Buffer.from(`${pkt(`want ${want} side-band-64k\n`)}0000${pkt('done\n')}`);
    const url = `${g.url}/git-upload-pack`;
    const type = { 'content-type': 'application/x-git-upload-pack-request' };
    for (const res of [
      await post(url, gzipSync(body), { ...type, 'content-encoding': 'gzip' }),
      await post(url, body, type, true),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-git-upload-pack-result');
      expect(res.body.includes(Buffer.from('PACK'))).toBe(true);
    }
  });

  test('serves concurrent clones', async () => {
    const dirs = await Promise.all(Array.from({ length: 8 }, () => mkdtemp(join(g.tmp, 'p-'))));
    await Promise.all(dirs.map((d) => runGit(['clone', '-q', g.url, d])));
    for (const d of dirs)
      expect((await runGit(['-C', d, 'rev-parse', 'HEAD'])).trim()).toBe(
        (await g.gitCli('rev-parse', 'main')).trim(),
      );
  });

  test('faults: 503, reset connections, failing pushes, latency; healing restores service', async () => {
    const dir = await mkdtemp(join(g.tmp, 'f-'));
    g.setFaults({ down: 'http-503' });
    await expect(runGit(['clone', '-q', g.url, dir])).rejects.toThrow(/503/);
    g.setFaults({ down: 'reset' });
    await expect(runGit(['clone', '-q', g.url, dir])).rejects.toThrow();
    g.setFaults({ failPushes: 1, latencyMs: 50 });
    await runGit(['clone', '-q', g.url, dir]);
    await runGit(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'retry me']);
    await expect(runGit(['-C', dir, 'push', '-q', 'origin', 'HEAD:main'])).rejects.toThrow(/503/);
    await runGit(['-C', dir, 'push', '-q', 'origin', 'HEAD:main']);
    g.setFaults({});
    expect(await g.gitCli('log', '-1', '--format=%s', 'main')).toBe('retry me\n');
  });

  test('repo names cannot leave the root', async () => {
    await expect(g.createRepo('../evil', {})).rejects.toThrow(/invalid repo name/);
    await expect(g.createRepo('x.git', { '../up': 'x' })).rejects.toThrow(/escapes/);
  });
});

describe('EmbeddedGitServer with a token', () => {
  const TOKEN = 'srv_token_0123456789';
  let g: TestGitServer;
  beforeAll(async () => {
    g = await startGitServer({ token: TOKEN });
  });
  afterAll(() => g.stop());

  test('401 without the token; Basic (any user) and Bearer with it', async () => {
    const dir = await mkdtemp(join(g.tmp, 'a-'));
    await expect(runGit(['clone', '-q', g.url, dir])).rejects.toThrow();
    await runGit(['clone', '-q', g.url.replace('http://', `http://anyone:${TOKEN}@`), join(dir, 'basic')]);
    await runGit([
      '-c',
      `http.extraHeader=Authorization: Bearer ${TOKEN}`,
      'clone',
      '-q',
      g.url,
      join(dir, 'bearer'),
    ]);
    await expect(
      runGit([
        '-c',
        'http.extraHeader=Authorization: Bearer wrong',
        'clone',
        '-q',
        g.url,
        join(dir, 'wrong'),
      ]),
    ).rejects.toThrow();
  });
});

describe('splitCgiHeaders', () => {
  test('waits for the blank line; reads Status; keeps the body start; LF or CRLF', () => {
    expect(splitCgiHeaders(Buffer.from('Content-Type: x\r\n'))).toBeUndefined();
    const r = splitCgiHeaders(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope'))!;
    expect([r.status, r.statusText, r.headers, r.body.toString()]).toEqual([
      404,
      'Not Found',
      { 'Content-Type': 'text/plain' },
      'nope',
    ]);
    const lf = splitCgiHeaders(Buffer.from('Expires: 0\nCache-Control: no-cache\n\nPACK'))!;
    expect([lf.status, lf.headers, lf.body.toString()]).toEqual([
      200,
      { Expires: '0', 'Cache-Control': 'no-cache' },
      'PACK',
    ]);
  });
});
