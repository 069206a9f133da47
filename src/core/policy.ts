import type { PolicyOutput } from './decision';
import type { Observation } from './observation';

/**
 * Context a policy may use beyond the observation. Everything is injected: no clock, no I/O.
 * `nowMs` is the decision time; `state` is the policy's own memory from its previous call
 * (e.g. the HPA's scale-down stabilisation window), owned by the caller and passed back in.
 */
export interface PolicyContext {
  readonly nowMs: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly sloP95Ms: number;
  readonly sloErrorRate: number;
  readonly state?: unknown;
}

/** One interface for every policy: rule baselines and models alike. */
export interface Policy {
  readonly name: string;
  decide(observation: Observation, context: PolicyContext): PolicyOutput | Promise<PolicyOutput>;
}
