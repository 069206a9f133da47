import type { Action } from '../action';

/**
 * How the guardrails treat an action:
 * - `none`: changes nothing (hold, a zero delta, a canary hold);
 * - `human`: a person's forced canary override from the dashboard or CLI (`forced: true`);
 * - `protective`: a canary rollback — it only ever returns traffic to the primary, so rules meant
 *   to slow the agent down (freeze, commit rate) never block it;
 * - `change`: everything else the agent proposes (scale up/down, canary advance/promote).
 */
export type ActionClass = 'none' | 'human' | 'protective' | 'change';

export function classifyAction(a: Action): ActionClass {
  switch (a.type) {
    case 'hold':
      return 'none';
    case 'replicas':
      return a.delta === 0 ? 'none' : 'change';
    case 'canary':
      if (a.forced === true) return 'human';
      if (a.verb === 'rollback') return 'protective';
      return a.verb === 'hold' ? 'none' : 'change';
  }
}

/** Structural equality of two actions (they are small plain objects). */
export function sameAction(a: Action, b: Action): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'replicas' && b.type === 'replicas') return Object.is(a.delta, b.delta);
  if (a.type === 'canary' && b.type === 'canary') {
    return (
      a.verb === b.verb &&
      Object.is(a.stepWeight, b.stepWeight) &&
      (a.forced === true) === (b.forced === true)
    );
  }
  return true;
}
