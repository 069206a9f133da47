import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import httpNode from 'isomorphic-git/http/node';
import type { HttpClient } from 'isomorphic-git';
import {
  overrideReasonOf,
  parseMaestroCommit,
  pullRequestBranch,
  type MaestroCommitEntry,
} from '../../core/commit-message';
import { MaestroError, isMaestroError } from '../../core/errors';
import type {
  CommitOutcome,
  CommitPlanner,
  ConfigRepo,
  Person,
  PlannedCommit,
  PullRequests,
  RepoSnapshot,
} from '../../core/ports';
import { createRedactor, type Redactor } from '../../core/redact';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { toGitError, type GitOperation } from './git-errors';
import { repoPathParts, writeTreeWithFiles } from './tree-edit';

/**
 * The config repo as MAESTRO writes it: a shallow local copy of one branch (isomorphic-git over
 * HTTP(S), object store only — no working tree), edited through `ConfigRepo.commit(planner)`.
 *
 * Every attempt starts from the branch head just fetched: the planner gets a fresh snapshot,
 * re-applies its edit to that content and re-checks its guardrails against it; then one commit
 * (all files of the cycle) is written on top of that head and pushed without force. A lost race
 * — isomorphic-git's `PushRejectedError` (not-fast-forward) or the server's "failed to update ref"
 * (`GitPushError`) — is retried from a fresh fetch after a jittered backoff, so every other
 * writer's commits survive and ours lands on top. A planner that now returns null (no diff, or the
 * guardrails say hold on the new state) ends in `no-change`.
 *
 * Restart safety: nothing is assumed from the local copy. A local commit that never reached the
 * remote (a crash or network failure between commit and push) is dropped when the branch is next
 * fetched, and the planner decides again from the remote head; after a network error during a
 * push the remote is checked for our commit before anything is retried. So a change is pushed once
 * or discarded, never duplicated.
 *
 * Pull-request mode: the commit goes to `maestro/<target>/<decision id>` (from the message's
 * trailers) instead of the followed branch, then the PR is opened or updated through
 * `PullRequests`. When that branch already exists (a retry after a crash), the planner runs against
 * its head and the PR is only (re)opened.
 *
 * Calls on one session are serialised; use one session per local directory.
 */
export type PushMode =
  | { readonly kind: 'direct' }
  | {
      readonly kind: 'pull-request';
      readonly pullRequests: PullRequests;
      /** the PR branch for a message; default `pullRequestBranch` (src/core/commit-message.ts) */
      readonly branchFor?: (message: string) => string | undefined;
    };

export type GitSessionEvent =
  | { readonly type: 'fetched'; readonly branch: string; readonly head: string }
  | { readonly type: 'discarded-local-commit'; readonly sha: string; readonly remoteHead: string }
  | {
      readonly type: 'push-rejected';
      readonly attempt: number;
      readonly reason: string;
      readonly retryInMs: number | null;
    }
  | {
      readonly type: 'network-error';
      readonly attempt: number;
      readonly op: GitOperation;
      readonly message: string;
      readonly retryInMs: number | null;
    }
  | {
      readonly type: 'pushed';
      readonly branch: string;
      readonly sha: string;
      readonly parent: string;
      readonly attempts: number;
    }
  | { readonly type: 'no-change'; readonly head: string }
  | {
      readonly type: 'pull-request';
      readonly url: string;
      readonly number: number;
      readonly created: boolean;
    }
  | { readonly type: 'local-copy-reset'; readonly reason: string };

export interface GitRepoSessionOptions {
  /** http(s) URL of the config repo; credentials belong in `token`, not here */
  readonly url: string;
  /** the branch Flux follows */
  readonly branch: string;
  /** local directory for the object store (a bare git dir); created when missing */
  readonly dir: string;
  /** push token, sent as HTTP basic auth password through isomorphic-git's onAuth */
  readonly token?: string;
  /** basic-auth user name sent with the token; default `x-access-token` (GitHub's convention) */
  readonly tokenUser?: string;
  /** the agent: committer of every commit, and author unless a person overrides */
  readonly author: Person;
  /** default direct */
  readonly pushMode?: PushMode;
  /** default DEFAULT_BACKOFF (200 ms base, 10 s cap, 8 attempts) */
  readonly backoff?: BackoffOptions;
  /** [0, 1) source for backoff jitter */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** ms since epoch; commit timestamps use it (default Date.now) */
  readonly now?: () => number;
  /** redacts logs, errors and commit text; default: a redactor knowing `token` */
  readonly redactor?: Redactor;
  readonly onEvent?: (event: GitSessionEvent) => void;
  /** idle timeout of one HTTP request (ms); default 30000 */
  readonly httpTimeoutMs?: number;
  /**
   * the local copy is rebuilt from scratch once it holds this many fetched packs, or this many
   * commits were written into it as loose objects (both only grow); default 64
   */
  readonly maxPacks?: number;
  /** HTTP client; default isomorphic-git/http/node */
  readonly http?: HttpClient;
  /**
   * Called after a commit is written to the local copy and before it is pushed — the point where a
   * crash leaves an unpushed local commit behind. The restart-safety tests and `maestro soak` use it
   * to kill the agent exactly there; a throw ends the attempt (a non-retryable MaestroError ends the
   * commit).
   */
  readonly beforePush?: (commit: BeforePushInfo) => void | Promise<void>;
}

/** What `beforePush` is told about the commit about to be pushed. */
export interface BeforePushInfo {
  readonly branch: string;
  readonly sha: string;
  readonly parent: string;
  /** the local copy (a bare git dir with remote `origin`) */
  readonly gitdir: string;
}

/** A commit MAESTRO made (or a person through it), read back from its trailers; one per target. */
export interface PastMaestroCommit extends MaestroCommitEntry {
  readonly sha: string;
  /** committer time, ms since epoch */
  readonly at: number;
  readonly override: boolean;
  /** an override's `Reason: …` line (see `overrideReasonOf`) */
  readonly reason?: string;
}

/** How deep to look for our own commit after a push whose answer was lost. */
const LANDED_CHECK_DEPTH = 50;
const REMOTE = 'origin';

export class GitRepoSession implements ConfigRepo {
  private readonly fs = nodeFs;
  private readonly gitdir: string;
  private cache: object = {};
  private readonly http: HttpClient;
  private readonly redactor: Redactor;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private ready = false;
  /** commits written into the local copy since it was (re)built */
  private written = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: GitRepoSessionOptions) {
    this.gitdir = options.dir;
    this.redactor = options.redactor ?? createRedactor([options.token]);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.now = options.now ?? Date.now;
    const base = options.http ?? httpNode;
    const timeout = options.httpTimeoutMs ?? 30_000;
    // simple-get's `timeout` is an idle-socket timeout: a hung server fails as a network error
    this.http = {
      request: (req) => base.request({ ...req, fetchOptions: { timeout, ...req.fetchOptions } }),
    };
    checkPerson(options.author, 'git.author');
  }

  get branch(): string {
    return this.options.branch;
  }

  /** Fetches the branch and returns a read-only view of its head. */
  snapshot(): Promise<RepoSnapshot> {
    return this.exclusive(async () => this.snapshotAt(await this.fetchHead()));
  }

  commit(planner: CommitPlanner): Promise<CommitOutcome> {
    return this.exclusive(() => this.commitLoop(planner));
  }

  /**
   * The MAESTRO commits on the branch since `sinceMs` (committer time), oldest first, one entry per
   * target — what the guardrails' cooldowns and commit-rate limit are rebuilt from after a restart.
   */
  pastCommits(sinceMs: number): Promise<PastMaestroCommit[]> {
    return this.exclusive(async () => {
      const since = new Date(sinceMs);
      const head = await this.fetchHead({ since });
      let log: Awaited<ReturnType<typeof git.log>>;
      try {
        log = await git.log({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, ref: head, since });
      } catch (e) {
        throw this.wrap(e, 'log');
      }
      const out: PastMaestroCommit[] = [];
      for (const c of log.reverse()) {
        const at = c.commit.committer.timestamp * 1000;
        if (at < sinceMs) continue;
        const entries = parseMaestroCommit(c.commit.message);
        const reason = entries.some((e) => e.overrideBy !== undefined)
          ? overrideReasonOf(c.commit.message)
          : undefined;
        for (const entry of entries) {
          const override = entry.overrideBy !== undefined;
          out.push({ ...entry, sha: c.oid, at, override, ...(override && reason ? { reason } : {}) });
        }
      }
      return out;
    });
  }

  private async commitLoop(planner: CommitPlanner): Promise<CommitOutcome> {
    const started = this.now();
    const max = Math.max(1, this.backoff.maxAttempts);
    let lastError: MaestroError | undefined;
    for (let attempt = 1; attempt <= max; attempt += 1) {
      let step: Step;
      try {
        step = await this.attempt(planner, attempt);
      } catch (e) {
        const err = this.wrap(e, 'push');
        if (!err.retryable) throw err;
        lastError = err;
        const retryInMs = attempt < max ? backoffDelay(attempt, this.backoff, this.options.random) : null;
        if (err.code === 'GIT_PUSH_REJECTED') {
          this.emit({
            type: 'push-rejected',
            attempt,
            reason: String(err.data.reason ?? err.message),
            retryInMs,
          });
        } else {
          this.emit({
            type: 'network-error',
            attempt,
            op: (err.data.op as GitOperation | undefined) ?? 'push',
            message: err.message,
            retryInMs,
          });
        }
        if (retryInMs === null) break;
        await this.options.sleep(retryInMs);
        continue;
      }
      if (step.kind === 'no-change') {
        this.emit({ type: 'no-change', head: step.head });
        return {
          kind: 'no-change',
          head: step.head,
          attempts: attempt,
          ...(step.pullRequestUrl ? { pullRequestUrl: step.pullRequestUrl } : {}),
        };
      }
      return {
        kind: 'committed',
        sha: step.sha,
        parent: step.parent,
        attempts: attempt,
        durationMs: this.now() - started,
        ...(step.pullRequestUrl ? { pullRequestUrl: step.pullRequestUrl } : {}),
      };
    }
    const err = lastError ?? new MaestroError('INTERNAL', 'commit loop ended without an attempt');
    throw new MaestroError(err.code, `${err.message} (gave up after ${max} attempts)`, {
      data: { ...err.data, attempts: max },
      cause: err.cause,
      retryable: err.retryable,
    });
  }

  /** One attempt: fetch, plan on the fresh head, commit, push. Throws on a lost race. */
  private async attempt(planner: CommitPlanner, attempt: number): Promise<Step> {
    const mode = this.options.pushMode ?? { kind: 'direct' };
    const head = await this.fetchHead();
    let planned = await plan(planner, this.snapshotAt(head), attempt);
    if (!planned) return { kind: 'no-change', head };
    if (mode.kind === 'direct') {
      return this.commitAndPush(this.options.branch, head, planned, attempt);
    }
    const branchFor = mode.branchFor ?? pullRequestBranch;
    const prBranch = branchFor(planned.message);
    if (!prBranch) {
      throw new MaestroError(
        'INTERNAL',
        'pull-request mode: the commit message names no target and decision id to build the branch name from',
        { retryable: false },
      );
    }
    let base = head;
    const existing = await this.fetchBranch(prBranch, { required: false });
    if (existing !== undefined) {
      // a retry of the same decision: its branch exists; re-plan against that branch's content
      base = existing;
      planned = await plan(planner, this.snapshotAt(existing), attempt);
      if (!planned) {
        const pr = await this.openPullRequest(mode.pullRequests, prBranch, await this.messageOf(existing));
        return { kind: 'no-change', head: existing, pullRequestUrl: pr.url };
      }
    }
    const step = await this.commitAndPush(prBranch, base, planned, attempt);
    if (step.kind === 'no-change') {
      if (existing === undefined) return step;
      const pr = await this.openPullRequest(mode.pullRequests, prBranch, await this.messageOf(existing));
      return { ...step, pullRequestUrl: pr.url };
    }
    const pr = await this.openPullRequest(mode.pullRequests, prBranch, planned.message);
    return { ...step, pullRequestUrl: pr.url };
  }

  private async commitAndPush(
    branch: string,
    parent: string,
    planned: PlannedCommit,
    attempt: number,
  ): Promise<Step> {
    const sha = await this.writeCommit(parent, planned);
    if (sha === undefined) return { kind: 'no-change', head: parent };
    const ref = `refs/heads/${branch}`;
    try {
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: sha, force: true });
      await this.options.beforePush?.({ branch, sha, parent, gitdir: this.gitdir });
      await git.push({
        fs: this.fs,
        http: this.http,
        gitdir: this.gitdir,
        cache: this.cache,
        remote: REMOTE,
        ref,
        remoteRef: ref,
        // never force: a lost race is retried on top of the new head
        force: false,
        ...this.auth(),
      });
    } catch (e) {
      const err = this.wrap(e, 'push', branch);
      if (err.code === 'GIT_NETWORK' && (await this.landed(branch, sha))) {
        // the push reached the server and only its answer was lost
        this.emit({ type: 'pushed', branch, sha, parent, attempts: attempt });
        return { kind: 'committed', sha, parent };
      }
      if (err.code === 'GIT_PUSH_REJECTED') {
        // the server refused it: the commit is known not to be there, drop it quietly
        await git
          .writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: parent, force: true })
          .catch(() => undefined);
      }
      throw err;
    }
    this.emit({ type: 'pushed', branch, sha, parent, attempts: attempt });
    return { kind: 'committed', sha, parent };
  }

  /** Writes the planned commit on `parent`; undefined when its tree equals the parent's (no diff). */
  private async writeCommit(parent: string, planned: PlannedCommit): Promise<string | undefined> {
    const author = planned.author ?? this.options.author;
    checkPerson(author, 'commit author');
    try {
      const { commit } = await git.readCommit({
        fs: this.fs,
        gitdir: this.gitdir,
        oid: parent,
        cache: this.cache,
      });
      const tree = await writeTreeWithFiles(
        { fs: this.fs, gitdir: this.gitdir, cache: this.cache },
        commit.tree,
        planned.files,
      );
      if (tree === commit.tree) return undefined;
      const timestamp = Math.floor(this.now() / 1000);
      const sign = (p: Person) => ({ name: p.name, email: p.email, timestamp, timezoneOffset: 0 });
      this.written += 1;
      return await git.writeCommit({
        fs: this.fs,
        gitdir: this.gitdir,
        commit: {
          message: this.redactor.redact(planned.message),
          tree,
          parent: [parent],
          author: sign(author),
          committer: sign(this.options.author),
        },
      });
    } catch (e) {
      throw this.wrap(e, 'write');
    }
  }

  /** After a push failed on the network: is `sha` on the remote branch now? */
  private async landed(branch: string, sha: string): Promise<boolean> {
    try {
      const head = await this.fetchBranch(branch, {
        required: false,
        depth: LANDED_CHECK_DEPTH,
        keepLocal: true,
      });
      if (head === undefined) return false;
      if (head === sha) return true;
      return await git.isDescendent({
        fs: this.fs,
        gitdir: this.gitdir,
        cache: this.cache,
        oid: head,
        ancestor: sha,
        depth: LANDED_CHECK_DEPTH,
      });
    } catch {
      // still unreachable: the next attempt fetches again and re-plans
      return false;
    }
  }

  /**
   * Fetches one branch (shallow) and moves the local branch to the remote head: a local commit
   * the remote does not have is dropped here (reported as an event). Undefined when the branch does
   * not exist and `required` is false.
   */
  private async fetchBranch(
    branch: string,
    opts: { required: boolean; depth?: number; since?: Date; keepLocal?: boolean },
  ): Promise<string | undefined> {
    await this.ensureLocalCopy();
    let head: string | undefined;
    try {
      const r = await git.fetch({
        fs: this.fs,
        http: this.http,
        gitdir: this.gitdir,
        cache: this.cache,
        remote: REMOTE,
        ref: branch,
        remoteRef: branch,
        singleBranch: true,
        tags: false,
        ...(opts.since ? { since: opts.since } : { depth: opts.depth ?? 1 }),
        ...this.auth(),
      });
      head = r.fetchHead ?? undefined;
    } catch (e) {
      const err = this.wrap(e, 'fetch', branch);
      if (err.code !== 'NOT_FOUND' || opts.required) throw err;
    }
    if (head === undefined) {
      if (opts.required) {
        throw new MaestroError(
          'NOT_FOUND',
          `branch ${branch} does not exist in ${this.redactor.redact(this.options.url)}`,
          {
            data: { branch },
          },
        );
      }
      return undefined;
    }
    this.emit({ type: 'fetched', branch, head });
    if (!opts.keepLocal) await this.resetLocalBranch(branch, head);
    return head;
  }

  /** fetchBranch for the followed branch, which must exist */
  private async fetchHead(opts: { since?: Date } = {}): Promise<string> {
    const head = await this.fetchBranch(this.options.branch, { required: true, ...opts });
    if (head === undefined) throw new MaestroError('INTERNAL', 'required branch fetch returned nothing');
    return head;
  }

  private async resetLocalBranch(branch: string, head: string): Promise<void> {
    const ref = `refs/heads/${branch}`;
    let local: string | undefined;
    try {
      local = await git.resolveRef({ fs: this.fs, gitdir: this.gitdir, ref });
    } catch {
      local = undefined;
    }
    if (local !== undefined && local !== head) {
      let onRemote = false;
      try {
        onRemote = await git.isDescendent({
          fs: this.fs,
          gitdir: this.gitdir,
          cache: this.cache,
          oid: head,
          ancestor: local,
          depth: LANDED_CHECK_DEPTH,
        });
      } catch {
        onRemote = false;
      }
      if (!onRemote) this.emit({ type: 'discarded-local-commit', sha: local, remoteHead: head });
    }
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: head, force: true });
  }

  private snapshotAt(head: string): RepoSnapshot {
    return {
      head,
      readFile: async (path: string) => {
        repoPathParts(path);
        try {
          const { blob } = await git.readBlob({
            fs: this.fs,
            gitdir: this.gitdir,
            cache: this.cache,
            oid: head,
            filepath: path,
          });
          return Buffer.from(blob).toString('utf8');
        } catch (e) {
          if ((e as { code?: unknown }).code === 'NotFoundError') return undefined;
          throw this.wrap(e, 'read');
        }
      },
    };
  }

  private async messageOf(sha: string): Promise<string> {
    const { commit } = await git.readCommit({
      fs: this.fs,
      gitdir: this.gitdir,
      oid: sha,
      cache: this.cache,
    });
    return commit.message;
  }

  private async openPullRequest(pullRequests: PullRequests, head: string, message: string) {
    const [title = head, ...rest] = message.split('\n');
    const pr = await pullRequests.openOrUpdate({
      head,
      base: this.options.branch,
      title: this.redactor.redact(title),
      body: this.redactor.redact(rest.join('\n').trim()),
    });
    this.emit({ type: 'pull-request', url: pr.url, number: pr.number, created: pr.created });
    return pr;
  }

  /** Creates the local object store once; rebuilds it when too many packs piled up. */
  private async ensureLocalCopy(): Promise<void> {
    const max = this.options.maxPacks ?? 64;
    const packs = this.ready ? countPacks(this.gitdir) : 0;
    if (this.ready && packs <= max && this.written <= max) return;
    try {
      if (this.ready) {
        // fetches add packs and commits loose objects; state lives in the remote, so start over
        this.emit({
          type: 'local-copy-reset',
          reason: `${packs} packs and ${this.written} commits written in the local copy`,
        });
        await nodeFs.promises.rm(this.gitdir, { recursive: true, force: true });
        this.cache = {};
        this.written = 0;
      }
      await nodeFs.promises.mkdir(this.gitdir, { recursive: true });
      if (!nodeFs.existsSync(join(this.gitdir, 'HEAD'))) {
        await git.init({ fs: this.fs, gitdir: this.gitdir, bare: true, defaultBranch: this.options.branch });
      }
      await git.addRemote({
        fs: this.fs,
        gitdir: this.gitdir,
        remote: REMOTE,
        url: this.options.url,
        force: true,
      });
      this.ready = true;
    } catch (e) {
      throw this.wrap(e, 'init');
    }
  }

  private auth(): { onAuth?: () => { username: string; password: string } } {
    const token = this.options.token;
    if (token === undefined || token === '') return {};
    const username = this.options.tokenUser ?? 'x-access-token';
    return { onAuth: () => ({ username, password: token }) };
  }

  private wrap(e: unknown, op: GitOperation, branch?: string): MaestroError {
    if (isMaestroError(e)) return e;
    return toGitError(
      e,
      op,
      { url: this.options.url, branch: branch ?? this.options.branch },
      this.redactor.redact,
    );
  }

  private emit(event: GitSessionEvent): void {
    this.options.onEvent?.(this.redactor.redactDeep(event));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

type Step =
  | {
      readonly kind: 'committed';
      readonly sha: string;
      readonly parent: string;
      readonly pullRequestUrl?: string;
    }
  | { readonly kind: 'no-change'; readonly head: string; readonly pullRequestUrl?: string };

/** Runs the planner; its own errors pass through unchanged, anything else is a bug (INTERNAL). */
async function plan(
  planner: CommitPlanner,
  snapshot: RepoSnapshot,
  attempt: number,
): Promise<PlannedCommit | null> {
  try {
    return await planner(snapshot, attempt);
  } catch (e) {
    if (isMaestroError(e)) throw e;
    throw new MaestroError(
      'INTERNAL',
      `commit planner failed: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
        retryable: false,
      },
    );
  }
}

function countPacks(gitdir: string): number {
  try {
    return nodeFs.readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
  } catch {
    return 0;
  }
}

/** A git identity must not break the commit header: no `<`, `>` or line breaks. */
function checkPerson(p: Person, what: string): void {
  const bad = (s: string) => s.trim() === '' || /[<>\n\r\0]/.test(s);
  if (bad(p.name) || bad(p.email) || !p.email.includes('@')) {
    throw new MaestroError(
      'INPUT_INVALID',
      `${what} must be a name and an email address, got ${JSON.stringify(`${p.name} <${p.email}>`)}`,
      {
        data: { name: p.name, email: p.email },
      },
    );
  }
}
