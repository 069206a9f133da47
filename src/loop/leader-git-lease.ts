import { isMaestroError } from '../core/errors';
import type { CommitOutcome, CommitPlanner, ConfigRepo, RepoSnapshot } from '../core/ports';
import {
  formatLease,
  judgeLease,
  parseLease,
  type Lease,
  type Leadership,
  type LeaderElector,
} from './leader-election';

/** Where the lease lives on the followed branch. */
export const DEFAULT_LEASE_FILE = '.maestro/leader.lease';

export interface GitLeaseOptions {
  readonly identity: string;
  /** default 60 000 ms (4 cycles of 15 s); a crashed leader is replaced after at most this long */
  readonly durationMs?: number;
  /** default DEFAULT_LEASE_FILE */
  readonly file?: string;
  /** renew once less than this fraction of the lease is left; default 0.5 */
  readonly renewFraction?: number;
}

/**
 * Git as the leader-election arbiter: the lease is a file on the branch the agents commit to, and
 * taking or renewing it is an ordinary commit through `ConfigRepo.commit` — pushed without force,
 * so when two replicas race for it exactly one push wins and the loser's planner re-runs on the
 * winner's lease and backs off. Because the lease shares the branch with the config, a config
 * commit is fenced by it (`holdsAt` inside the planner, see `fencedRepo`): a replica whose lease
 * was taken over while it decided sees the new holder in the fresh snapshot and pushes nothing.
 *
 * Cost: one small commit per renewal (every `durationMs × renewFraction`), no trailers, so the
 * agents' history (cooldowns, pending changes) ignores it. The Kubernetes Lease implementation of
 * `LeaderElector` (src/adapters/kubernetes/, `ha.elector: kubernetes`) avoids those commits.
 */
export class GitLeaseElector implements LeaderElector {
  readonly identity: string;
  private readonly durationMs: number;
  private readonly file: string;
  private readonly renewFraction: number;

  constructor(
    private readonly repo: ConfigRepo,
    options: GitLeaseOptions,
  ) {
    if (!/^[\w.@-]+$/.test(options.identity)) {
      throw new Error(`leader identity must be [A-Za-z0-9_.@-]+, got ${JSON.stringify(options.identity)}`);
    }
    this.identity = options.identity;
    this.durationMs = options.durationMs ?? 60_000;
    this.file = options.file ?? DEFAULT_LEASE_FILE;
    this.renewFraction = options.renewFraction ?? 0.5;
  }

  /**
   * Between reads, the lease last seen decides without git I/O: a holder need not look before its
   * renewal point, a follower not before the holder's lease expires (client-go's elector likewise
   * acts on its cached record between RetryPeriods). Safe because every commit is fenced on the
   * lease in its own base (`holdsAt`), not on this cache.
   */
  private lastSeen?: Lease;

  async tick(nowMs: number): Promise<Leadership> {
    const cached = this.lastSeen
      ? judgeLease(this.lastSeen, this.identity, nowMs, this.renewFraction)
      : undefined;
    const l = this.lastSeen;
    if (l && cached?.kind === 'mine' && !cached.renew) {
      return { leader: true, term: l.term, expiresAt: l.renewedAt + l.durationMs, acquired: false };
    }
    if (l && cached?.kind === 'other') {
      return {
        leader: false,
        holder: cached.holder,
        expiresAt: cached.expiresAt,
        reason: `lease held by ${cached.holder}`,
      };
    }
    let seen: Lease | undefined;
    let wrote: Lease | undefined;
    let outcome: CommitOutcome;
    try {
      outcome = await this.repo.commit(async (snap) => {
        wrote = undefined;
        seen = parseLease(await snap.readFile(this.file));
        const verdict = judgeLease(seen, this.identity, nowMs, this.renewFraction);
        if (verdict.kind === 'other') return null;
        if (verdict.kind === 'mine' && !verdict.renew) return null;
        const term = verdict.kind === 'mine' ? seen!.term : (seen?.term ?? 0) + 1;
        wrote = { holder: this.identity, renewedAt: nowMs, durationMs: this.durationMs, term };
        return {
          files: [{ path: this.file, content: formatLease(wrote) }],
          message: `maestro: leader lease ${verdict.kind === 'mine' ? 'renewed' : 'taken'} by ${this.identity} (term ${term})`,
        };
      });
    } catch (e) {
      this.lastSeen = undefined;
      const reason = isMaestroError(e) ? `${e.code}: ${e.message}` : String(e);
      return { leader: false, reason: `lease arbiter unreachable (${reason})` };
    }
    this.lastSeen = outcome.kind === 'committed' && wrote ? wrote : seen;
    if (outcome.kind === 'committed' && wrote) {
      return {
        leader: true,
        term: wrote.term,
        expiresAt: wrote.renewedAt + wrote.durationMs,
        // a renewal of a lease this replica still held is not an acquisition
        acquired: judgeLease(seen, this.identity, nowMs).kind !== 'mine',
      };
    }
    const verdict = judgeLease(seen, this.identity, nowMs, this.renewFraction);
    if (verdict.kind === 'mine' && seen) {
      return { leader: true, term: seen.term, expiresAt: seen.renewedAt + seen.durationMs, acquired: false };
    }
    if (verdict.kind === 'other') {
      return {
        leader: false,
        holder: verdict.holder,
        expiresAt: verdict.expiresAt,
        reason: `lease held by ${verdict.holder}`,
      };
    }
    return { leader: false, reason: 'lease not written' };
  }

  async holdsAt(snapshot: RepoSnapshot, nowMs: number): Promise<boolean> {
    const verdict = judgeLease(parseLease(await snapshot.readFile(this.file)), this.identity, nowMs);
    return verdict.kind === 'mine';
  }
}

/** A ConfigRepo whose commits only happen while `elector` holds the lease in the commit's base. */
export interface FencedRepo extends ConfigRepo {
  /** commits the fence refused (the replica had lost the lease by the time it pushed) */
  readonly refusals: number;
}

export function fencedRepo(repo: ConfigRepo, elector: LeaderElector, now: () => number): FencedRepo {
  let refusals = 0;
  return {
    get refusals() {
      return refusals;
    },
    snapshot: () => repo.snapshot(),
    commit: (planner: CommitPlanner) =>
      repo.commit(async (snap, attempt) => {
        if (!(await elector.holdsAt(snap, now()))) {
          refusals += 1;
          return null;
        }
        return planner(snap, attempt);
      }),
  };
}
