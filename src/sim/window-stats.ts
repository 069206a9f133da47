import { quantileOf, responseCcdf, type MmcState } from './queueing/mmc';
import type { PoolStep } from './pod-pool';

/**
 * Accumulates pool steps over a window (a minute for reports, an analysis interval for Flagger's
 * checks) and answers the window's figures. The latency quantiles are exact quantiles of the
 * mixture of the steps' response-time distributions, weighted by requests served: the same
 * distribution the /metrics histogram is filled from.
 */
export class WindowStats {
  seconds = 0;
  arrivals = 0;
  served = 0;
  ok = 0;
  errors500 = 0;
  errors503 = 0;
  errors504 = 0;
  /** time-weighted sums */
  private readySeconds = 0;
  private podSeconds = 0;
  private cpuSeconds = 0;
  private memSeconds = 0;
  private readonly parts: Array<{ weight: number; dist: MmcState }> = [];

  constructor(private readonly timeoutSeconds: number) {}

  /**
   * Adds one pool step of dt seconds. Several pools of one service in the same step: pass
   * `sameInterval` = true for all but the first so the window's duration is counted once.
   */
  add(s: PoolStep, dt: number, sameInterval = false): void {
    if (!sameInterval) this.seconds += dt;
    this.arrivals += s.arrivals;
    this.served += s.served;
    this.ok += s.ok;
    this.errors500 += s.errors500;
    this.errors503 += s.errors503;
    this.errors504 += s.errors504;
    this.readySeconds += s.readyPods * dt;
    this.podSeconds += s.pods * dt;
    this.cpuSeconds += s.cpuUtilization * s.readyPods * dt;
    this.memSeconds += s.memoryBytes * dt;
    if (s.dist && s.served > 0) this.parts.push({ weight: s.served, dist: s.dist });
  }

  reset(): void {
    this.seconds = 0;
    this.arrivals = this.served = this.ok = 0;
    this.errors500 = this.errors503 = this.errors504 = 0;
    this.readySeconds = this.podSeconds = this.cpuSeconds = this.memSeconds = 0;
    this.parts.length = 0;
  }

  get errors(): number {
    return this.errors500 + this.errors503 + this.errors504;
  }

  /** requests per second offered to the pool */
  rps(): number {
    return this.seconds > 0 ? this.arrivals / this.seconds : 0;
  }

  /** fraction of requests failed (0..1), undefined without requests */
  errorRate(): number | undefined {
    return this.arrivals > 0 ? this.errors / this.arrivals : undefined;
  }

  /** Flagger's request-success-rate: percent of non-5xx responses, undefined without requests */
  successRatePercent(): number | undefined {
    return this.arrivals > 0 ? (100 * (this.arrivals - this.errors)) / this.arrivals : undefined;
  }

  avgReady(): number {
    return this.seconds > 0 ? this.readySeconds / this.seconds : 0;
  }

  /** pod-seconds of all existing pods (what the cluster pays for) */
  podSecondsTotal(): number {
    return this.podSeconds;
  }

  cpuUtilization(): number | undefined {
    return this.readySeconds > 0 ? this.cpuSeconds / this.readySeconds : undefined;
  }

  memoryBytes(): number | undefined {
    return this.seconds > 0 ? this.memSeconds / this.seconds : undefined;
  }

  /** memory per existing pod (bytes), averaged over the window */
  memoryBytesPerPod(): number | undefined {
    return this.podSeconds > 0 ? this.memSeconds / this.podSeconds : undefined;
  }

  /** P(T > t) of the window's served requests (latency capped at the timeout) */
  ccdf(t: number): number {
    if (t >= this.timeoutSeconds) return 0;
    let total = 0;
    let above = 0;
    for (const p of this.parts) {
      total += p.weight;
      above += p.weight * responseCcdf(p.dist, t);
    }
    return total > 0 ? above / total : 0;
  }

  /** q-quantile of the served requests' latency (s), undefined when nothing was served */
  quantileSeconds(q: number): number | undefined {
    if (this.parts.length === 0) return undefined;
    let minShift = Infinity;
    let scale = 0;
    for (const p of this.parts) {
      minShift = Math.min(minShift, p.dist.shiftSeconds);
      scale = Math.max(scale, 1 / p.dist.mu);
    }
    const t = quantileOf((x) => this.ccdf(x), q, minShift, scale);
    return Math.min(t, this.timeoutSeconds);
  }
}
