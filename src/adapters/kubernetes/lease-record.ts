import { V1MicroTime, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';

/**
 * client-go's `resourcelock.LeaderElectionRecord` as kept in a `coordination.k8s.io/v1` Lease
 * (k8s.io/client-go/tools/leaderelection/resourcelock/leaselock.go: LeaseSpecToLeaderElectionRecord
 * and LeaderElectionRecordToLeaseSpec). Times are ms since epoch of the writer's clock.
 */
export interface LeaseRecord {
  /** empty: released, anyone may take it at once (client-go `release()`) */
  readonly holderIdentity: string;
  /** spec.leaseDurationSeconds: how long candidates wait without seeing a change before taking over */
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number | undefined;
  readonly renewTime: number | undefined;
  /** spec.leaseTransitions: +1 on every change of holder; this elector's term (a fencing token) */
  readonly leaseTransitions: number;
}

/** A Lease's spec as a record; missing fields read as client-go reads them (empty, 0, no time). */
export function recordFromLease(lease: V1Lease): LeaseRecord {
  const s: V1LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: timeOf(s.acquireTime),
    renewTime: timeOf(s.renewTime),
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

/**
 * The record as a Lease spec. MicroTime is RFC 3339 with microseconds (metav1.MicroTime,
 * "2006-01-02T15:04:05.000000Z07:00"); the library's V1MicroTime serializes a Date that way.
 */
export function specFromRecord(r: LeaseRecord): V1LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    leaseTransitions: r.leaseTransitions,
    ...(r.acquireTime !== undefined ? { acquireTime: new V1MicroTime(r.acquireTime) } : {}),
    ...(r.renewTime !== undefined ? { renewTime: new V1MicroTime(r.renewTime) } : {}),
  };
}

/**
 * What client-go compares as `observedRawRecord` (bytes.Equal on the JSON of the record): a
 * follower's expiry clock restarts only when this changes, so a holder that stops renewing is
 * replaced `leaseDurationSeconds` after the last change anyone saw, whatever the clocks say.
 */
export function rawRecord(r: LeaseRecord): string {
  return JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime ?? null,
    r.renewTime ?? null,
    r.leaseTransitions,
  ]);
}

/**
 * client-go `isLeaseValid`: the lease is valid until `leaseDurationSeconds` after this elector last
 * observed the record change (its own clock: tolerant to clock skew between replicas, not to rate).
 */
export function isLeaseValid(observedAtMs: number, record: LeaseRecord, nowMs: number): boolean {
  return observedAtMs + record.leaseDurationSeconds * 1000 > nowMs;
}

function timeOf(t: unknown): number | undefined {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}
