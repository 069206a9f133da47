import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EmbeddedGitServer,
  type CreateRepoOptions,
  type CreatedRepo,
  type GitServerFaults,
} from '../../src/adapters/git/embedded-git-server';

/**
 * A real git smart-HTTP server for tests (`git http-backend` behind node's http, on 127.0.0.1 port
 * 0, repos in a fresh temp dir), seeded with one repo from a map of files.
 *
 *   let git: TestGitServer;
 *   beforeAll(async () => { git = await startGitServer({ files: { 'apps/web.yaml': '...' } }); });
 *   afterAll(() => git.stop());
 *   // git.url: clone/push URL of the seeded repo; git.gitCli('log', '--oneline') runs on it
 *
 * `stop()` closes the server and deletes the temp dir.
 */
export interface StartGitServerOptions extends CreateRepoOptions {
  /** files of the seeded repo's first commit (path -> content); default: a single README */
  readonly files?: Readonly<Record<string, string>>;
  /** repo name under the root; default `config.git` */
  readonly repo?: string;
  /** require this token on every request */
  readonly token?: string;
}

export interface TestGitServer {
  readonly server: EmbeddedGitServer;
  /** clone/push URL of the seeded repo */
  readonly url: string;
  readonly repo: CreatedRepo;
  /** temp dir that holds the repos; free to use for clones too (removed by stop()) */
  readonly tmp: string;
  readonly branch: string;
  /** runs the real `git` CLI inside the seeded bare repo; resolves to stdout */
  gitCli(...args: string[]): Promise<string>;
  /** creates another repo on the same server */
  createRepo(
    name: string,
    files: Readonly<Record<string, string>>,
    options?: CreateRepoOptions,
  ): Promise<CreatedRepo>;
  setFaults(faults: GitServerFaults): void;
  stop(): Promise<void>;
}

export async function startGitServer(options: StartGitServerOptions = {}): Promise<TestGitServer> {
  const tmp = await mkdtemp(join(tmpdir(), 'maestro-git-'));
  const server = await EmbeddedGitServer.start({
    root: join(tmp, 'repos'),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  const branch = options.branch ?? 'main';
  const repo = await server.createRepo(
    options.repo ?? 'config.git',
    options.files ?? { 'README.md': 'config\n' },
    {
      ...options,
      branch,
    },
  );
  return {
    server,
    url: repo.url,
    repo,
    tmp,
    branch,
    gitCli: (...args) => runGit(['-C', repo.path, ...args]),
    createRepo: (name, files, o) => server.createRepo(name, files, o),
    setFaults: (f) => server.setFaults(f),
    stop: async () => {
      await server.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Runs the real `git` CLI (no global/system config, fixed identity); resolves to stdout. */
export function runGit(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<string> {
  return new Promise((ok, fail) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        maxBuffer: 64 << 20,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: options.cwd ?? tmpdir(),
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: 'Test Human',
          GIT_AUTHOR_EMAIL: 'human@example.com',
          GIT_COMMITTER_NAME: 'Test Human',
          GIT_COMMITTER_EMAIL: 'human@example.com',
          ...options.env,
        },
      },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
        else ok(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * The server repo's commit graph (every commit reachable from a ref or a reflog entry), read with
 * one `git rev-list --parents --all --reflog`, so ancestry checks over hundreds of commits cost
 * one process instead of one `git merge-base --is-ancestor` each.
 */
export interface CommitGraph {
  /** true when `ancestor` is `commit` or reachable from it through parents */
  isAncestor(ancestor: string, commit: string): boolean;
  readonly size: number;
}

export async function commitGraph(server: TestGitServer): Promise<CommitGraph> {
  const parents = new Map<string, string[]>();
  for (const line of (await server.gitCli('rev-list', '--parents', '--all', '--reflog')).split('\n')) {
    const [sha, ...ps] = line.trim().split(' ');
    if (sha) parents.set(sha, ps);
  }
  return {
    size: parents.size,
    isAncestor(ancestor, commit) {
      const seen = new Set<string>();
      const todo = [commit];
      while (todo.length > 0) {
        const c = todo.pop()!;
        if (c === ancestor) return true;
        if (seen.has(c)) continue;
        seen.add(c);
        todo.push(...(parents.get(c) ?? []));
      }
      return false;
    },
  };
}

/**
 * Checks the server-side reflog of `branch` (the raw `logs/refs/heads/<branch>` file of the bare
 * repo, one `<old> <new> <who> <time>\t<message>` line per update): every update must be a
 * fast-forward, i.e. its old value an ancestor of its new value. Returns the number of updates and
 * the offending ones (empty when none).
 */
export async function nonFastForwardUpdates(
  server: TestGitServer,
  branch: string = server.branch,
): Promise<{ updates: number; forced: string[] }> {
  const text = await readFile(join(server.repo.path, 'logs', 'refs', 'heads', branch), 'utf8');
  const pairs = text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ', 2) as [string, string]);
  const graph = await commitGraph(server);
  const ZERO = /^0{40}$/;
  const forced = pairs
    .filter(([prev, next]) => !ZERO.test(prev) && !graph.isAncestor(prev, next))
    .map(([prev, next]) => `${prev} -> ${next}`);
  return { updates: pairs.length, forced };
}
