import type { Action } from '../core/action';
import type { FeatureSet } from '../core/features';
import { AUTOSCALE_ACTIONS } from '../sim/env/autoscale-env';
import { CANARY_ACTIONS } from '../sim/env/canary-env';

/** What each trainable kind maps its output indices to (written to the model card). */
export type TrainingKind = FeatureSet;

export function actionsFor(kind: TrainingKind): Action[] {
  return kind === 'autoscale'
    ? AUTOSCALE_ACTIONS.map((d): Action => (d === 0 ? { type: 'hold' } : { type: 'replicas', delta: d }))
    : CANARY_ACTIONS.map((verb): Action => ({ type: 'canary', verb }));
}

export function cardActionsFor(
  kind: TrainingKind,
): Array<{ delta: number } | { verb: (typeof CANARY_ACTIONS)[number] }> {
  return kind === 'autoscale'
    ? AUTOSCALE_ACTIONS.map((delta) => ({ delta }))
    : CANARY_ACTIONS.map((verb) => ({ verb }));
}
