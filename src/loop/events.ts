import type { Action } from '../core/action';
import type { PolicyRef } from '../core/decision';
import type { InterventionEffect, GuardrailRule } from '../core/guardrail-types';
import type { CanaryPhase, DeclaredState } from '../core/observation';
import type { TargetKind } from '../core/target';

/**
 * What the control loop tells the outside world. The server turns these into WS messages
 * (src/server/protocol.ts) and Prometheus metrics; the dashboard renders them. Plain JSON values
 * only (no class instances), so they serialise as they are.
 */

/** One observation flattened for charts; `null` is "no data" (never 0). Units in the names. */
export interface ObservationPoint {
  /** ms since epoch */
  readonly at: number;
  readonly readyReplicas: number | null;
  readonly specReplicas: number | null;
  /** what git declares: Deployment replicas or the HPA floor */
  readonly declaredReplicas: number | null;
  readonly rps: number | null;
  readonly p95LatencyMs: number | null;
  readonly errorRate: number | null;
  readonly cpuUtilization: number | null;
  /** percent 0..100, canary targets only */
  readonly canaryWeight: number | null;
  readonly canaryPhase: CanaryPhase | null;
  readonly canaryErrorRate: number | null;
  readonly canaryP95LatencyMs: number | null;
}

export interface InterventionView {
  readonly rule: GuardrailRule;
  readonly effect: InterventionEffect;
  readonly reason: string;
}

/** A DecisionRecord as shown in the decision log. */
export interface DecisionView {
  readonly id: string;
  readonly target: string;
  readonly at: number;
  readonly basedOn: string;
  readonly policy: PolicyRef;
  /** describeAction() of the proposal and of the final action */
  readonly proposed: string;
  readonly final: string;
  readonly finalAction: Action;
  readonly reasons: readonly string[];
  readonly interventions: readonly InterventionView[];
  readonly confidence?: number;
  readonly override?: { readonly by: string };
  /** the commit that carried it, once pushed */
  readonly commit?: { readonly sha: string; readonly url?: string };
  /** decided in shadow mode or while held: published, never pushed */
  readonly pushed: boolean;
}

/** A commit the agent pushed (or a human override it pushed for a person). */
export interface CommitView {
  readonly sha: string;
  readonly parent: string;
  readonly targets: readonly string[];
  readonly subject: string;
  readonly author: string;
  readonly at: number;
  readonly attempts: number;
  readonly durationMs: number;
  readonly decisionIds: readonly string[];
  readonly url?: string;
}

export type TargetState = 'ok' | 'paused' | 'waiting' | 'shadow' | 'error' | 'starting';

export interface TargetView {
  readonly name: string;
  readonly kind: TargetKind;
  readonly namespace: string;
  readonly file: string;
  readonly resource: string;
  readonly policy: string;
  readonly fallback: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly slo: { readonly p95Ms: number; readonly errorRate: number };
  readonly state: TargetState;
  /** why the state is what it is, e.g. "waiting for Flux to apply 1a2b3c4" */
  readonly stateReason?: string;
  readonly paused: boolean;
  readonly pending?: { readonly sha: string; readonly since: number };
  readonly declared?: DeclaredState;
  readonly last?: ObservationPoint;
  readonly lastDecisionId?: string;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
}

export interface AgentStatus {
  readonly startedAt: number;
  readonly cycles: number;
  readonly lastCycleAt?: number;
  readonly lastCycleDurationMs?: number;
  readonly cycleIntervalSeconds: number;
  readonly globallyPaused: boolean;
  readonly shadow: boolean;
  /** the config repo head the last cycle read */
  readonly head?: string;
  /** where people can see the repo, e.g. the embedded git server URL */
  readonly repoUrl?: string;
  readonly metricsSource: string;
}

export type OverrideAction = 'pause' | 'resume' | 'promote' | 'rollback' | 'replicas';

export interface OverrideView {
  readonly target: string;
  readonly action: OverrideAction;
  readonly replicas?: number;
  readonly by: string;
  readonly at: number;
  readonly sha?: string;
  readonly result: string;
  /** why, in the person's words */
  readonly reason?: string;
}

export type LoopEvent =
  | { readonly type: 'observation'; readonly target: string; readonly point: ObservationPoint }
  | { readonly type: 'decision'; readonly decision: DecisionView }
  | { readonly type: 'commit'; readonly commit: CommitView }
  | {
      readonly type: 'guardrail';
      readonly target: string;
      readonly decisionId: string;
      readonly at: number;
      readonly interventions: readonly InterventionView[];
    }
  | { readonly type: 'override'; readonly override: OverrideView }
  | { readonly type: 'target'; readonly target: TargetView }
  | { readonly type: 'status'; readonly status: AgentStatus }
  | {
      readonly type: 'cycle';
      readonly at: number;
      readonly durationMs: number;
      readonly decisions: number;
      readonly committed: boolean;
    }
  | {
      readonly type: 'error';
      readonly at: number;
      readonly target?: string;
      readonly code: string;
      readonly message: string;
    };

/** Where the loop publishes; the agent state store implements it. */
export interface Publisher {
  publish(event: LoopEvent): void;
}
