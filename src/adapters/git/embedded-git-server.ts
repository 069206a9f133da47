import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { MaestroError } from '../../core/errors';

/**
 * A real git smart-HTTP server: `git http-backend` (the CGI program git itself ships, see
 * git-http-backend(1)) behind node's http server. The demo serves its config repo with it, and
 * tests push to it, so the git side of MAESTRO is exercised against real git, not a fake.
 *
 * - Every request runs one `git http-backend` process; the request body is piped to it as it
 *   arrives. CONTENT_LENGTH is passed only when the client sent Content-Length: for chunked bodies
 *   http-backend reads stdin to EOF. A gzip `Content-Encoding` is passed as HTTP_CONTENT_ENCODING
 *   and http-backend inflates it itself.
 * - Pushes are allowed for every repo under `root` (http.receivepack=true through
 *   GIT_CONFIG_COUNT, git >= 2.31), with or without a token.
 * - With `token` set, each request must carry it: `Authorization: Basic base64(<any user>:<token>)`
 *   (what git and isomorphic-git send) or `Authorization: Bearer <token>`. Otherwise 401.
 * - Faults for the fault-injection tests (slow git, git down, failing pushes) are set at run time
 *   with `setFaults`.
 * - Repos created by `createRepo` keep a reflog of every ref update (core.logAllRefUpdates=true),
 *   so a test can prove after the fact that no update was a forced (non-fast-forward) one.
 */
export interface EmbeddedGitServerOptions {
  /** directory holding the bare repos (GIT_PROJECT_ROOT); created when missing */
  readonly root: string;
  /** bind address; default 127.0.0.1 */
  readonly host?: string;
  /** default 0: a free port chosen by the OS */
  readonly port?: number;
  /** when set, every request must present this token */
  readonly token?: string;
  /** git executable; default `git` from PATH */
  readonly gitBinary?: string;
}

export interface GitServerFaults {
  /** delay before each request is served (ms); default 0 */
  readonly latencyMs?: number;
  /**
   * `http-503`: every request is answered 503; `reset`: every connection is destroyed without an
   * answer (what a crashed server looks like to a client). Default: up.
   */
  readonly down?: 'http-503' | 'reset';
  /** the next N pushes (receive-pack POSTs) are answered 503 before reaching git; default 0 */
  readonly failPushes?: number;
  /**
   * the next N pushes reach git and update the branch, but the connection is then cut before the
   * answer is sent (a push whose result the client never learns); default 0
   */
  readonly losePushAnswers?: number;
}

export interface CreateRepoOptions {
  /** default `main` */
  readonly branch?: string;
  /** message of the seed commit; default `initial config` */
  readonly message?: string;
  /** author and committer of the seed commit; default `seed <seed@localhost>` */
  readonly author?: { readonly name: string; readonly email: string };
  /** commit time of the seed commit (s since epoch); default now */
  readonly timestampSeconds?: number;
}

export interface CreatedRepo {
  /** absolute path of the bare repo */
  readonly path: string;
  /** http URL to clone from and push to */
  readonly url: string;
  /** sha of the seed commit */
  readonly head: string;
}

export interface GitServerStats {
  readonly requests: number;
  /** receive-pack POSTs that reached git */
  readonly pushes: number;
}

const ZERO_FAULTS: GitServerFaults = Object.freeze({});

export class EmbeddedGitServer {
  private faults: GitServerFaults = ZERO_FAULTS;
  private failPushesLeft = 0;
  private losePushAnswersLeft = 0;
  private readonly children = new Set<ChildProcess>();
  private readonly sockets = new Set<Socket>();
  private requests = 0;
  private pushes = 0;

  private constructor(
    private readonly server: Server,
    readonly root: string,
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    private readonly git: string,
  ) {}

  /** Starts the server; resolves once it listens. */
  static async start(options: EmbeddedGitServerOptions): Promise<EmbeddedGitServer> {
    const root = resolve(options.root);
    await mkdir(root, { recursive: true });
    const host = options.host ?? '127.0.0.1';
    const git = options.gitBinary ?? 'git';
    // the request handler needs the instance, which needs the listening server: bind late
    const holder: { self?: EmbeddedGitServer } = {};
    const server = createServer((req, res) => holder.self?.handle(req, res, options.token));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', fail);
        ok();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const self = new EmbeddedGitServer(server, root, `http://${host}:${port}`, git);
    holder.self = self;
    const tracked = self;
    server.on('connection', (s) => {
      tracked.sockets.add(s);
      s.on('close', () => tracked.sockets.delete(s));
    });
    return self;
  }

  /** URL of a repo under the root, e.g. repoUrl('config.git'). */
  repoUrl(name: string): string {
    return `${this.url}/${repoName(name)}`;
  }

  /** Absolute path of a repo under the root. */
  repoPath(name: string): string {
    return join(this.root, repoName(name));
  }

  /** Replaces the current faults (pass `{}` to heal). */
  setFaults(faults: GitServerFaults): void {
    this.faults = { ...faults };
    this.failPushesLeft = faults.failPushes ?? 0;
    this.losePushAnswersLeft = faults.losePushAnswers ?? 0;
  }

  get stats(): GitServerStats {
    return { requests: this.requests, pushes: this.pushes };
  }

  /**
   * Creates a bare repo `<root>/<name>` whose branch holds one commit with `files`
   * (path → content). Fails if the repo exists.
   */
  async createRepo(
    name: string,
    files: Readonly<Record<string, string>>,
    options: CreateRepoOptions = {},
  ): Promise<CreatedRepo> {
    const path = this.repoPath(name);
    const branch = options.branch ?? 'main';
    const author = options.author ?? { name: 'seed', email: 'seed@localhost' };
    const when = `${options.timestampSeconds ?? Math.floor(Date.now() / 1000)} +0000`;
    await mkdir(dirname(path), { recursive: true });
    await this.run(['init', '--quiet', '--bare', `--initial-branch=${branch}`, path]);
    await this.run(['-C', path, 'config', 'core.logAllRefUpdates', 'true']);
    await this.run(['-C', path, 'config', 'http.receivepack', 'true']);
    const scratch = await mkdtemp(join(tmpdir(), 'maestro-seed-'));
    const work = join(scratch, 'tree');
    await mkdir(work);
    try {
      for (const [file, content] of Object.entries(files)) {
        const target = resolve(work, file);
        if (!target.startsWith(work + sep)) {
          throw new MaestroError('INPUT_INVALID', `seed file path ${file} escapes the repo`, {
            data: { file },
          });
        }
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      const env = {
        GIT_DIR: path,
        GIT_WORK_TREE: work,
        GIT_INDEX_FILE: join(scratch, 'index'),
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
        GIT_COMMITTER_DATE: when,
      };
      await this.run(['add', '--all'], env);
      const tree = (await this.run(['write-tree'], env)).trim();
      const head = (
        await this.run(['commit-tree', tree, '-m', options.message ?? 'initial config'], env)
      ).trim();
      await this.run(['update-ref', '-m', 'seed', `refs/heads/${branch}`, head, ''], env);
      return { path, url: this.repoUrl(name), head };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Stops listening, ends open connections and waits for running git processes. */
  async close(): Promise<void> {
    const closed = new Promise<void>((ok) => this.server.close(() => ok()));
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((ok) => {
            if (c.exitCode !== null || c.signalCode !== null) return ok();
            c.once('close', () => ok());
            c.kill('SIGTERM');
          }),
      ),
    );
    await closed;
  }

  private run(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
    return new Promise((ok, fail) => {
      execFile(
        this.git,
        args,
        { env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          if (err) {
            fail(
              new MaestroError('INTERNAL', `git ${args[0] ?? ''} failed: ${stderr.trim() || err.message}`, {
                cause: err,
              }),
            );
          } else ok(stdout);
        },
      );
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse, token: string | undefined): void {
    this.requests += 1;
    const faults = this.faults;
    if (faults.down === 'reset') {
      req.socket.destroy();
      return;
    }
    if (faults.down === 'http-503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('git server is down (injected fault)\n');
      return;
    }
    const serve = () => {
      if (token !== undefined && !authorized(req.headers.authorization, token)) {
        req.resume();
        res
          .writeHead(401, { 'www-authenticate': 'Basic realm="maestro-git"', 'content-type': 'text/plain' })
          .end('authentication required\n');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const isPush = req.method === 'POST' && url.pathname.endsWith('/git-receive-pack');
      if (isPush && this.failPushesLeft > 0) {
        this.failPushesLeft -= 1;
        req.resume();
        res.writeHead(503, { 'content-type': 'text/plain' }).end('push refused (injected fault)\n');
        return;
      }
      if (isPush) this.pushes += 1;
      let loseAnswer = false;
      if (isPush && this.losePushAnswersLeft > 0) {
        this.losePushAnswersLeft -= 1;
        loseAnswer = true;
      }
      this.cgi(req, res, url, loseAnswer);
    };
    if (faults.latencyMs) setTimeout(serve, faults.latencyMs);
    else serve();
  }

  /** Runs `git http-backend` as a CGI program for one request (RFC 3875 meta-variables). */
  private cgi(req: IncomingMessage, res: ServerResponse, url: URL, loseAnswer = false): void {
    const env: Record<string, string> = {
      ...inheritedEnv(),
      GIT_PROJECT_ROOT: this.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      REMOTE_USER: 'maestro-git',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
    };
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'authorization') continue;
      env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
    }
    const child = spawn(this.git, ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.stdin.on('error', () => {
      // http-backend may exit before reading the whole body (e.g. on a bad request): nothing to do
    });
    req.pipe(child.stdin);
    child.on('error', (e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`cannot run git http-backend: ${e.message}\n`);
    });

    let head = Buffer.alloc(0);
    let headersDone = false;
    if (loseAnswer) {
      // let git finish the ref update, then cut the connection without a word
      child.stdout.resume();
      child.on('close', () => req.socket.destroy());
      return;
    }
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = splitCgiHeaders(head);
      if (!parsed) return;
      headersDone = true;
      res.writeHead(parsed.status, parsed.statusText, parsed.headers);
      if (parsed.body.length > 0) res.write(parsed.body);
    });
    child.stdout.on('end', () => {
      if (!headersDone) {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`git http-backend gave no response${stderr ? `: ${stderr.trim()}` : ''}\n`);
        return;
      }
      res.end();
    });
    res.on('close', () => {
      if (child.exitCode === null && child.signalCode === null && !res.writableFinished)
        child.kill('SIGTERM');
    });
  }
}

/** `config` -> `config.git`; rejects names that would leave the root. */
function repoName(name: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.split('/').some((p) => p === '..' || p === '')) {
    throw new MaestroError('INPUT_INVALID', `invalid repo name ${JSON.stringify(name)}`, { data: { name } });
  }
  return name.endsWith('.git') ? name : `${name}.git`;
}

function authorized(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!scheme || value === undefined) return false;
  if (scheme.toLowerCase() === 'bearer') return value === token;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && decoded.slice(colon + 1) === token;
  }
  return false;
}

/** PATH and HOME only: the CGI must not see the server process's secrets. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Splits a CGI response into status, headers and the start of the body, or undefined while the
 * header block is incomplete. CGI headers end at the first empty line (CRLF or LF line ends); a
 * `Status: 404 Not Found` header sets the HTTP status (RFC 3875 §6.3.3), default 200.
 */
export function splitCgiHeaders(
  buf: Buffer,
): { status: number; statusText: string; headers: Record<string, string>; body: Buffer } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  let end: number;
  let sepLen: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    end = crlf;
    sepLen = 4;
  } else if (lf >= 0) {
    end = lf;
    sepLen = 2;
  } else return undefined;
  const headers: Record<string, string> = {};
  let status = 200;
  let statusText = 'OK';
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value);
      if (m) {
        status = Number(m[1]);
        statusText = m[2] || statusText;
      }
    } else headers[name] = value;
  }
  return { status, statusText, headers, body: buf.subarray(end + sepLen) };
}
