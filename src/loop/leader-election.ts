import type { RepoSnapshot } from '../core/ports';

/**
 * High availability: several replicas of the agent may run, exactly one acts. Leadership is a
 * lease (holder, renew time, duration) kept by an arbiter both replicas can compare-and-swap on.
 *
 * Here the arbiter is git itself (src/loop/leader-git-lease.ts): the lease is a small file on the
 * followed branch, so the same non-fast-forward push that decides a config race decides the lease
 * race, and every decision commit is fenced by the lease it is based on. In a cluster the arbiter
 * can be a `coordination.k8s.io/v1` Lease (`ha.elector: kubernetes`): client-go's leaderelection
 * semantics (holderIdentity, renewTime, leaseDurationSeconds, resourceVersion as the CAS token)
 * through @kubernetes/client-node, in src/adapters/kubernetes/kubernetes-lease-elector.ts, behind
 * this same port (README "Reliability").
 */
export interface LeaderElector {
  /** this replica's identity (unique per process, e.g. `<hostname>-<pid>-<random>`) */
  readonly identity: string;
  /** Acquires, renews or observes the lease. Never throws: an unreachable arbiter is "not leader". */
  tick(nowMs: number): Promise<Leadership>;
  /**
   * The fence: does the state a commit is about to be based on name this replica as the holder of an
   * unexpired lease? Checked inside the commit planner, so a replica that lost the lease while
   * deciding never pushes (its push would be based on the snapshot that shows the new holder).
   */
  holdsAt(snapshot: RepoSnapshot, nowMs: number): Promise<boolean>;
}

export type Leadership =
  | { readonly leader: true; readonly term: number; readonly expiresAt: number; readonly acquired: boolean }
  | {
      readonly leader: false;
      /** the holder, when the lease is held by another replica */
      readonly holder?: string;
      readonly expiresAt?: number;
      /** why not leader (held by another replica, arbiter unreachable) */
      readonly reason: string;
    };

/** The lease as recorded by the arbiter. */
export interface Lease {
  readonly holder: string;
  /** ms since epoch of the last acquire or renew */
  readonly renewedAt: number;
  readonly durationMs: number;
  /** incremented on each change of holder (a fencing token, as in Kubernetes' leaseTransitions) */
  readonly term: number;
}

export type LeaseVerdict =
  | { readonly kind: 'mine'; readonly renew: boolean }
  | { readonly kind: 'other'; readonly holder: string; readonly expiresAt: number }
  | { readonly kind: 'free' };

/**
 * What a replica should do with the lease it read. A lease is renewed once less than
 * `renewFraction` of its duration is left (client-go renews every RetryPeriod well inside
 * LeaseDuration; here renewing costs a commit, so only past half by default).
 */
export function judgeLease(
  lease: Lease | undefined,
  me: string,
  nowMs: number,
  renewFraction = 0.5,
): LeaseVerdict {
  if (!lease) return { kind: 'free' };
  const expiresAt = lease.renewedAt + lease.durationMs;
  // a lease renewed "in the future" (clock skew between replicas) counts from now, never longer
  const left = Math.min(expiresAt - nowMs, lease.durationMs);
  if (left <= 0) return { kind: 'free' };
  if (lease.holder === me) return { kind: 'mine', renew: left < lease.durationMs * renewFraction };
  return { kind: 'other', holder: lease.holder, expiresAt };
}

/** `key: value` lines; not YAML on purpose (Flux's generated kustomizations must not pick it up). */
export function formatLease(lease: Lease): string {
  return [
    '# MAESTRO leader lease: one agent replica acts at a time (README "Reliability").',
    '# Written by the agents; a person may delete it to force a new election.',
    `holder: ${lease.holder}`,
    `renewedAt: ${new Date(lease.renewedAt).toISOString()}`,
    `durationMs: ${lease.durationMs}`,
    `term: ${lease.term}`,
    '',
  ].join('\n');
}

/** undefined for a missing or unreadable lease file (then anyone may take it; the CAS decides). */
export function parseLease(text: string | undefined): Lease | undefined {
  if (text === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z]+):\s*(.+?)\s*$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  const holder = fields.get('holder');
  const renewedAt = Date.parse(fields.get('renewedAt') ?? '');
  const durationMs = Number(fields.get('durationMs'));
  const term = Number(fields.get('term'));
  if (!holder || !Number.isFinite(renewedAt) || !(durationMs > 0) || !Number.isInteger(term)) {
    return undefined;
  }
  return { holder, renewedAt, durationMs, term };
}
