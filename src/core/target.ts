/** What kind of object a target is, and so which action type and which YAML edit applies to it. */
export type TargetKind = 'deployment-replicas' | 'hpa-bounds' | 'flagger-canary';

export const TARGET_KINDS: readonly TargetKind[] = ['deployment-replicas', 'hpa-bounds', 'flagger-canary'];
