import { valueOf } from '../core/sample';
import type { Observation } from '../core/observation';

/**
 * Pending-change awareness: after the agent pushes a change for a target, later cycles must not
 * stack a new decision on a commit the cluster has not applied yet (the HPA reads live replicas for
 * the same reason). The change counts as applied when Flux reports an applied revision equal to
 * the commit or to a head seen after it (branch history only grows: we never force-push), or when
 * the cluster already shows the declared replicas. Past `applyTimeoutSeconds` the wait ends with an
 * event, so a Flux outage is reported instead of freezing the target forever.
 */
export interface PendingChange {
  /** 40-hex sha of the pushed commit */
  readonly sha: string;
  /** push time, ms since epoch */
  readonly since: number;
  /** what the cluster shows once applied (kube_deployment_spec_replicas), when that is knowable */
  readonly expectSpecReplicas?: { readonly equals?: number; readonly atLeast?: number };
}

export type PendingCheck =
  | { readonly state: 'applied'; readonly how: string }
  | { readonly state: 'waiting'; readonly reason: string }
  | { readonly state: 'timed-out'; readonly reason: string };

const SHA = /[0-9a-f]{40}/;

/** `main@sha1:<40-hex>` (Flux v1 APIs) or a bare sha -> the sha; undefined when there is none. */
export function appliedSha(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  return SHA.exec(revision.toLowerCase())?.[0];
}

export function short(sha: string): string {
  return sha.slice(0, 7);
}

/**
 * @param headsSince heads of the branch observed after the pending commit was pushed (each one has
 *   the pending commit in its history)
 */
export function checkPending(
  pending: PendingChange,
  observation: Observation,
  headsSince: ReadonlySet<string>,
  nowMs: number,
  applyTimeoutMs: number,
): PendingCheck {
  const applied = appliedSha(observation.appliedRevision);
  if (applied !== undefined && (applied === pending.sha || headsSince.has(applied))) {
    return { state: 'applied', how: `Flux applied ${short(applied)}` };
  }
  const spec = valueOf(observation.service.specReplicas);
  const expect = pending.expectSpecReplicas;
  if (spec !== undefined && expect) {
    if (expect.equals !== undefined && spec === expect.equals) {
      return { state: 'applied', how: `cluster shows ${spec} replicas` };
    }
    if (expect.atLeast !== undefined && spec >= expect.atLeast) {
      return { state: 'applied', how: `cluster shows ${spec} replicas (>= ${expect.atLeast})` };
    }
  }
  const waitedS = Math.round((nowMs - pending.since) / 1000);
  if (nowMs - pending.since > applyTimeoutMs) {
    return {
      state: 'timed-out',
      reason: `Flux has not applied ${short(pending.sha)} after ${waitedS}s (applyTimeoutSeconds ${Math.round(applyTimeoutMs / 1000)}); applied revision is ${observation.appliedRevision ?? 'unknown'}`,
    };
  }
  return { state: 'waiting', reason: `waiting for Flux to apply ${short(pending.sha)} (${waitedS}s)` };
}
