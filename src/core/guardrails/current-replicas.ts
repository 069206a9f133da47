import type { Observation } from '../observation';

/**
 * The replica count a `replicas` action moves, as git declares it: Deployment `spec.replicas` for
 * deployment-replicas targets, the HPA floor (`minReplicas`) for hpa-bounds targets. Undefined when
 * it is not known as a safe integer (absent, NaN, fractional, beyond 2^53) or the target is a canary
 * (scaled through its HPA, never by a replica delta). A negative count is returned as is: it is
 * outside every bound and the replica-bounds rule moves it back inside.
 */
export function currentReplicas(o: Observation): number | undefined {
  const v =
    o.kind === 'deployment-replicas'
      ? o.declared.replicas
      : o.kind === 'hpa-bounds'
        ? o.declared.minReplicas
        : undefined;
  return v !== undefined && Number.isSafeInteger(v) ? v : undefined;
}

/** Which declared field `currentReplicas` reads, for reasons. */
export function currentReplicasField(o: Observation): string {
  return o.kind === 'hpa-bounds' ? 'declared HPA minReplicas' : 'declared replicas';
}
