import type { CanaryObservation, ServiceMetrics } from './observation';
import type { TargetKind } from './target';

/**
 * Ports: the interfaces adapters implement and the loop talks to. Nothing here does I/O itself.
 */

/** Injected time. Real time in production and the demo; virtual time in training and tests. */
export interface Clock {
  /** ms since epoch */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The identity of a managed object, enough to find it in Prometheus and in the config repo. */
export interface TargetRef {
  readonly name: string;
  readonly kind: TargetKind;
  /** path of the YAML file in the config repo, relative to the repo root */
  readonly file: string;
  readonly namespace: string;
  /** metadata.name of the Deployment / HPA / Canary */
  readonly resourceName: string;
}

/** What Prometheus tells about one target (no-data values inside, never thrown). */
export interface MetricsReading {
  readonly service: ServiceMetrics;
  readonly canary?: CanaryObservation;
  readonly appliedRevision?: string;
}

export interface MetricsSource {
  /** Reads the target's metrics. Unreachable Prometheus yields no-data samples, not an exception. */
  read(target: TargetRef, nowMs: number): Promise<MetricsReading>;
}

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** A read-only view of the config repo at one commit. */
export interface RepoSnapshot {
  /** 40-hex commit sha */
  readonly head: string;
  /** file content, or undefined when the file does not exist at this commit */
  readFile(path: string): Promise<string | undefined>;
}

export interface PlannedCommit {
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
  /** full message: subject, body, trailers */
  readonly message: string;
  /** the person for human overrides; the agent otherwise. The committer is always the agent. */
  readonly author?: Person;
}

/**
 * Computes the commit from a fresh snapshot. Called again after every lost push race with the new
 * head, so edits are re-applied to fresh content and guardrails re-checked against it — never a
 * stale delta replayed. Returns null when there is nothing to commit (no diff, or guardrails now
 * say hold).
 */
export type CommitPlanner = (snapshot: RepoSnapshot, attempt: number) => Promise<PlannedCommit | null>;

export type CommitOutcome =
  | {
      readonly kind: 'committed';
      readonly sha: string;
      readonly parent: string;
      /** push attempts, 1 when the first push landed */
      readonly attempts: number;
      readonly durationMs: number;
      /** in pull-request mode: the PR URL */
      readonly pullRequestUrl?: string;
    }
  | {
      readonly kind: 'no-change';
      readonly head: string;
      readonly attempts: number;
      /** in pull-request mode, when the change already sits on its PR branch: the PR URL */
      readonly pullRequestUrl?: string;
    };

/**
 * Pull-request mode (`git.pushMode: pull-request`): the commit is pushed to its own branch and a
 * pull request is opened against the followed branch, or updated when it is already open.
 */
export interface PullRequestRequest {
  /** the branch holding the change, e.g. `maestro/web/<decision id>` */
  readonly head: string;
  /** the branch Flux follows */
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

export interface PullRequestInfo {
  readonly number: number;
  readonly url: string;
  /** false when an open PR for the branch existed and was updated */
  readonly created: boolean;
}

export interface PullRequests {
  openOrUpdate(request: PullRequestRequest): Promise<PullRequestInfo>;
}

export interface ConfigRepo {
  /** Fetches the branch and returns its head. */
  snapshot(): Promise<RepoSnapshot>;
  /** Plans, commits and pushes with retry on lost races. Never force-pushes. */
  commit(planner: CommitPlanner): Promise<CommitOutcome>;
}

/**
 * Runs a policy model (an ONNX session in production, src/adapters/onnx). Core never constructs
 * one: the CLI injects it, so the decision logic around it (src/core/policies/onnx-fallback.ts)
 * stays pure and testable.
 */
export interface ModelRunner {
  /** model input width (features per row) */
  readonly inputLength: number;
  /** number of discrete actions */
  readonly actionCount: number;
  /** sha256 of the model file (hex) */
  readonly modelHash: string;
  /**
   * Runs `batch` rows of `inputLength` features. `probs` is batch × actionCount action probabilities
   * (softmax applied by the runner when the model outputs logits; one-hot when it outputs actions).
   */
  run(features: Float32Array, batch: number): Promise<{ readonly probs: Float32Array }>;
}
