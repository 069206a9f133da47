import type { FaultEvent } from './faults';
import type { Nodes } from './nodes';
import { PodPool, type PoolStep } from './pod-pool';
import type { Rng } from './rng';
import { GOOD_RELEASE, type ReleaseProfile, type ServiceParams } from './service-params';
import { rateAt, type TrafficPattern } from './traffic/patterns';

/** What the service did in one step. Pool steps are overwritten next step: copy what you keep. */
export interface ServiceStep {
  /** end of the step (s since the run started) */
  readonly t: number;
  readonly dt: number;
  /** the pattern's mean rate over the step (1/s), before Poisson noise */
  readonly offeredRps: number;
  readonly primary: PoolStep;
  readonly canary: PoolStep | undefined;
  /** percent of traffic on the canary */
  readonly weight: number;
}

/** Something that adjusts the primary's replicas each step (the simulated HPA). */
export interface ReplicaController {
  sync(now: number, service: ServiceSim): void;
}

/**
 * One service: its traffic, its primary pods and (during a canary run) canary pods, faults. The
 * step is O(pods), with no per-request work.
 *
 * Naming follows Flagger: once a Canary manages the service, the primary Deployment is
 * `<name>-primary` and the canary Deployment is `<name>` (scaled to zero between runs).
 */
export class ServiceSim {
  readonly primary: PodPool;
  canary: PodPool | undefined;
  /** percent of traffic routed to the canary (Flagger's canaryWeight) */
  weight = 0;
  controller: ReplicaController | undefined;
  private faultCursor = 0;
  private latencyUntil = 0;
  private latencyAddedSeconds = 0;
  private lastStep: ServiceStep | undefined;

  constructor(
    readonly params: ServiceParams,
    public pattern: TrafficPattern,
    private readonly nodes: Nodes,
    private readonly rng: Rng,
    private readonly faults: readonly FaultEvent[],
    init: { now: number; templateHash: string; profile?: ReleaseProfile; canaryManaged?: boolean },
  ) {
    const name = init.canaryManaged ? `${params.name}-primary` : params.name;
    this.primary = new PodPool(name, 'primary', params, nodes, rng, {
      desired: params.initialReplicas,
      templateHash: init.templateHash,
      profile: init.profile ?? GOOD_RELEASE,
      now: init.now,
      ready: true,
    });
  }

  get name(): string {
    return this.params.name;
  }

  get last(): ServiceStep | undefined {
    return this.lastStep;
  }

  /** spec.replicas of the primary */
  get specReplicas(): number {
    return this.primary.desired;
  }

  setReplicas(n: number): void {
    this.primary.desired = Math.max(0, Math.round(n));
    if (this.canary && this.canary.desired > 0) this.canary.desired = this.primary.desired;
  }

  /** Flagger scales the canary Deployment up with the new template and starts with weight 0. */
  startCanary(templateHash: string, profile: ReleaseProfile, now: number): void {
    const deployment = this.params.name;
    if (!this.canary) {
      this.canary = new PodPool(deployment, 'canary', this.params, this.nodes, this.rng, {
        desired: 0,
        templateHash,
        profile,
        now,
        ready: false,
      });
    }
    this.canary.setTemplate(templateHash, profile);
    this.canary.desired = Math.max(1, this.primary.desired);
    this.canary.replaceAll(now);
    this.weight = 0;
  }

  /** Promotion: the canary's template is copied to the primary (a rolling update there). */
  promoteCanaryTemplate(): void {
    if (!this.canary) return;
    this.primary.setTemplate(this.canary.templateHash, this.canary.profile);
  }

  /** Rollback / finalisation: all traffic back to the primary, canary scaled to zero. */
  scaleCanaryToZero(): void {
    this.weight = 0;
    if (this.canary) this.canary.desired = 0;
  }

  /** A new template on a service without a Canary: a plain rolling update. */
  rollOut(templateHash: string, profile: ReleaseProfile): void {
    this.primary.setTemplate(templateHash, profile);
  }

  canaryReady(now: number): boolean {
    return !!this.canary && this.canary.desired > 0 && this.canary.readyCount(now) >= this.canary.desired;
  }

  /** Advances the service from now - dt to now. */
  step(now: number, dt: number): ServiceStep {
    this.applyFaults(now);
    if (this.controller) this.controller.sync(now, this);
    this.primary.reconcile(now);
    if (this.canary) this.canary.reconcile(now);

    const offered = rateAt(this.pattern, now - dt / 2);
    const sigma = this.params.arrivalNoiseSigma;
    const mean = offered * dt * (sigma > 0 ? Math.exp(sigma * this.rng.normal() - (sigma * sigma) / 2) : 1);
    const arrivals = this.rng.poisson(mean);
    const extra = now < this.latencyUntil ? this.latencyAddedSeconds : 0;
    let canaryStep: PoolStep | undefined;
    let primaryArrivals = arrivals;
    if (this.canary && (this.weight > 0 || this.canary.podCount() > 0)) {
      const toCanary = Math.round((arrivals * this.weight) / 100);
      primaryArrivals = arrivals - toCanary;
      canaryStep = this.canary.step(now, dt, toCanary, extra);
    }
    const primaryStep = this.primary.step(now, dt, primaryArrivals, extra);
    this.lastStep = {
      t: now,
      dt,
      offeredRps: offered,
      primary: primaryStep,
      canary: canaryStep,
      weight: this.weight,
    };
    return this.lastStep;
  }

  private applyFaults(now: number): void {
    while (this.faultCursor < this.faults.length) {
      const f = this.faults[this.faultCursor] as FaultEvent;
      if (f.at > now) break;
      this.faultCursor++;
      this.inject(f);
    }
  }

  /** Applies a fault now (scheduled ones arrive here too; the runtime's POST /fault as well). */
  inject(f: FaultEvent): void {
    switch (f.kind) {
      case 'pod-kill':
        this.primary.killPods(f.count);
        break;
      case 'node-loss': {
        const n = this.nodes.list[f.node];
        if (n) n.downUntil = Math.max(n.downUntil, f.at + f.durationSeconds);
        break;
      }
      case 'noisy-neighbour': {
        const n = this.nodes.list[f.node];
        if (n) {
          n.slowFactor = f.factor;
          n.slowUntil = f.at + f.durationSeconds;
        }
        break;
      }
      case 'latency-injection':
        this.latencyAddedSeconds = f.addedMs / 1000;
        this.latencyUntil = f.at + f.durationSeconds;
        break;
    }
  }
}
