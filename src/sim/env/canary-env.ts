import type { CanaryVerb } from '../../core/action';
import type {
  CanaryObservation,
  CanaryPhase,
  CanaryStepSeries,
  Observation,
  VersionMetrics,
} from '../../core/observation';
import { noData, value, type Sample } from '../../core/sample';
import { CanaryController, type WebhookCaller } from '../flagger/canary-controller';
import { parseCanary } from '../flagger/canary-spec';
import { ServiceCanaryTarget } from '../flagger/service-canary-target';
import { Nodes } from '../nodes';
import {
  canaryReward,
  DEFAULT_CANARY_WEIGHTS,
  type CanaryOutcome,
  type CanaryRewardWeights,
} from '../reward';
import { createRng, type Rng } from '../rng';
import { isBadRelease, serviceParams, type ReleaseProfile, type ServiceParams } from '../service-params';
import { ServiceSim } from '../service-sim';
import type { TrafficPattern } from '../traffic/patterns';
import { WindowStats } from '../window-stats';
import type { StepResult } from './autoscale-env';

/**
 * Gym-like canary env: one episode = one release analysed by the Flagger-like controller, one step
 * = one analysis interval (default 60 s of simulated traffic, then one controller tick).
 *
 * Action: an index into CANARY_ACTIONS = [advance, hold, promote, rollback]: the agent's answer
 * at Flagger's gates for this tick (as the agent's gate endpoint answers in production):
 * - advance: confirm-traffic-increase open; confirm-promotion closed; rollback closed;
 * - hold: every gate closed (weight stays, no failed check);
 * - promote: confirm-traffic-increase and confirm-promotion open (promotion once at maxWeight);
 * - rollback: the rollback webhook answers 200 (Flagger rolls back this tick).
 * Flagger's own metric checks and threshold run as usual, so a bad release can also fail alone.
 *
 * Releases are drawn per episode: good with probability 1 − badProbability; bad ones regress
 * errors (+0.2 %..+10 %) or latency (×1.1..×3), the small ones marked subtle.
 * Reward: src/sim/reward.ts `canaryReward`. terminated when promoted (phase Promoting) or rolled
 * back (Failed); truncated after maxSteps.
 */
export const CANARY_ACTIONS: readonly CanaryVerb[] = Object.freeze([
  'advance',
  'hold',
  'promote',
  'rollback',
]);

export interface VersionObs {
  readonly rps: number;
  /** NaN without traffic */
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface CanaryObs {
  readonly t: number;
  readonly weight: number;
  readonly phase: CanaryPhase;
  readonly failedChecks: number;
  readonly canary: VersionObs;
  readonly primary: VersionObs;
}

export interface CanaryInfo {
  readonly release: ReleaseProfile;
  readonly releaseIsBad: boolean;
  readonly outcome: CanaryOutcome;
  readonly events: readonly string[];
}

export interface CanaryEnvOptions {
  readonly traffic?: TrafficPattern;
  readonly service?: Partial<ServiceParams>;
  readonly replicas?: number;
  readonly badProbability?: number;
  /** draw the release yourself (e.g. a fixed evaluation set) */
  readonly release?: (rng: Rng) => ReleaseProfile;
  readonly intervalSeconds?: number;
  readonly stepWeight?: number;
  readonly maxWeight?: number;
  readonly threshold?: number;
  readonly maxSteps?: number;
  readonly weights?: CanaryRewardWeights;
  readonly epochMs?: number;
  /** how far back the observation's per-step series reach (s); default 600, as the Prometheus reads */
  readonly stepWindowSeconds?: number;
  /**
   * spacing of the judge's `samples` points (s); default 30, the Prometheus source's query_range
   * step (capped at the interval)
   */
  readonly sampleStepSeconds?: number;
}

/** One `samples` point of both versions: the readings of one sample step. */
interface SamplePoint {
  readonly canary: Readonly<Record<'errorRate' | 'p95LatencyMs' | 'p99LatencyMs', number>>;
  readonly primary: Readonly<Record<'errorRate' | 'p95LatencyMs' | 'p99LatencyMs', number>>;
}

/** One analysis interval of one version: what CanaryObservation.steps holds per step. */
interface StepCounts {
  readonly requests: number;
  readonly errors: number;
  /** ms, NaN without served requests */
  readonly p95Ms: number;
}

/** The default release distribution (documented above). */
export function drawRelease(rng: Rng, badProbability: number): ReleaseProfile {
  if (rng.next() >= badProbability) return { errorRateDelta: 0, latencyMultiplier: 1 };
  if (rng.next() < 0.5) {
    const delta = 0.002 + 0.098 * rng.next() ** 2;
    return { errorRateDelta: delta, latencyMultiplier: 1, ...(delta < 0.01 ? { subtle: true } : {}) };
  }
  const mult = 1.1 + 1.9 * rng.next() ** 2;
  return { errorRateDelta: 0, latencyMultiplier: mult, ...(mult < 1.4 ? { subtle: true } : {}) };
}

export class CanaryEnv {
  readonly actions = CANARY_ACTIONS;
  private service: ServiceSim | undefined;
  private controller: CanaryController | undefined;
  private target: ServiceCanaryTarget | undefined;
  private release: ReleaseProfile = { errorRateDelta: 0, latencyMultiplier: 1 };
  private verb: CanaryVerb = 'hold';
  private t = 0;
  private steps = 0;
  private lastObs: CanaryObs | undefined;
  private readonly canaryWin: WindowStats;
  private readonly primaryWin: WindowStats;
  /** per-interval counts of both versions, intervals with canary traffic only (oldest first) */
  private history: Array<{ readonly canary: StepCounts; readonly primary: StepCounts }> = [];
  /** the judge's sample points (query_range-like), oldest first */
  private points: SamplePoint[] = [];
  private readonly canaryPointWin: WindowStats;
  private readonly primaryPointWin: WindowStats;

  constructor(private readonly o: CanaryEnvOptions = {}) {
    const timeout = serviceParams(o.service).timeoutSeconds;
    this.canaryWin = new WindowStats(timeout);
    this.primaryWin = new WindowStats(timeout);
    this.canaryPointWin = new WindowStats(timeout);
    this.primaryPointWin = new WindowStats(timeout);
  }

  private get sampleStep(): number {
    return Math.max(1, Math.min(this.interval, this.o.sampleStepSeconds ?? 30));
  }

  private get interval(): number {
    return this.o.intervalSeconds ?? 60;
  }

  async reset(opts: { seed: number | string }): Promise<{ obs: CanaryObs; info: CanaryInfo }> {
    const rng = createRng(opts.seed);
    const releaseRng = rng.fork();
    this.release = this.o.release
      ? this.o.release(releaseRng)
      : drawRelease(releaseRng, this.o.badProbability ?? 0.5);
    const params = serviceParams({ ...this.o.service, name: 'web', initialReplicas: this.o.replicas ?? 6 });
    this.t = 0;
    this.steps = 0;
    this.history = [];
    this.points = [];
    this.canaryPointWin.reset();
    this.primaryPointWin.reset();
    const service = new ServiceSim(
      params,
      this.o.traffic ?? { kind: 'steady', rps: 300 },
      new Nodes(3),
      rng,
      [],
      {
        now: 0,
        templateHash: 'stable',
        canaryManaged: true,
      },
    );
    const target = new ServiceCanaryTarget(service, () => this.t);
    const spec = parseCanary(
      {
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          targetRef: { name: 'web' },
          analysis: {
            interval: `${this.interval}s`,
            threshold: this.o.threshold ?? 5,
            maxWeight: this.o.maxWeight ?? 50,
            stepWeight: this.o.stepWeight ?? 10,
            metrics: [
              { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
              { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
            ],
            webhooks: [
              { name: 'traffic', type: 'confirm-traffic-increase', url: 'sim://gate/traffic' },
              { name: 'promotion', type: 'confirm-promotion', url: 'sim://gate/promotion' },
              { name: 'rollback', type: 'rollback', url: 'sim://gate/rollback' },
            ],
          },
        },
      },
      'canary-env',
    );
    const gate: WebhookCaller = async (url) => ({ status: this.gateOpen(url) ? 200 : 403 });
    this.service = service;
    this.target = target;
    this.controller = new CanaryController(spec, target, gate);
    await this.controller.tick(0);
    target.declare('release', this.release);
    this.verb = 'hold';
    await this.controller.tick(0);
    await this.simulate();
    return { obs: this.observe(), info: this.info('running') };
  }

  private gateOpen(url: string): boolean {
    const v = this.verb;
    if (url.endsWith('/rollback')) return v === 'rollback';
    if (url.endsWith('/traffic')) return v === 'advance' || v === 'promote';
    if (url.endsWith('/promotion')) return v === 'promote';
    return false;
  }

  /** one interval of traffic, windows filled */
  private async simulate(): Promise<void> {
    const s = this.service!;
    this.canaryWin.reset();
    this.primaryWin.reset();
    for (let i = 0; i < this.interval; i++) {
      this.t += 1;
      const r = s.step(this.t, 1);
      this.target!.record();
      this.primaryWin.add(r.primary, 1);
      if (r.canary) this.canaryWin.add(r.canary, 1);
      this.primaryPointWin.add(r.primary, 1);
      if (r.canary) this.canaryPointWin.add(r.canary, 1);
      if (this.primaryPointWin.seconds >= this.sampleStep) this.flushPoint();
    }
    if (this.canaryWin.arrivals > 0) {
      const counts = (w: WindowStats): StepCounts => {
        const q = w.quantileSeconds(0.95);
        return { requests: w.arrivals, errors: w.errors, p95Ms: q === undefined ? NaN : q * 1000 };
      };
      this.history.push({ canary: counts(this.canaryWin), primary: counts(this.primaryWin) });
      const keep = Math.max(1, Math.floor((this.o.stepWindowSeconds ?? 600) / this.interval));
      if (this.history.length > keep) this.history.splice(0, this.history.length - keep);
    }
  }

  /** Closes one sample step: its readings become a `samples` point (NaN where there is no data). */
  private flushPoint(): void {
    const read = (w: WindowStats) => {
      const q = (x: number) => {
        const v = w.quantileSeconds(x);
        return v === undefined ? NaN : v * 1000;
      };
      return { errorRate: w.errorRate() ?? NaN, p95LatencyMs: q(0.95), p99LatencyMs: q(0.99) };
    };
    this.points.push({ canary: read(this.canaryPointWin), primary: read(this.primaryPointWin) });
    const keep = Math.max(1, Math.floor((this.o.stepWindowSeconds ?? 600) / this.sampleStep));
    if (this.points.length > keep) this.points.splice(0, this.points.length - keep);
    this.canaryPointWin.reset();
    this.primaryPointWin.reset();
  }

  /** The judge's per-metric series over the window, NaN removed (as the Prometheus source gives them). */
  private samples(): NonNullable<CanaryObservation['samples']> {
    const side = (k: 'canary' | 'primary') => {
      const out: Record<string, number[]> = {};
      for (const m of ['errorRate', 'p95LatencyMs', 'p99LatencyMs'] as const) {
        out[m] = this.points.map((p) => p[k][m]).filter((v) => Number.isFinite(v));
      }
      return out;
    };
    return { canary: side('canary'), primary: side('primary') };
  }

  /** The per-step series of the analysis window, as CanaryObservation.steps. */
  private stepSeries(): CanaryStepSeries {
    const side = (k: 'canary' | 'primary') => ({
      requests: this.history.map((h) => h[k].requests),
      errors: this.history.map((h) => h[k].errors),
      p95LatencyMs: this.history.map((h) => h[k].p95Ms),
    });
    return { stepSeconds: this.interval, canary: side('canary'), primary: side('primary') };
  }

  async step(action: number): Promise<StepResult<CanaryObs, CanaryInfo>> {
    const c = this.controller;
    if (!c) throw new Error('CanaryEnv.step() before reset()');
    const verb = CANARY_ACTIONS[action];
    if (verb === undefined)
      throw new RangeError(`action ${action} is not an index into [${CANARY_ACTIONS.join(', ')}]`);
    this.verb = verb;
    const weightDuring = c.status.canaryWeight;
    const canaryErr = this.canaryWin.errorRate() ?? 0;
    await c.tick(this.t);
    this.target!.resetWindow();
    this.steps++;
    const phase = c.status.phase;
    const outcome: CanaryOutcome =
      phase === 'Promoting' || phase === 'Finalising' || phase === 'Succeeded'
        ? 'promoted'
        : phase === 'Failed'
          ? 'rolled-back'
          : 'running';
    if (outcome === 'running') await this.simulate();
    const truncated = outcome === 'running' && this.steps >= (this.o.maxSteps ?? 30);
    const reward = canaryReward(
      {
        canaryErrorRate: canaryErr,
        weight: weightDuring,
        outcome,
        releaseIsBad: isBadRelease(this.release),
        undecided: truncated,
      },
      this.o.weights ?? DEFAULT_CANARY_WEIGHTS,
    );
    return {
      obs: this.observe(),
      reward,
      terminated: outcome !== 'running',
      truncated,
      info: this.info(outcome),
    };
  }

  private info(outcome: CanaryOutcome): CanaryInfo {
    return {
      release: this.release,
      releaseIsBad: isBadRelease(this.release),
      outcome,
      events: (this.controller?.events ?? []).slice(-5).map((e) => e.message),
    };
  }

  private observe(): CanaryObs {
    const v = (w: WindowStats): VersionObs => {
      const q = (x: number) => {
        const s = w.quantileSeconds(x);
        return s === undefined ? NaN : s * 1000;
      };
      return { rps: w.rps(), errorRate: w.errorRate() ?? NaN, p95Ms: q(0.95), p99Ms: q(0.99) };
    };
    const st = this.controller!.status;
    const obs: CanaryObs = {
      t: this.t,
      weight: st.canaryWeight,
      phase: st.phase,
      failedChecks: st.failedChecks,
      canary: v(this.canaryWin),
      primary: v(this.primaryWin),
    };
    this.lastObs = obs;
    return obs;
  }

  /** The last observation as the core Observation of a flagger-canary target. */
  toCoreObservation(): Observation {
    const o = this.lastObs;
    if (!o || !this.controller || !this.service)
      throw new Error('CanaryEnv.toCoreObservation() before reset()');
    const at = (this.o.epochMs ?? Date.UTC(2025, 0, 1)) + o.t * 1000;
    const s = (x: number): Sample =>
      Number.isNaN(x) ? noData('missing', 'no traffic in the interval') : value(x, at);
    const vm = (x: VersionObs): VersionMetrics => ({
      rps: s(x.rps),
      p95LatencyMs: s(x.p95Ms),
      p99LatencyMs: s(x.p99Ms),
      errorRate: s(x.errorRate),
    });
    const p = this.service.last?.primary;
    const spec = this.controller.spec.analysis;
    return {
      target: 'web',
      kind: 'flagger-canary',
      at,
      service: {
        cpuUtilization: s(p && p.readyPods > 0 ? p.cpuUtilization : NaN),
        memoryBytes: s(p ? p.memoryBytes : NaN),
        readyReplicas: s(p ? p.readyPods : NaN),
        specReplicas: s(this.service.specReplicas),
        rps: s(o.primary.rps + o.canary.rps),
        p95LatencyMs: s(o.primary.p95Ms),
        p99LatencyMs: s(o.primary.p99Ms),
        errorRate: s(o.primary.errorRate),
      },
      canary: {
        weight: value(o.weight, at),
        phase: o.phase,
        checksum: this.controller.status.lastAppliedSpec,
        failedChecks: o.failedChecks,
        canary: vm(o.canary),
        primary: vm(o.primary),
        samples: this.samples(),
        steps: this.stepSeries(),
      },
      declared: {
        ...(spec.stepWeight !== undefined ? { stepWeight: spec.stepWeight } : {}),
        ...(spec.maxWeight !== undefined ? { maxWeight: spec.maxWeight } : {}),
        skipAnalysis: this.controller.spec.skipAnalysis,
        revision: '0'.repeat(40),
      },
    };
  }
}
