import type { DecisionRecord } from '../core/decision';
import type { ActionHistory, GuardResult, GuardrailLimits } from '../core/guardrail-types';
import type { Observation } from '../core/observation';
import type { Action } from '../core/action';
import type { Policy } from '../core/policy';
import type { Person, TargetRef } from '../core/ports';

/**
 * The loop's own ports, beyond src/core/ports.ts. The CLI wires them to the manifests editor, the
 * git adapter's history reader and the policy registry (src/cli/wiring).
 */

/** One managed target as the loop needs it (built from the config by the CLI). */
export interface LoopTarget {
  readonly ref: TargetRef;
  /** policy reference as configured, e.g. `onnx:policies/autoscale.onnx` */
  readonly policy: string;
  /** the rule baseline that decides when the policy fails */
  readonly fallback: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly slo: { readonly p95Ms: number; readonly errorRate: number };
  readonly limits: GuardrailLimits;
}

/** The guardrails (src/core/guardrails/guard.ts), injected so tests can see every rule fire. */
export type GuardFn = (
  proposal: Action,
  observation: Observation,
  history: ActionHistory,
  limits: GuardrailLimits,
  nowMs: number,
) => GuardResult;

/** The configured policy and its rule-baseline fallback for a target. */
export interface PolicyPair {
  readonly primary: Policy;
  readonly fallback: Policy;
}
export type PolicyResolver = (target: LoopTarget) => PolicyPair;

/** The fields of the target's YAML the loop reads (DeclaredState without the revision). */
export interface DeclaredFields {
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly stepWeight?: number;
  readonly maxWeight?: number;
  readonly skipAnalysis?: boolean;
  /** the target's pause annotation (a committed human override) */
  readonly paused: boolean;
}

/** A surgical change to one target's YAML. */
export type ManifestEdit =
  | { readonly kind: 'replicas'; readonly replicas: number }
  | { readonly kind: 'hpa-bounds'; readonly minReplicas: number; readonly maxReplicas: number }
  | { readonly kind: 'canary-step-weight'; readonly stepWeight: number }
  | { readonly kind: 'canary-skip-analysis'; readonly skipAnalysis: boolean }
  | { readonly kind: 'paused'; readonly paused: boolean; readonly by: string }
  /** replace the Deployment's spec.template with the one in `fromText` (an earlier version of the file) */
  | { readonly kind: 'pod-template'; readonly fromText: string };

/**
 * Where a canary target's Deployment lives: `deployment.yaml` next to the Canary's file (the layout
 * of gitops-repo-template/). The loop reverts its pod template after a rollback.
 */
export function canaryDeploymentFile(canaryFile: string): string {
  const i = canaryFile.lastIndexOf('/');
  return `${i >= 0 ? canaryFile.slice(0, i + 1) : ''}deployment.yaml`;
}

/** Reads and edits a target's YAML text (src/manifests), keeping comments and layout. */
export interface TargetManifests {
  /** Throws a terminal MaestroError naming the file and field when the YAML is unusable. */
  read(target: TargetRef, text: string): DeclaredFields;
  /** The new text; equal to `text` when the edit changes nothing. */
  apply(target: TargetRef, text: string, edit: ManifestEdit): string;
}

/**
 * The agent's global pause as a file in the config repo (src/manifests/pause-document.ts): a person
 * pausing or resuming all targets is a commit of it, so the pause survives restarts and leader
 * changes. A file that cannot be read reads as paused, with `error` saying what to fix.
 */
export interface PauseDocument {
  /** the file's path in the repo (config `git.pauseFile`) */
  readonly path: string;
  read(text: string | undefined): { readonly paused: boolean; readonly by?: string; readonly error?: string };
  render(p: {
    readonly paused: boolean;
    readonly by: string;
    readonly atMs: number;
    readonly reason?: string;
  }): string;
}

/** One earlier commit the agent (or a person through it) made, read back from git trailers. */
export interface PastCommit {
  readonly sha: string;
  /** commit time, ms since epoch */
  readonly at: number;
  readonly target: string;
  readonly action?: Action;
  readonly decisionId?: string;
  readonly override?: boolean;
  /** the person of an override, `Name <email>` (the `Maestro-Override` trailer) */
  readonly overrideBy?: string;
  /** the raw `Maestro-Action` value (`pause`, `resume`, `replicas 4→6`, …) */
  readonly actionText?: string;
  /** an override's reason, in the person's words */
  readonly reason?: string;
}

/** Rebuilds the loop's memory after a restart. */
export interface HistorySource {
  /** the agent's commits since `sinceMs`, oldest first */
  pastCommits(sinceMs: number): Promise<readonly PastCommit[]>;
}

/** Formats commit messages with the trailers HistorySource parses back (src/core/commit-message.ts). */
export interface CommitMessages {
  forDecisions(decisions: readonly DecisionRecord[]): string;
  forOverride(input: {
    readonly target: string;
    readonly description: string;
    readonly by: Person;
    readonly reason?: string;
    readonly action?: Action;
    /** the `Maestro-Action` value when there is no action: `pause`, `resume`, `reset skipAnalysis` */
    readonly verb?: string;
  }): string;
}
