/**
 * Actions a policy proposes and guardrails finalise.
 *
 * - `hold`: do nothing this cycle (a value, not an error).
 * - `replicas`: change a Deployment's spec.replicas by `delta` (deployment-replicas targets), or,
 *   for hpa-bounds targets, move the HPA floor (`minReplicas`) by `delta` — pre-scaling ahead of
 *   demand while the HPA keeps reacting above it; `maxReplicas` is raised with it when needed.
 * - `canary`: answer Flagger for the current checksum. `advance` lets the weight step up (by
 *   `stepWeight` percent when given, written to analysis.stepWeight); `hold` keeps the weight;
 *   `promote` lets promotion happen; `rollback` asks Flagger to roll back. `forced` marks a human
 *   override from the dashboard or CLI (only a forced promote may skip analysis).
 */
export type CanaryVerb = 'advance' | 'hold' | 'promote' | 'rollback';

export type Action =
  | { readonly type: 'hold' }
  | { readonly type: 'replicas'; readonly delta: number }
  | {
      readonly type: 'canary';
      readonly verb: CanaryVerb;
      readonly stepWeight?: number;
      readonly forced?: boolean;
    };

export const HOLD: Action = Object.freeze({ type: 'hold' });

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'hold':
      return 'hold';
    case 'replicas':
      return a.delta === 0 ? 'hold' : a.delta > 0 ? `scale-up +${a.delta}` : `scale-down ${a.delta}`;
    case 'canary':
      return `canary ${a.verb}${a.stepWeight !== undefined ? ` step ${a.stepWeight}%` : ''}${a.forced ? ' (forced)' : ''}`;
  }
}

export function isNoop(a: Action): boolean {
  return a.type === 'hold' || (a.type === 'replicas' && a.delta === 0);
}
