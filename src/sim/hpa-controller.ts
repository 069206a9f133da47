import {
  calculateReplicas,
  EMPTY_HPA_STATE,
  HPA_SYNC_PERIOD_SECONDS,
  hpaStep,
  type HpaBehavior,
  type HpaControllerState,
  type HpaPod,
} from '../core/policies/hpa';
import type { ReplicaController, ServiceSim } from './service-sim';

/** An autoscaling/v2 HPA on CPU utilisation, as the simulator applies it. */
export interface SimHpaSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** target average CPU utilisation in percent of requests (metrics[].resource.target.averageUtilization) */
  readonly targetCpuUtilizationPercent: number;
  readonly behavior?: HpaBehavior;
}

/**
 * The simulated Kubernetes HPA controller. The decision is the core HPA reproduction
 * (src/core/policies/hpa: `calculateReplicas` per metric, then `hpaStep` for stabilisation and rate
 * limits); this class only feeds it the pods' CPU every sync period (15 s) and writes the result to
 * the primary's spec.replicas. CPU usage per pod is the average over the sync period, as
 * metrics-server reports a windowed average.
 */
export class SimHpa implements ReplicaController {
  private state: HpaControllerState = EMPTY_HPA_STATE;
  private nextSyncAt: number | undefined;
  private cpuSum = 0;
  private cpuSeconds = 0;
  /** last sync's explanation (for reports and the dashboard) */
  lastReason = '';

  constructor(
    public spec: SimHpaSpec,
    /** ms since epoch at simulated time 0 (the core functions work in epoch ms) */
    private readonly epochMs = 0,
  ) {}

  sync(now: number, service: ServiceSim): void {
    const last = service.last;
    if (last) {
      this.cpuSum += last.primary.cpuUtilization * last.dt;
      this.cpuSeconds += last.dt;
    }
    if (this.nextSyncAt === undefined) this.nextSyncAt = now + HPA_SYNC_PERIOD_SECONDS;
    if (now < this.nextSyncAt) return;
    this.nextSyncAt +=
      HPA_SYNC_PERIOD_SECONDS *
      Math.max(1, Math.floor((now - this.nextSyncAt) / HPA_SYNC_PERIOD_SECONDS) + 1);
    const util = this.cpuSeconds > 0 ? this.cpuSum / this.cpuSeconds : 0;
    this.cpuSum = 0;
    this.cpuSeconds = 0;
    const requestMilli = Math.round(service.params.cpuRequestCores * 1000);
    const pods: HpaPod[] = service.primary.podNames().map((p) => {
      const ready = p.ready(now);
      return {
        name: p.name,
        phase: 'Running',
        ready,
        deleting: false,
        hasMetric: ready,
        usage: ready ? Math.round(util * requestMilli) : 0,
        request: requestMilli,
      };
    });
    const current = service.specReplicas;
    const calc = calculateReplicas({
      currentReplicas: current,
      target: { type: 'Utilization', averageUtilization: this.spec.targetCpuUtilizationPercent },
      pods,
    });
    const nowMs = this.epochMs + now * 1000;
    const r = hpaStep(
      this.state,
      {
        currentReplicas: current,
        minReplicas: this.spec.minReplicas,
        maxReplicas: this.spec.maxReplicas,
        metricDesiredReplicas: calc.replicas,
        ...(this.spec.behavior ? { behavior: this.spec.behavior } : {}),
      },
      nowMs,
    );
    this.state = r.state;
    this.lastReason = r.reason;
    if (r.rescale) service.setReplicas(r.desired);
  }
}
