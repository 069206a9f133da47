import { describeAction, HOLD, type Action } from '../core/action';
import type { DecisionRecord } from '../core/decision';
import type { ActionHistory } from '../core/guardrail-types';
import type { DeclaredState, Observation } from '../core/observation';
import type { GuardFn, LoopTarget, ManifestEdit } from './ports';
import type { PolicyResult } from './run-policy';

/**
 * One target, one cycle, pure: the policy's proposal goes through the guardrails; a change still
 * waiting for Flux turns anything that would need a commit into a hold. Returns the decision record
 * and the manifest edit (if any) that carries it into git.
 */
export interface DecideTargetInput {
  readonly id: string;
  readonly target: LoopTarget;
  readonly observation: Observation;
  readonly policy: PolicyResult;
  readonly history: ActionHistory;
  readonly paused: boolean;
  readonly guard: GuardFn;
  /** set while an earlier commit for this target is not applied yet: the reason to hold */
  readonly waitingFor?: string;
  readonly nowMs: number;
}

export interface TargetStep {
  readonly decision: DecisionRecord;
  /** the edit to commit; undefined when the decision changes nothing in git */
  readonly edit?: ManifestEdit;
}

export function decideTarget(input: DecideTargetInput): TargetStep {
  const { target, observation, policy, nowMs } = input;
  const limits = { ...target.limits, paused: target.limits.paused || input.paused };
  const guarded = input.guard(policy.output.action, observation, input.history, limits, nowMs);
  let final = guarded.action;
  const reasons = [
    ...policy.output.explanation,
    ...guarded.interventions.map((i) => `${i.rule}: ${i.reason}`),
  ];
  let edit = editFor(target, final, observation.declared);
  if (input.waitingFor !== undefined) {
    reasons.push(input.waitingFor);
    if (edit) {
      // never stack a change on one the cluster has not applied yet
      final = final.type === 'canary' ? { type: 'canary', verb: final.verb } : HOLD;
      edit = editFor(target, final, observation.declared);
    }
  }
  const decision: DecisionRecord = {
    id: input.id,
    target: target.ref.name,
    at: nowMs,
    basedOn: observation.declared.revision,
    observation,
    policy: policy.ref,
    proposed: policy.output.action,
    final,
    interventions: guarded.interventions,
    reasons,
    ...(policy.output.confidence !== undefined ? { confidence: policy.output.confidence } : {}),
  };
  return edit ? { decision, edit } : { decision };
}

/**
 * The YAML edit an action means for a target, given what git declares now; undefined when it
 * changes nothing. Replica deltas are applied to the declared value read from the snapshot being
 * committed to, so a planner re-run after a lost push race re-applies them to fresh content.
 */
export function editFor(
  target: LoopTarget,
  action: Action,
  declared: DeclaredState,
): ManifestEdit | undefined {
  switch (action.type) {
    case 'hold':
      return undefined;
    case 'replicas': {
      if (action.delta === 0) return undefined;
      if (target.ref.kind === 'deployment-replicas') {
        const current = declared.replicas ?? target.minReplicas;
        const replicas = clamp(current + action.delta, target.minReplicas, target.maxReplicas);
        return replicas === current ? undefined : { kind: 'replicas', replicas };
      }
      if (target.ref.kind === 'hpa-bounds') {
        const currentMin = declared.minReplicas ?? target.minReplicas;
        const minReplicas = clamp(currentMin + action.delta, target.minReplicas, target.maxReplicas);
        // the HPA needs max >= min; raise the ceiling with the floor, never above the hard bound
        const maxReplicas = Math.min(
          Math.max(declared.maxReplicas ?? target.maxReplicas, minReplicas),
          target.maxReplicas,
        );
        return minReplicas === currentMin ? undefined : { kind: 'hpa-bounds', minReplicas, maxReplicas };
      }
      return undefined;
    }
    case 'canary': {
      if (target.ref.kind !== 'flagger-canary') return undefined;
      if (action.verb === 'promote' && action.forced && declared.skipAnalysis !== true) {
        return { kind: 'canary-skip-analysis', skipAnalysis: true };
      }
      if (
        action.verb === 'advance' &&
        action.stepWeight !== undefined &&
        declared.stepWeight !== undefined &&
        action.stepWeight !== declared.stepWeight
      ) {
        return { kind: 'canary-step-weight', stepWeight: action.stepWeight };
      }
      return undefined;
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export function summarize(d: DecisionRecord): string {
  return `${d.target}: ${describeAction(d.final)}`;
}
