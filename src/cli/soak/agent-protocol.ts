import type { MetricsReading, TargetRef } from '../../core/ports';
import type { KillPoint, KillScope } from './fault-schedule';
import type { MetricsFault } from './faulty-metrics';

/**
 * The messages between `maestro soak` and its agent processes (agent-process.ts), over Node's IPC
 * channel with the `advanced` serialization (structured clone: NaN and undefined survive). The soak
 * drives each agent one cycle at a time in virtual time; the agent keeps no state the soak gives it
 * beyond the virtual "now" — everything else it rebuilds from git and the metrics after a restart.
 */

/** How the agent process reads metrics. */
export type AgentMetricsWiring =
  /** the real Prometheus adapter at `url`; `offsetMs` maps the agent's virtual clock to Prometheus time */
  | {
      readonly kind: 'prometheus';
      readonly url: string;
      readonly offsetMs: number;
      readonly timeoutMs: number;
    }
  /** no Prometheus: every read is answered by the soak from the simulator (the direct source) */
  | { readonly kind: 'soak' };

export interface AgentInit {
  readonly type: 'init';
  /** replica identity, lease holder name and commit author (`<name>@soak.local`) */
  readonly name: string;
  /** the replica's disk: its local git copy survives a kill */
  readonly dir: string;
  readonly repoUrl: string;
  readonly leaseMs: number;
  readonly nowMs: number;
  readonly metrics: AgentMetricsWiring;
}

export interface ArmedKill {
  readonly point: Exclude<KillPoint, 'idle'>;
  readonly scope: KillScope;
}

/** soak → agent */
export type ToAgent =
  | AgentInit
  /** run one cycle (lease tick, then the loop when leader) at virtual `nowMs` */
  | {
      readonly type: 'tick';
      readonly seq: number;
      readonly nowMs: number;
      readonly armed: readonly ArmedKill[];
      /**
       * a metrics fault the agent applies to its own Prometheus readings this cycle (only `nan`:
       * see run-soak.ts for why a real Prometheus does not make it); `none` otherwise
       */
      readonly metricsFault: MetricsFault;
    }
  | { readonly type: 'reading'; readonly id: number; readonly reading: MetricsReading };

/** agent → soak */
export type FromAgent =
  | { readonly type: 'ready' }
  | {
      readonly type: 'ticked';
      readonly seq: number;
      readonly role: 'leader' | 'follower' | 'error';
      /** fence refusals since the process started */
      readonly fenceRefusals: number;
      /** an exception out of the cycle: counted as a crash */
      readonly error?: string;
    }
  /**
   * the agent reached an armed kill point: it waits there (or, for `during-push`, goes on pushing)
   * until the soak SIGKILLs it
   */
  | { readonly type: 'at'; readonly seq: number; readonly point: KillPoint; readonly scope: KillScope }
  /** `summary`: target, final action, policy and reasons, for the report's details */
  | { readonly type: 'decision'; readonly id: string; readonly atMs: number; readonly summary: string }
  | { readonly type: 'read'; readonly id: number; readonly target: TargetRef; readonly nowMs: number };
