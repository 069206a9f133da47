import { isNoop, type Action } from '../core/action';
import type { Policy } from '../core/policy';
import { AutoscaleEnv, type AutoscaleInfo, type AutoscaleObs } from '../sim/env/autoscale-env';
import { getScenario, type Scenario } from '../sim/scenarios';
import { serviceParams, type ServiceParams } from '../sim/service-params';
import type { TrafficPattern } from '../sim/traffic/patterns';
import { oracleReplicas } from './oracle';

/**
 * Runs autoscaling policies on the same traffic in virtual time (the simulator's AutoscaleEnv, one
 * decision per 15 s step, the HPA's sync period) and measures each:
 *
 * - pod-minutes: Σ pods existing in a step × step length / 60 (pods starting up cost too);
 * - SLO-violation minutes: Σ length of the steps whose p95 > SLO or error rate > the SLO's error
 *   rate (1 %), or that served nothing, / 60;
 * - p95 / p99 latency: the 95th / 99th percentile over the steps of each step's p95 / p99;
 * - scale actions: steps whose applied replica change ≠ 0;
 * - commits: the commits the agent would have pushed deciding this way — one per cycle that changes
 *   spec.replicas (the loop batches a cycle's change into one commit), so equal to scale actions.
 *
 * Every policy sees the same seed, so arrival noise and faults are identical across policies.
 */
export interface BacktestOptions {
  readonly pattern: TrafficPattern;
  /** simulated seconds to run */
  readonly durationSeconds: number;
  readonly seed: number;
  readonly sloP95Ms: number;
  readonly sloErrorRate: number;
  readonly service: Partial<ServiceParams>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly stepSeconds?: number;
  /** fault rates from a scenario (default none) */
  readonly scenario?: Scenario;
}

export interface PolicySummary {
  readonly policy: string;
  readonly podMinutes: number;
  readonly sloViolationMinutes: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly scaleActions: number;
  readonly commits: number;
  /** decisions where a model policy's fallback decided */
  readonly fallbacks: number;
}

export interface PolicySeries {
  readonly policy: string;
  readonly replicas: number[];
  readonly ready: number[];
  readonly p95Ms: number[];
}

export interface BacktestResult {
  readonly summary: PolicySummary;
  readonly series: PolicySeries;
  /** seconds since start, per step */
  readonly t: number[];
  readonly demandRps: number[];
}

/** `oracle` or a core Policy. */
export type BacktestPolicy =
  { readonly kind: 'oracle' } | { readonly kind: 'policy'; readonly policy: Policy };

function quantile(xs: readonly number[], q: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)]!;
}

function deltaOf(a: Action): number {
  return a.type === 'replicas' && !isNoop(a) ? a.delta : 0;
}

export async function backtest(p: BacktestPolicy, o: BacktestOptions): Promise<BacktestResult> {
  const dt = o.stepSeconds ?? 15;
  const steps = Math.max(1, Math.floor(o.durationSeconds / dt));
  const env = new AutoscaleEnv({
    scenario: { ...(o.scenario ?? getScenario('steady')), pattern: o.pattern },
    service: o.service,
    stepSeconds: dt,
    maxSteps: steps,
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    sloP95Ms: o.sloP95Ms,
    sloErrorRate: o.sloErrorRate,
  });
  const service = serviceParams({ ...o.scenario?.service, ...o.service });
  let { obs, info } = env.reset({ seed: o.seed }) as { obs: AutoscaleObs; info: AutoscaleInfo };
  const name = p.kind === 'oracle' ? 'oracle' : p.policy.name;
  const t: number[] = [];
  const demand: number[] = [];
  const replicas: number[] = [];
  const ready: number[] = [];
  const p95: number[] = [];
  const p99: number[] = [];
  let podSeconds = 0;
  let violationSeconds = 0;
  let scaleActions = 0;
  let fallbacks = 0;
  let state: unknown;
  for (let i = 0; i < steps; i++) {
    let delta: number;
    if (p.kind === 'oracle') {
      delta =
        oracleReplicas(
          {
            pattern: o.pattern,
            service,
            sloP95Ms: o.sloP95Ms,
            stepSeconds: dt,
            minReplicas: o.minReplicas,
            maxReplicas: o.maxReplicas,
          },
          obs.t,
        ) - obs.specReplicas;
    } else {
      const out = await p.policy.decide(env.toCoreObservation(), {
        nowMs: env.toCoreObservation().at,
        minReplicas: o.minReplicas,
        maxReplicas: o.maxReplicas,
        sloP95Ms: o.sloP95Ms,
        sloErrorRate: o.sloErrorRate,
        state,
      });
      state = out.state;
      if (out.ref?.fallback) fallbacks++;
      delta = deltaOf(out.action);
    }
    const r = env.stepDelta(delta);
    obs = r.obs;
    info = r.info;
    if (info.applied !== 0) scaleActions++;
    podSeconds += info.podSeconds;
    if (info.sloViolated) violationSeconds += dt;
    t.push(obs.t);
    demand.push(info.offeredRps);
    replicas.push(obs.specReplicas);
    ready.push(obs.readyReplicas);
    p95.push(obs.p95Ms);
    p99.push(obs.p99Ms);
  }
  return {
    summary: {
      policy: name,
      podMinutes: podSeconds / 60,
      sloViolationMinutes: violationSeconds / 60,
      p95Ms: quantile(p95, 0.95),
      p99Ms: quantile(p99, 0.99),
      scaleActions,
      commits: scaleActions,
      fallbacks,
    },
    series: { policy: name, replicas, ready, p95Ms: p95 },
    t,
    demandRps: demand,
  };
}
