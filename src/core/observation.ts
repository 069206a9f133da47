import type { Sample } from './sample';
import type { TargetKind } from './target';

/**
 * Service metrics as read from Prometheus. Units are part of the names.
 * cpuUtilization: fraction of the pods' CPU requests in use, averaged over ready pods (0.7 = 70 %).
 * errorRate: fraction of requests answered with 5xx (0..1).
 */
export interface ServiceMetrics {
  readonly cpuUtilization: Sample;
  readonly memoryBytes: Sample;
  /** pods Ready (kube_deployment_status_replicas_available) */
  readonly readyReplicas: Sample;
  /** replicas the cluster is asked for (kube_deployment_spec_replicas) */
  readonly specReplicas: Sample;
  readonly rps: Sample;
  readonly p95LatencyMs: Sample;
  readonly p99LatencyMs: Sample;
  readonly errorRate: Sample;
}

/** Flagger's phases (pkg/apis/flagger/v1beta1 CanaryPhase). */
export type CanaryPhase =
  | 'Initializing'
  | 'Initialized'
  | 'Waiting'
  | 'Progressing'
  | 'WaitingPromotion'
  | 'Promoting'
  | 'Finalising'
  | 'Succeeded'
  | 'Failed'
  | 'Terminating'
  | 'Terminated'
  | 'Unknown';

export interface VersionMetrics {
  readonly rps: Sample;
  readonly p95LatencyMs: Sample;
  readonly p99LatencyMs: Sample;
  readonly errorRate: Sample;
}

export interface CanaryObservation {
  /** flagger_canary_weight: percent of traffic on the canary, 0..100 */
  readonly weight: Sample;
  readonly phase: CanaryPhase;
  /** checksum of the revision under analysis (from the gate webhook payload), if known */
  readonly checksum?: string;
  /** failed checks so far in this run, if known */
  readonly failedChecks?: number;
  readonly canary: VersionMetrics;
  readonly primary: VersionMetrics;
  /**
   * Optional per-metric series over the analysis window, for statistical judges (the `judge`
   * policy's Mann-Whitney test). Keys are VersionMetrics field names (`errorRate`, `p95LatencyMs`,
   * `p99LatencyMs`, `rps`); values are the query_range samples in the field's unit, NaN/Inf already
   * removed. Absent → judges fall back to comparing the point values above.
   */
  readonly samples?: {
    readonly canary: Readonly<Record<string, readonly number[]>>;
    readonly primary: Readonly<Record<string, readonly number[]>>;
  };
  /**
   * Optional per-step request and error counts and p95 per version over the canary's traffic in the
   * analysis window, aligned: index i is the same time step in all six series, and only steps where
   * the canary received requests are kept. The sequential canary evidence (src/core/canary-evidence.ts)
   * reads these; Prometheus gives them as `query_range` of the rps/errorRate/p95 templates with the
   * step as the rate window, the simulator from its analysis windows.
   */
  readonly steps?: CanaryStepSeries;
}

/** Aligned per-step series of one version (see CanaryObservation.steps). */
export interface VersionSteps {
  /** requests in the step */
  readonly requests: readonly number[];
  /** requests answered 5xx in the step */
  readonly errors: readonly number[];
  /** ms; NaN when the step has no latency data */
  readonly p95LatencyMs: readonly number[];
}

export interface CanaryStepSeries {
  /** length of one step (s) */
  readonly stepSeconds: number;
  readonly canary: VersionSteps;
  readonly primary: VersionSteps;
}

/** What git says the target is declared as right now (read from the managed YAML file). */
export interface DeclaredState {
  /** Deployment spec.replicas (deployment-replicas targets) */
  readonly replicas?: number;
  /** HPA bounds (hpa-bounds targets) */
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Canary analysis fields (flagger-canary targets) */
  readonly stepWeight?: number;
  readonly maxWeight?: number;
  readonly skipAnalysis?: boolean;
  /** the commit the declared state was read from (40-hex sha) */
  readonly revision: string;
}

/**
 * Everything the decision sees about one target at one instant: metrics from Prometheus and the
 * declared state from git. `at` is the observation time in ms since epoch (from the injected clock).
 */
export interface Observation {
  readonly target: string;
  readonly kind: TargetKind;
  readonly at: number;
  readonly service: ServiceMetrics;
  readonly canary?: CanaryObservation;
  readonly declared: DeclaredState;
  /** Flux's applied revision `<branch>@sha1:<sha>`, when known; pending-change detection uses it */
  readonly appliedRevision?: string;
}
