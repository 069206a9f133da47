import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import httpNode from 'isomorphic-git/http/node';
import type { HttpClient, TreeEntry } from 'isomorphic-git';
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
import { buildPack, encodeCommit, gitObject, writePack } from './git-objects';
import { discoverReceivePack, receivePack, ZERO_OID, type RefUpdate } from './receive-pack-client';
import { repoPathParts, treeWithFiles } from './tree-edit';

/**
 * The config repo as MAESTRO writes it: a shallow local copy of one branch (isomorphic-git over
 * HTTP(S), object store only — no working tree), edited through `ConfigRepo.commit(planner)`.
 *
 * Every attempt starts from a head known fresh: the planner gets a snapshot of it, re-applies its
 * edit to that content and re-checks its guardrails against it; then one commit (all files of the
 * cycle) is written on top of that head and pushed without force. The first attempt of a commit
 * (direct mode) plans on the head the last `snapshot()` or push of this session established, without
 * fetching again: the push itself is the compare-and-swap (the server refuses it unless the branch
 * is still at that head), so a stale head can only cost a lost race, never a lost commit; a
 * `no-change` verdict is only given against a head fetched in the same attempt. A lost race
 * — isomorphic-git's `PushRejectedError` (not-fast-forward) or the server's "failed to update ref"
 * (`GitPushError`) — is retried from a fresh fetch after a jittered backoff, so every other
 * writer's commits survive and ours lands on top. A planner that now returns null (no diff, or the
 * guardrails say hold on the new state) ends in `no-change`.
 *
 * `snapshot()` first asks the server only for its refs (`info/refs`, one request); when the branch
 * head is a commit the local copy already holds (the agent's own last push, or nothing moved), it
 * skips the fetch. Reads of one head share its parsed trees and file contents.
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
  /** the server's refs show a head the local copy already holds: no fetch was needed */
  | { readonly type: 'up-to-date'; readonly branch: string; readonly head: string }
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
   * the local copy is rebuilt from scratch once it holds this many packs (one per fetch and one per
   * commit written), or this many commits were written into it (both only grow); default 64
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
/** parsed trees kept in memory (a 1000-target repo has about 1000 small trees per head) */
const TREE_CACHE_SIZE = 8192;
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
  /**
   * The followed branch's remote head as this session last learned it (a fetch, a refs check, or
   * its own push), held in the local copy; the base of a commit's first attempt. Unset after a lost
   * race, a network error and a local-copy reset.
   */
  private known: string | undefined;
  /** the server's receive-pack capabilities, from its last advertisement (see push) */
  private receivePackCapabilities: ReadonlySet<string> | undefined;
  /** read views of the last heads read, sharing parsed trees and file contents (commits never change) */
  private readonly views = new Map<string, HeadView>();
  /** parsed trees by oid (see readTreeCached) */
  private readonly trees = new Map<string, Promise<readonly TreeEntry[]>>();
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

  /** Returns a read-only view of the branch's remote head, fetching it when the local copy lacks it. */
  snapshot(): Promise<RepoSnapshot> {
    return this.exclusive(async () => this.snapshotAt(await this.freshHead()));
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
      // A fetch that deepens "since" a time after every commit brings no objects (upload-pack
      // selects none) yet records the head: a fresh clone of a quiet repo would then name a head it
      // does not hold, and every later commit on it fails. So the head comes first, and only a head
      // inside the window is deepened.
      const tip = await this.freshHead();
      let tipAt: number;
      try {
        const c = await git.readCommit({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid: tip });
        tipAt = c.commit.committer.timestamp * 1000;
      } catch (e) {
        throw this.wrap(e, 'log');
      }
      if (tipAt < sinceMs) return [];
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
    if (mode.kind === 'direct' && attempt === 1) {
      await this.ensureLocalCopy();
      const base = this.known;
      if (base !== undefined) {
        // plan on the head the last snapshot or push established and push at once: the server
        // takes the push only while the branch is still there (no force), so a stale base costs a
        // lost race and a re-plan on fetched content (attempt 2), never someone's commit
        const planned = await plan(planner, this.snapshotAt(base), attempt);
        const step = planned
          ? await this.commitAndPush(this.options.branch, base, planned, attempt)
          : undefined;
        if (step?.kind === 'committed') return step;
        // "nothing to commit" is only said of a head fetched now: fall through and check the remote
      }
    }
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
    const step = await this.commitAndPush(prBranch, base, planned, attempt, existing ?? ZERO_OID);
    if (step.kind === 'no-change') {
      if (existing === undefined) return step;
      const pr = await this.openPullRequest(mode.pullRequests, prBranch, await this.messageOf(existing));
      return { ...step, pullRequestUrl: pr.url };
    }
    const pr = await this.openPullRequest(mode.pullRequests, prBranch, planned.message);
    return { ...step, pullRequestUrl: pr.url };
  }

  /**
   * Writes the commit on `parent` and pushes it to `branch`, which must be at `remoteOld` on the
   * server (default `parent`; ZERO_OID for a branch that must not exist yet).
   */
  private async commitAndPush(
    branch: string,
    parent: string,
    planned: PlannedCommit,
    attempt: number,
    remoteOld: string = parent,
  ): Promise<Step> {
    const written = await this.writeCommit(parent, planned);
    if (written === undefined) return { kind: 'no-change', head: parent };
    const { sha } = written;
    const ref = `refs/heads/${branch}`;
    const followed = branch === this.options.branch;
    try {
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: sha, force: true });
      await this.options.beforePush?.({ branch, sha, parent, gitdir: this.gitdir });
      await this.push({ ref, old: remoteOld, new: sha }, written.pack);
    } catch (e) {
      const err = this.wrap(e, 'push', branch);
      if (followed) this.known = undefined;
      this.receivePackCapabilities = undefined;
      if (err.code === 'GIT_NETWORK' && (await this.landed(branch, sha))) {
        // the push reached the server and only its answer was lost
        if (followed) this.known = sha;
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
    if (followed) {
      this.known = sha;
      this.seedView(sha, parent, written.tree, planned.files);
    }
    this.emit({ type: 'pushed', branch, sha, parent, attempts: attempt });
    return { kind: 'committed', sha, parent };
  }

  /**
   * Sends one ref update with its pack, never forced: the server moves the ref only from `old`.
   * The server's receive-pack capabilities are asked for on the first push and after any failed
   * one; that advertisement also shows where the ref is, so a branch that moved is seen before the
   * pack is sent (a not-fast-forward rejection). Later pushes reuse the capabilities and let the
   * server's compare-and-swap catch a moved branch ("failed to update ref").
   */
  private async push(update: RefUpdate, pack: Buffer): Promise<void> {
    const target = { http: this.http, url: this.options.url, ...this.auth() };
    let capabilities = this.receivePackCapabilities;
    if (capabilities === undefined) {
      const advertised = await discoverReceivePack(target);
      if ((advertised.refs.get(update.ref) ?? ZERO_OID) !== update.old) {
        throw new git.Errors.PushRejectedError('not-fast-forward');
      }
      capabilities = advertised.capabilities;
    }
    await receivePack(target, capabilities, update, pack);
    this.receivePackCapabilities = capabilities;
  }

  /** Writes the planned commit on `parent`; undefined when its tree equals the parent's (no diff). */
  private async writeCommit(
    parent: string,
    planned: PlannedCommit,
  ): Promise<{ sha: string; tree: string; pack: Buffer } | undefined> {
    const author = planned.author ?? this.options.author;
    checkPerson(author, 'commit author');
    try {
      const { commit } = await git.readCommit({
        fs: this.fs,
        gitdir: this.gitdir,
        oid: parent,
        cache: this.cache,
      });
      const built = await treeWithFiles({ readTree: this.readTreeCached }, commit.tree, planned.files);
      if (built.tree === commit.tree) return undefined;
      const timestamp = Math.floor(this.now() / 1000);
      const sign = (p: Person) => ({ name: p.name, email: p.email, timestamp });
      const commitObject = gitObject(
        'commit',
        encodeCommit({
          tree: built.tree,
          parents: [parent],
          author: sign(author),
          committer: sign(this.options.author),
          message: this.redactor.redact(planned.message),
        }),
      );
      // one pack for the local copy and the push (the same object may be listed twice: two equal files)
      const objects = [...new Map([...built.objects, commitObject].map((o) => [o.oid, o])).values()];
      const pack = buildPack(objects);
      await writePack(this.gitdir, pack);
      for (const [oid, entries] of built.trees) this.rememberTree(oid, Promise.resolve(entries));
      this.written += 1;
      return { sha: commitObject.oid, tree: built.tree, pack: pack.pack };
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
    if (!opts.keepLocal) {
      await this.resetLocalBranch(branch, head);
      if (branch === this.options.branch) this.known = head;
    }
    return head;
  }

  /**
   * The followed branch's remote head. The server's ref advertisement (one `info/refs` request)
   * says where the branch is; only when the local copy lacks that commit is it fetched. Holding the
   * commit means holding its whole tree: every commit here came in a pack with its tree, or was
   * written here on a tree held here.
   */
  private async freshHead(): Promise<string> {
    await this.ensureLocalCopy();
    const branch = this.options.branch;
    let advertised: string | undefined;
    try {
      const info = await git.getRemoteInfo2({
        http: this.http,
        url: this.options.url,
        protocolVersion: 1,
        ...this.auth(),
      });
      if (info.protocolVersion === 1) {
        advertised = info.refs?.find((r) => r.ref === `refs/heads/${branch}`)?.oid;
      }
    } catch (e) {
      throw this.wrap(e, 'fetch', branch);
    }
    if (advertised === undefined || !(await this.holds(advertised))) return this.fetchHead();
    this.emit({ type: 'up-to-date', branch, head: advertised });
    await this.resetLocalBranch(branch, advertised);
    this.known = advertised;
    return advertised;
  }

  /** Is the commit `oid` in the local copy? */
  private async holds(oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
      return true;
    } catch {
      return false;
    }
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
    if (local !== head)
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: head, force: true });
  }

  /**
   * A read view of `head`. Paths are resolved through the commit's trees, each tree read once per
   * view, so reading every target's file costs one pass over the trees rather than one walk from
   * the root per file; file contents are kept for the view's life (the commit planner reads the
   * same files the cycle just read). The last two views are kept.
   */
  private snapshotAt(
    head: string,
    seed?: { readonly tree: string; readonly files: ReadonlyMap<string, Promise<string | undefined>> },
  ): RepoSnapshot {
    const cached = this.views.get(head);
    if (cached) return cached.snapshot;
    const tree = this.readTreeCached;
    const files = new Map(seed?.files);
    let root: Promise<string> | undefined = seed ? Promise.resolve(seed.tree) : undefined;
    const rootTree = () => {
      root ??= git
        .readCommit({ fs: this.fs, gitdir: this.gitdir, oid: head, cache: this.cache })
        .then((c) => c.commit.tree);
      root.catch(() => (root = undefined));
      return root;
    };
    const load = async (path: string): Promise<string | undefined> => {
      const parts = repoPathParts(path);
      try {
        let oid = await rootTree();
        for (const [i, name] of parts.entries()) {
          const entry = (await tree(oid)).find((e) => e.path === name);
          if (entry === undefined) return undefined;
          const last = i === parts.length - 1;
          if (entry.type !== (last ? 'blob' : 'tree')) {
            if (!last) return undefined; // a file where a directory was expected: no such path
            throw new MaestroError('INPUT_INVALID', `${path} is a ${entry.type} in the repo, not a file`, {
              data: { path },
            });
          }
          oid = entry.oid;
        }
        const { blob } = await git.readBlob({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid });
        return Buffer.from(blob).toString('utf8');
      } catch (e) {
        if ((e as { code?: unknown }).code === 'NotFoundError') return undefined;
        throw this.wrap(e, 'read');
      }
    };
    const view: RepoSnapshot = {
      head,
      readFile: (path: string) => {
        let text = files.get(path);
        if (text === undefined) {
          text = load(path);
          files.set(path, text);
          text.catch(() => files.delete(path)); // a failed read is tried again
        }
        return text;
      },
    };
    this.views.set(head, { snapshot: view, files });
    for (const old of this.views.keys()) if (this.views.size > 2) this.views.delete(old);
    return view;
  }

  /**
   * The view of a commit this session just pushed: its parent's view with the committed files in
   * place, so the next cycle reads back nothing it wrote (the trees are in the tree cache already).
   */
  private seedView(sha: string, parent: string, tree: string, files: PlannedCommit['files']): void {
    const base = this.views.get(parent)?.files ?? new Map<string, Promise<string | undefined>>();
    const seeded = new Map(base);
    // what a read of the blob returns: the content as stored (UTF-8), decoded again
    for (const f of files)
      seeded.set(f.path, Promise.resolve(Buffer.from(f.content, 'utf8').toString('utf8')));
    this.views.delete(sha);
    this.snapshotAt(sha, { tree, files: seeded });
  }

  /**
   * A tree's entries by oid, parsed once: trees are immutable (content-addressed), so a tree read
   * for one head, or written by a commit, serves every later head that shares it. Bounded: the
   * older half is dropped past TREE_CACHE_SIZE.
   */
  private readonly readTreeCached = (oid: string): Promise<readonly TreeEntry[]> => {
    let entries = this.trees.get(oid);
    if (entries === undefined) {
      entries = git
        .readTree({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache })
        .then((r) => r.tree);
      this.rememberTree(oid, entries);
      entries.catch(() => this.trees.delete(oid));
    }
    return entries;
  };

  private rememberTree(oid: string, entries: Promise<readonly TreeEntry[]>): void {
    this.trees.set(oid, entries);
    if (this.trees.size <= TREE_CACHE_SIZE) return;
    let drop = this.trees.size - TREE_CACHE_SIZE / 2;
    for (const old of this.trees.keys()) {
      if (drop-- <= 0) break;
      this.trees.delete(old);
    }
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
        // fetches and commits add packs; state lives in the remote, so start over (the read views
        // and trees stay: they are content-addressed, so they cannot go stale)
        this.emit({
          type: 'local-copy-reset',
          reason: `${packs} packs and ${this.written} commits written in the local copy`,
        });
        await nodeFs.promises.rm(this.gitdir, { recursive: true, force: true });
        this.cache = {};
        this.written = 0;
        this.known = undefined;
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

  /**
   * Token auth for isomorphic-git and the push client. The Authorization header is sent with the
   * first request (a server that wants auth would otherwise answer 401 and be asked again, a second
   * round trip per operation); `onAuth` stays for servers that ask anyway.
   */
  private auth(): {
    onAuth?: () => { username: string; password: string };
    headers?: Record<string, string>;
  } {
    const token = this.options.token;
    if (token === undefined || token === '') return {};
    const username = this.options.tokenUser ?? 'x-access-token';
    const basic = Buffer.from(`${username}:${token}`).toString('base64');
    return { onAuth: () => ({ username, password: token }), headers: { Authorization: `Basic ${basic}` } };
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

/** A head's read view and what a view of a child commit can start from. */
interface HeadView {
  readonly snapshot: RepoSnapshot;
  /** file contents read (or written) so far, by path */
  readonly files: ReadonlyMap<string, Promise<string | undefined>>;
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
