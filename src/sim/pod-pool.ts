import type { Rng } from './rng';
import type { Nodes } from './nodes';
import { mmcState, responseCcdf, inFlight, type MmcState } from './queueing/mmc';
import type { ReleaseProfile, ServiceParams } from './service-params';

export type Version = 'primary' | 'canary';

interface Pod {
  readonly serial: number;
  readonly node: number;
  readonly readyAt: number;
  readonly templateHash: string;
  readonly profile: ReleaseProfile;
}

/** What one pool (a Deployment's pods) did in one step. Overwritten every step (no allocation). */
export interface PoolStep {
  /** requests routed to this pool */
  arrivals: number;
  /** requests that reached a pod (observed in the latency histogram) */
  served: number;
  ok: number;
  /** app errors (base + release regression) */
  errors500: number;
  /** rejected: no ready pod, or queue beyond the timeout */
  errors503: number;
  /** served but slower than the timeout */
  errors504: number;
  /** response-time distribution of the served requests (capped at the timeout), undefined if none */
  dist: MmcState | undefined;
  readyPods: number;
  /** all existing pods (ready or starting) */
  pods: number;
  /** CPU in use over ready pods as a fraction of their requests (0..1+) */
  cpuUtilization: number;
  cpuCoresUsed: number;
  memoryBytes: number;
}

function emptyStep(): PoolStep {
  return {
    arrivals: 0,
    served: 0,
    ok: 0,
    errors500: 0,
    errors503: 0,
    errors504: 0,
    dist: undefined,
    readyPods: 0,
    pods: 0,
    cpuUtilization: 0,
    cpuCoresUsed: 0,
    memoryBytes: 0,
  };
}

/** Largest utilisation fed into M/M/c; beyond it the fluid backlog carries the overload. */
const RHO_CAP = 0.98;

/**
 * A Deployment's pods: scaling with start-up delay and readiness, rolling updates (maxSurge 25 %,
 * maxUnavailable 0, as Kubernetes' defaults), pod and node failures, and the queueing step.
 */
export class PodPool {
  desired: number;
  templateHash: string;
  profile: ReleaseProfile;
  /** requests queued beyond capacity, carried to the next step */
  backlog = 0;
  readonly last: PoolStep = emptyStep();
  private pods: Pod[] = [];
  private serial = 0;

  constructor(
    public deployment: string,
    readonly version: Version,
    private readonly params: ServiceParams,
    private readonly nodes: Nodes,
    private readonly rng: Rng,
    init: { desired: number; templateHash: string; profile: ReleaseProfile; now: number; ready: boolean },
  ) {
    this.desired = init.desired;
    this.templateHash = init.templateHash;
    this.profile = init.profile;
    for (let i = 0; i < init.desired; i++) this.createPod(init.now, init.ready);
  }

  /** A new pod template: rolling update towards it (a canary pool just swaps, see replaceAll). */
  setTemplate(hash: string, profile: ReleaseProfile): void {
    this.templateHash = hash;
    this.profile = profile;
  }

  /** Replace every pod at once with fresh ones of the current template (canary scale-up). */
  replaceAll(now: number): void {
    this.pods = [];
    this.backlog = 0;
    for (let i = 0; i < this.desired; i++) this.createPod(now, false);
  }

  readyCount(now: number): number {
    let n = 0;
    for (const p of this.pods) if (p.readyAt <= now) n++;
    return n;
  }

  /** every pod runs the current template and is ready, and there are `desired` of them */
  rolledOut(now: number): boolean {
    if (this.pods.length !== this.desired) return false;
    for (const p of this.pods) if (p.templateHash !== this.templateHash || p.readyAt > now) return false;
    return true;
  }

  podCount(): number {
    return this.pods.length;
  }

  /** Names and nodes of the existing pods, for per-pod metrics. */
  podNames(): Array<{ name: string; node: number; ready: (now: number) => boolean }> {
    return this.pods.map((p) => ({
      name: podName(this.deployment, p.templateHash, p.serial),
      node: p.node,
      ready: (now: number) => p.readyAt <= now,
    }));
  }

  /** Kills `count` pods chosen by the RNG (they are recreated by the controller). */
  killPods(count: number): number {
    let killed = 0;
    while (killed < count && this.pods.length > 0) {
      this.pods.splice(this.rng.int(0, this.pods.length - 1), 1);
      killed++;
    }
    return killed;
  }

  /** Deployment controller: drop pods on lost nodes, roll templates, scale to `desired`. */
  reconcile(now: number): void {
    this.pods = this.pods.filter((p) => this.nodes.isUp(p.node, now));
    const current = this.pods.filter((p) => p.templateHash === this.templateHash);
    const outdated = this.pods.length - current.length;
    if (outdated > 0) {
      const surge = Math.max(1, Math.ceil(0.25 * this.desired));
      let cur = current.length;
      while (cur < this.desired && this.pods.length < this.desired + surge) {
        if (!this.createPod(now, false)) break;
        cur++;
      }
      let readyCurrent = 0;
      for (const p of this.pods) if (p.templateHash === this.templateHash && p.readyAt <= now) readyCurrent++;
      let old = outdated;
      while (old > 0 && readyCurrent + this.readyOutdated(now) > this.desired) {
        this.removeOne((p) => p.templateHash !== this.templateHash);
        old--;
      }
      // not-ready outdated pods are useless once enough current pods exist
      while (old > 0 && cur >= this.desired && this.readyOutdated(now) < old) {
        this.removeOne((p) => p.templateHash !== this.templateHash && p.readyAt > now);
        old--;
      }
      return;
    }
    while (this.pods.length < this.desired) if (!this.createPod(now, false)) break;
    while (this.pods.length > this.desired) this.removeOne(() => true, now);
  }

  private readyOutdated(now: number): number {
    let n = 0;
    for (const p of this.pods) if (p.templateHash !== this.templateHash && p.readyAt <= now) n++;
    return n;
  }

  /** Removes one matching pod: not-ready first, then the newest (Kubernetes' ReplicaSet order). */
  private removeOne(match: (p: Pod) => boolean, now = Infinity): void {
    let best = -1;
    for (let i = 0; i < this.pods.length; i++) {
      const p = this.pods[i] as Pod;
      if (!match(p)) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const b = this.pods[best] as Pod;
      const pNotReady = p.readyAt > now;
      const bNotReady = b.readyAt > now;
      if ((pNotReady && !bNotReady) || (pNotReady === bNotReady && p.serial > b.serial)) best = i;
    }
    if (best >= 0) this.pods.splice(best, 1);
  }

  private createPod(now: number, readyNow: boolean): boolean {
    const node = this.nodes.place(now);
    if (node < 0) return false;
    const jitter = this.params.startupJitterSeconds * this.rng.next();
    this.pods.push({
      serial: this.serial++,
      node,
      readyAt: readyNow ? now : now + this.params.startupSeconds + jitter,
      templateHash: this.templateHash,
      profile: this.profile,
    });
    return true;
  }

  /**
   * One queueing step of dt seconds with `arrivals` requests. `extraLatencySeconds` is injected
   * latency (a fault). Fluid backlog: work beyond capacity waits for the next step; work beyond
   * timeout × capacity is rejected (503).
   */
  step(now: number, dt: number, arrivals: number, extraLatencySeconds: number): PoolStep {
    const s = this.last;
    const p = this.params;
    const baseMu = 1000 / p.serviceTimeMs;
    let ready = 0;
    let muSum = 0;
    let errDelta = 0;
    for (const pod of this.pods) {
      if (pod.readyAt > now) continue;
      ready++;
      muSum += (baseMu * this.nodes.speed(pod.node, now)) / pod.profile.latencyMultiplier;
      errDelta += pod.profile.errorRateDelta;
    }
    s.arrivals = arrivals;
    s.readyPods = ready;
    s.pods = this.pods.length;
    s.errors500 = 0;
    s.errors504 = 0;
    if (ready === 0) {
      // nothing can answer: every request is refused at once
      s.served = 0;
      s.ok = 0;
      s.errors503 = arrivals;
      s.dist = undefined;
      s.cpuUtilization = 0;
      s.cpuCoresUsed = 0;
      s.memoryBytes = this.pods.length * p.memoryBaseBytes;
      this.backlog = 0;
      return s;
    }
    const mu = muSum / ready;
    const c = ready * p.workersPerPod;
    const capacity = c * mu;
    const startBacklog = this.backlog;
    const work = arrivals + startBacklog;
    const served = Math.min(work, capacity * dt);
    let backlog = work - served;
    const maxBacklog = capacity * p.timeoutSeconds;
    let dropped = 0;
    if (backlog > maxBacklog) {
      dropped = Math.round(backlog - maxBacklog);
      backlog -= dropped;
    }
    this.backlog = backlog;
    const servedCount = Math.round(served);
    const lambda = Math.min(served / dt, RHO_CAP * capacity);
    const shift = (startBacklog + backlog) / 2 / capacity + extraLatencySeconds;
    const dist = mmcState(c, lambda, mu, shift);
    s.dist = servedCount > 0 ? dist : undefined;
    s.served = servedCount;
    s.errors503 = dropped;
    const timeoutFraction = responseCcdf(dist, p.timeoutSeconds);
    s.errors504 = Math.min(servedCount, Math.round(servedCount * timeoutFraction));
    const errRate = Math.min(1, p.baseErrorRate + errDelta / ready);
    const answered = servedCount - s.errors504;
    s.errors500 = Math.min(answered, this.rng.poisson(answered * errRate));
    s.ok = answered - s.errors500;
    const busy = Math.min(1, served / (capacity * dt));
    s.cpuUtilization = p.cpuIdleFraction + (1 - p.cpuIdleFraction) * busy;
    s.cpuCoresUsed = s.cpuUtilization * p.cpuRequestCores * ready;
    const inflight = inFlight(dist) + backlog;
    s.memoryBytes = this.pods.length * p.memoryBaseBytes + inflight * p.memoryPerInflightBytes;
    return s;
  }
}

/** `web-5f7c9d6b4-x7k2p`-style pod names, deterministic from the template hash and a serial. */
export function podName(deployment: string, templateHash: string, serial: number): string {
  let h = 0x811c9dc5;
  const key = `${templateHash}/${serial}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) + i * 7919;
  }
  return `${deployment}-${templateHash.slice(0, 9)}-${suffix}`;
}
