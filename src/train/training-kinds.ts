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

/**
 * Card actions of the fixed-action kinds. For autoscale these are the replica deltas of
 * AUTOSCALE_ACTIONS (the simulator env's own action space, old-style and SB3 delta cards); the
 * trainer's autoscale models use target utilisations instead (AUTOSCALE_MODEL_ACTIONS in
 * src/train/autoscale-training-env.ts, written to the card by train-policy.ts).
 */
export function cardActionsFor(
  kind: TrainingKind,
): Array<{ delta: number } | { verb: (typeof CANARY_ACTIONS)[number] }> {
  return kind === 'autoscale'
    ? AUTOSCALE_ACTIONS.map((delta) => ({ delta }))
    : CANARY_ACTIONS.map((verb) => ({ verb }));
}
