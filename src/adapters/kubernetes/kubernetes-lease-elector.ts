import type { V1Lease } from '@kubernetes/client-node';
import type { Clock, RepoSnapshot } from '../../core/ports';
import type { Leadership, LeaderElector } from '../../loop/leader-election';
import type { LeaseApi } from './lease-api';
import { isLeaseValid, rawRecord, recordFromLease, type LeaseRecord } from './lease-record';

/** client-go leaderelection.JitterFactor: a candidate waits RetryPeriod × (1 + rand × 1.2) */
export const JITTER_FACTOR = 1.2;

export interface KubernetesLeaseElectorOptions {
  /** this replica's holderIdentity (unique per process) */
  readonly identity: string;
  /**
   * spec.leaseDurationSeconds (whole seconds, the Lease field is an int32): how long a candidate
   * waits without seeing the record change before taking over. client-go core default 15.
   */
  readonly leaseDurationSeconds: number;
  /** how long the leader keeps retrying a renewal before it stops acting; client-go default 10 s */
  readonly renewDeadlineMs: number;
  /** pause between tries; client-go default 2 s */
  readonly retryPeriodMs: number;
  readonly clock: Clock;
  /** jitter of the candidates' retries; default Math.random */
  readonly random?: () => number;
  readonly onEvent?: (e: LeaseElectorEvent) => void;
}

export type LeaseElectorEvent =
  /** a successful acquire or renew: this replica acts from `from` until `until` unless renewed */
  | { readonly type: 'leading'; readonly term: number; readonly from: number; readonly until: number }
  | { readonly type: 'stopped-leading'; readonly at: number; readonly reason: string }
  /** client-go OnNewLeader: the observed holder changed (empty: released) */
  | { readonly type: 'new-leader'; readonly holder: string }
  | { readonly type: 'released'; readonly at: number }
  | { readonly type: 'error'; readonly message: string };

/** client-go NewLeaderElector's checks on the three durations; empty when they hold. */
export function checkLeaseTimings(o: {
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(o.leaseDurationSeconds) || o.leaseDurationSeconds < 1) {
    problems.push(
      'leaseDurationSeconds must be a whole number of seconds ≥ 1 (Lease spec.leaseDurationSeconds)',
    );
  }
  if (!(o.retryPeriodMs > 0)) problems.push('retryPeriod must be greater than zero');
  if (!(o.renewDeadlineMs > 0)) problems.push('renewDeadline must be greater than zero');
  if (o.leaseDurationSeconds * 1000 <= o.renewDeadlineMs) {
    problems.push('leaseDuration must be greater than renewDeadline');
  }
  if (o.renewDeadlineMs <= JITTER_FACTOR * o.retryPeriodMs) {
    problems.push(`renewDeadline must be greater than retryPeriod × ${JITTER_FACTOR}`);
  }
  return problems;
}

interface Observed {
  readonly lease: V1Lease;
  readonly record: LeaseRecord;
  readonly raw: string;
  /** this elector's clock when the record last changed (client-go observedTime) */
  readonly at: number;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, reproducing client-go's
 * k8s.io/client-go/tools/leaderelection/leaderelection.go:
 * - `tryAcquireOrRenew`: (1) the leader's fast path updates the Lease it last saw (its
 *   resourceVersion as the compare-and-swap token); (2) otherwise GET it, CREATE it when absent;
 *   (3) a record that changed since last seen restarts the expiry clock (`observedRawRecord`,
 *   `observedTime`); a holder other than this one whose lease is valid (`isLeaseValid`: observed
 *   time + leaseDurationSeconds) wins; (4) else UPDATE: keep acquireTime and leaseTransitions when
 *   renewing, leaseTransitions + 1 when taking over. A 409 Conflict means another replica wrote
 *   first: not leader this round.
 * - `acquire`: try every RetryPeriod with JitterFactor 1.2 (wait.JitterUntil) until it succeeds.
 * - `renew`: try every RetryPeriod; a leader that has not renewed within RenewDeadline stops
 *   leading. Stricter than client-go, the deadline counts from the *start* of the last successful
 *   try (the renewTime it wrote), so its acting window ends before any candidate's expiry clock
 *   (which starts after that write reached the API server) can run out — given
 *   leaseDuration > renewDeadline and clocks that advance at the same rate.
 * - `release` (ReleaseOnCancel): on stop, a leader writes holderIdentity "" and
 *   leaseDurationSeconds 1 so a successor takes over at once instead of after the lease.
 *
 * Like client-go (its package doc: "does not guarantee that only one client is acting as a
 * leader (a.k.a. fencing)"), a replica paused between its last check and its git push can push
 * after its lease ran out; the git push itself is the fence then: it is based on a commit, and a
 * push that lost the race re-reads and re-decides (README "Reliability").
 */
export class KubernetesLeaseElector implements LeaderElector {
  readonly identity: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly emit: (e: LeaseElectorEvent) => void;

  private observed?: Observed;
  /** the last holder reported as new leader (client-go reportedLeader) */
  private reportedLeader?: string;
  /** leading: this replica acts until `validUntil` (last successful try's start + renewDeadline) */
  private leading = false;
  private validUntil = 0;
  private term = 0;
  /** leadership already reported by tick() for the current term */
  private announced = false;
  /** the last failed call (network, 5xx, 403): "unreachable" */
  private lastError?: string;
  /** the last 409: another replica wrote first */
  private lastConflict?: string;

  private running = false;
  private loop?: Promise<void>;
  private firstTry?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly api: LeaseApi,
    options: KubernetesLeaseElectorOptions,
  ) {
    const problems = checkLeaseTimings(options);
    if (problems.length > 0) throw new Error(`Kubernetes lease elector: ${problems.join('; ')}`);
    if (!/^[\w.@-]+$/.test(options.identity)) {
      throw new Error(`leader identity must be [A-Za-z0-9_.@-]+, got ${JSON.stringify(options.identity)}`);
    }
    this.identity = options.identity;
    this.leaseDurationSeconds = options.leaseDurationSeconds;
    this.renewDeadlineMs = options.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.emit = options.onEvent ?? (() => {});
  }

  /** `namespace/name` of the Lease */
  get lease(): string {
    return this.api.describe;
  }

  /** Does this replica act at `nowMs`? Leading and within the renew deadline of its last renewal. */
  isLeader(nowMs: number): boolean {
    return this.leading && nowMs < this.validUntil;
  }

  /** Starts the acquire/renew loop (client-go `Run`); idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    let first!: () => void;
    this.firstTry = new Promise((r) => (first = r));
    this.loop = this.run(first);
  }

  /**
   * Stops the loop and, when leading, releases the Lease (client-go `release`). Call it only
   * after the work the lease guards has stopped (ReleaseOnCancel's warning).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.release();
  }

  /**
   * The leader-election port: starts the loop on first use, then reports what the loop last
   * established. Never throws; an unreachable API server shows as not leader with the reason.
   */
  async tick(nowMs: number): Promise<Leadership> {
    if (!this.running) {
      this.start();
      await this.firstTry;
    }
    if (this.isLeader(nowMs)) {
      const acquired = !this.announced;
      this.announced = true;
      return { leader: true, term: this.term, expiresAt: this.validUntil, acquired };
    }
    if (this.leading) {
      // past its renew deadline, not yet re-read: it does not act until a renewal succeeds
      return {
        leader: false,
        reason: `Lease ${this.lease} not renewed within ${this.renewDeadlineMs} ms${this.lastError ? ` (${this.lastError})` : ''}`,
      };
    }
    const o = this.observed;
    if (o && o.record.holderIdentity !== '' && isLeaseValid(o.at, o.record, nowMs)) {
      const holder = o.record.holderIdentity;
      const expiresAt = o.at + o.record.leaseDurationSeconds * 1000;
      if (holder !== this.identity) {
        return { leader: false, holder, expiresAt, reason: `Lease ${this.lease} held by ${holder}` };
      }
    }
    if (this.lastError) {
      return { leader: false, reason: `lease arbiter unreachable (Lease ${this.lease}: ${this.lastError})` };
    }
    if (this.lastConflict) {
      return {
        leader: false,
        reason: `Lease ${this.lease}: another replica wrote first (${this.lastConflict})`,
      };
    }
    return { leader: false, reason: `Lease ${this.lease} not acquired yet` };
  }

  /**
   * The fence before a commit: leading now, and a fresh GET still names this replica (a person
   * may have deleted or edited the Lease). The git snapshot plays no part: the Lease is not in git.
   */
  async holdsAt(_snapshot: RepoSnapshot, nowMs: number): Promise<boolean> {
    if (!this.isLeader(nowMs)) return false;
    const read = await this.withTimeout(this.api.get());
    if (read.kind !== 'found') return false;
    return recordFromLease(read.lease).holderIdentity === this.identity && this.isLeader(this.clock.now());
  }

  /** client-go tryAcquireOrRenew; true when this replica holds the Lease after it. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const desired: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    // 1. fast path: the leader updates the Lease it last saw, assuming nobody else wrote since
    const seen = this.observed;
    if (seen && seen.record.holderIdentity === this.identity && isLeaseValid(seen.at, seen.record, now)) {
      const record = {
        ...desired,
        acquireTime: seen.record.acquireTime,
        leaseTransitions: seen.record.leaseTransitions,
      };
      const w = await this.withTimeout(this.api.update(seen.lease, record));
      if (w.kind === 'written') return this.won(w.lease, now);
      this.note(w.kind, `fast-path ${w.message}`);
    }
    // 2. obtain or create the record
    const read = await this.withTimeout(this.api.get());
    if (read.kind === 'failed') {
      this.note(read.kind, read.message);
      return false;
    }
    if (read.kind === 'absent') {
      const w = await this.withTimeout(this.api.create(desired));
      if (w.kind === 'written') return this.won(w.lease, now);
      this.note(w.kind, w.message);
      return false;
    }
    // 3. the record changed since last seen: restart the expiry clock
    const old = recordFromLease(read.lease);
    const raw = rawRecord(old);
    if (!this.observed || this.observed.raw !== raw) {
      this.observed = { lease: read.lease, record: old, raw, at: this.clock.now() };
    } else this.observed = { ...this.observed, lease: read.lease };
    this.reportTransition();
    const mine = old.holderIdentity === this.identity;
    this.lastError = undefined;
    this.lastConflict = undefined;
    if (old.holderIdentity !== '' && isLeaseValid(this.observed.at, old, now) && !mine) return false;
    // 4. renew (keep acquireTime and transitions) or take over (one more transition)
    const record: LeaseRecord = mine
      ? { ...desired, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions }
      : { ...desired, leaseTransitions: old.leaseTransitions + 1 };
    const w = await this.withTimeout(this.api.update(read.lease, record));
    if (w.kind === 'written') return this.won(w.lease, now);
    // 409: another replica wrote between our GET and PUT; it may be the new leader
    this.note(w.kind, w.message);
    return false;
  }

  private won(lease: V1Lease, startedAt: number): true {
    const record = recordFromLease(lease);
    this.observed = { lease, record, raw: rawRecord(record), at: this.clock.now() };
    this.reportTransition();
    this.lastError = undefined;
    this.lastConflict = undefined;
    if (!this.leading || record.leaseTransitions !== this.term) this.announced = false;
    this.leading = true;
    this.term = record.leaseTransitions;
    this.validUntil = startedAt + this.renewDeadlineMs;
    this.emit({ type: 'leading', term: this.term, from: this.clock.now(), until: this.validUntil });
    return true;
  }

  private note(kind: 'conflict' | 'failed', message: string): void {
    if (kind === 'conflict') this.lastConflict = message;
    else this.lastError = message;
    this.emit({ type: 'error', message });
  }

  /** client-go maybeReportTransition → OnNewLeader */
  private reportTransition(): void {
    const holder = this.observed?.record.holderIdentity;
    if (holder === undefined || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.emit({ type: 'new-leader', holder });
  }

  private stopLeading(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.validUntil = Math.min(this.validUntil, this.clock.now());
    this.emit({ type: 'stopped-leading', at: this.clock.now(), reason });
  }

  private async run(firstTryDone: () => void): Promise<void> {
    let first = true;
    while (this.running) {
      const ok = await this.tryAcquireOrRenew().catch((e: unknown) => {
        this.note('failed', e instanceof Error ? e.message : String(e));
        return false;
      });
      if (first) {
        first = false;
        firstTryDone();
      }
      if (this.leading) {
        const now = this.clock.now();
        const holder = this.observed?.record.holderIdentity;
        if (!ok && holder !== undefined && holder !== this.identity) {
          this.stopLeading(`Lease ${this.lease} taken by ${holder}`);
        } else if (now >= this.validUntil) {
          // renew: no successful try within RenewDeadline
          this.stopLeading(
            `no renewal within ${this.renewDeadlineMs} ms${this.lastError ? ` (${this.lastError})` : ''}`,
          );
        }
      }
      if (!this.running) break;
      // renew: every RetryPeriod (wait.Until / PollImmediateUntil); acquire: jittered (JitterUntil)
      const pause = this.leading
        ? this.retryPeriodMs
        : this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR);
      await this.pause(pause);
    }
    firstTryDone();
  }

  /** client-go release: clear the holder so a successor need not wait out the lease. */
  private async release(): Promise<void> {
    const seen = this.observed;
    this.stopLeading('stopped');
    // client-go releases whenever the last record seen names it (IsLeader); if a successor took
    // over meanwhile, the resourceVersion is stale and the update is a harmless 409
    if (!seen || seen.record.holderIdentity !== this.identity) return;
    const now = this.clock.now();
    const w = await this.withTimeout(
      this.api.update(seen.lease, {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: seen.record.leaseTransitions,
      }),
    );
    if (w.kind === 'written') {
      const record = recordFromLease(w.lease);
      this.observed = { lease: w.lease, record, raw: rawRecord(record), at: this.clock.now() };
      this.emit({ type: 'released', at: this.clock.now() });
    } else this.note(w.kind, `release ${w.message}`);
  }

  /** sleeps, cut short by stop() */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      void this.clock.sleep(ms).then(() => resolve());
    });
  }

  /**
   * A hung API call must not stall the loop past the renew deadline (client-go bounds each renew
   * with a RenewDeadline context). The call's late answer is dropped; if it wrote, the record
   * changed, so candidates' expiry clocks restart and this replica re-reads it as its own.
   * Wall-clock and unref'd on purpose: it bounds waiting, not leadership (that is `validUntil`, on
   * the injected clock), and a pending timeout must not keep a stopping process alive.
   */
  private async withTimeout<T extends { kind: string }>(
    call: Promise<T>,
  ): Promise<T | { kind: 'failed'; message: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ kind: 'failed'; message: string }>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'failed', message: `no answer within ${this.renewDeadlineMs} ms` }),
        this.renewDeadlineMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
