import type { ReleaseProfile } from '../service-params';
import type { ServiceSim } from '../service-sim';
import { WindowStats } from '../window-stats';
import type { CanaryTarget } from './canary-controller';

/**
 * Binds the canary controller to a simulated service. The declared template (hash + release
 * profile) is what Flux last applied for the target Deployment; the canary's metrics are measured
 * since the previous analysis tick (the runtime ticks every analysis interval, which is also the
 * usual metric interval).
 *
 * Builtin metrics, as Flagger's: `request-success-rate` = percent of non-5xx canary responses;
 * `request-duration` = canary p99 latency in ms. Any other metric (a MetricTemplate query) has no
 * data in the simulator, which Flagger counts as a failed check.
 */
export class ServiceCanaryTarget implements CanaryTarget {
  private declaredHash: string;
  private declaredProfile: ReleaseProfile;
  private readonly profiles = new Map<string, ReleaseProfile>();
  private readonly window: WindowStats;

  constructor(
    private readonly service: ServiceSim,
    private readonly clock: () => number,
  ) {
    this.declaredHash = service.primary.templateHash;
    this.declaredProfile = service.primary.profile;
    this.profiles.set(this.declaredHash, this.declaredProfile);
    this.window = new WindowStats(service.params.timeoutSeconds);
  }

  /** Flux applied a (possibly new) pod template for the target Deployment. */
  declare(hash: string, profile: ReleaseProfile): void {
    this.declaredHash = hash;
    this.declaredProfile = profile;
    this.profiles.set(hash, profile);
  }

  /** Feed every service step (canary part) into the analysis window. */
  record(): void {
    const last = this.service.last;
    if (last?.canary) this.window.add(last.canary, last.dt);
  }

  templateHash(): string {
    return this.declaredHash;
  }

  startCanary(hash: string): void {
    this.window.reset();
    this.service.startCanary(hash, this.profiles.get(hash) ?? this.declaredProfile, this.clock());
  }

  setWeight(weight: number): void {
    this.service.weight = weight;
  }

  promote(): void {
    this.service.promoteCanaryTemplate();
  }

  primaryReady(): boolean {
    return this.service.primary.rolledOut(this.clock());
  }

  canaryReady(): boolean {
    return this.service.canaryReady(this.clock());
  }

  scaleCanaryToZero(): void {
    this.service.scaleCanaryToZero();
  }

  metric(name: string): number | undefined {
    const w = this.window;
    let v: number | undefined;
    if (name === 'request-success-rate') v = w.successRatePercent();
    else if (name === 'request-duration') {
      const q = w.quantileSeconds(0.99);
      v = q === undefined ? undefined : q * 1000;
    }
    // the window holds the traffic since the previous tick (resetWindow), not `windowSeconds`
    return v;
  }

  /** called by the runtime after every tick so the next tick sees only new traffic */
  resetWindow(): void {
    this.window.reset();
  }
}
