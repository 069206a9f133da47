import type { CanaryPhase } from '../../core/observation';
import type { PoolStep } from '../pod-pool';
import { responseCcdf, responseMean } from '../queueing/mmc';
import { renderFamilies, type Family } from './exposition';

/**
 * The series real exporters give, accumulated from simulator steps and rendered on /metrics:
 *
 * kube-state-metrics
 * - kube_deployment_spec_replicas{namespace,deployment}
 * - kube_deployment_status_replicas{namespace,deployment}            (pods existing)
 * - kube_deployment_status_replicas_available{namespace,deployment}  (pods Ready)
 * - kube_pod_container_resource_requests{namespace,pod,container,node,resource="cpu",unit="core"}
 * cAdvisor (kubelet)
 * - container_cpu_usage_seconds_total{namespace,pod,container}       (counter, CPU seconds)
 * - container_memory_working_set_bytes{namespace,pod,container}
 * the application (one series set per Deployment, i.e. per version)
 * - http_requests_total{namespace,app,deployment,version,code}      (code 200, 500, 503, 504)
 * - http_request_duration_seconds_bucket/_sum/_count{namespace,app,deployment,version[,le]}
 * Flagger
 * - flagger_canary_weight{name,namespace}, flagger_canary_status{name,namespace} (0 running, 1 ok,
 *   2 failed), flagger_canary_metric_analysis{name,namespace,metric}
 * Flux (as kube-state-metrics' custom-resource config in the Flux monitoring example exports them)
 * - gotk_resource_info{customresource_kind="Kustomization",customresource_group,exported_namespace,name,ready,revision}
 * - gotk_reconcile_condition{kind="Kustomization",name,namespace,type="Ready",status}
 *
 * The latency histogram is filled from the model's response-time distribution: each step adds
 * served × P(T <= le) to every bucket (the expected count, so the counters are floats), and
 * histogram_quantile() over these buckets reproduces the model's quantiles up to the linear
 * interpolation inside a bucket; the buckets are dense over 5 ms .. 10 s for that reason.
 */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3,
  0.35, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
]);

interface VersionSeries {
  readonly namespace: string;
  readonly app: string;
  readonly deployment: string;
  readonly version: string;
  readonly codes: Map<string, number>;
  readonly buckets: number[];
  count: number;
  sum: number;
}

interface PodSeries {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly node: string;
  cpuSeconds: number;
  memoryBytes: number;
  requestCores: number;
  /** last step the pod existed (pods gone are dropped from the exposition) */
  seenAt: number;
}

export interface DeploymentState {
  readonly namespace: string;
  readonly deployment: string;
  readonly spec: number;
  readonly existing: number;
  readonly available: number;
}

export interface CanaryState {
  readonly name: string;
  readonly namespace: string;
  readonly weight: number;
  readonly phase: CanaryPhase;
  readonly statusValue: number;
  readonly analysis: Readonly<Record<string, number>>;
}

export interface FluxState {
  readonly name: string;
  readonly namespace: string;
  readonly revision: string;
  readonly ready: boolean;
}

export class SimMetrics {
  private readonly versions = new Map<string, VersionSeries>();
  private readonly pods = new Map<string, PodSeries>();
  private deployments: DeploymentState[] = [];
  private canaries: CanaryState[] = [];
  private flux: FluxState[] = [];
  private offered = new Map<string, number>();
  private stepNo = 0;

  /**
   * `counterScale` multiplies every counter increment. A runtime at speed S uses 1/S so that
   * rate() over wall time equals the simulated per-second rates (requests/s, CPU cores) while the
   * simulation runs S times faster; histogram quantiles and ratios do not depend on it.
   */
  constructor(
    private readonly timeoutSeconds = 10,
    private readonly counterScale = 1,
  ) {}

  /** Adds one pool step: requests, latency, and per-pod CPU/memory. */
  addPool(
    pool: { namespace: string; app: string; deployment: string; version: string; cpuRequestCores: number },
    s: PoolStep,
    dt: number,
    pods: ReadonlyArray<{ name: string; node: string; ready: boolean }>,
  ): void {
    const key = `${pool.namespace}/${pool.deployment}`;
    let v = this.versions.get(key);
    if (!v) {
      v = {
        namespace: pool.namespace,
        app: pool.app,
        deployment: pool.deployment,
        version: pool.version,
        codes: new Map([
          ['200', 0],
          ['500', 0],
          ['503', 0],
          ['504', 0],
        ]),
        buckets: LATENCY_BUCKETS.map(() => 0),
        count: 0,
        sum: 0,
      };
      this.versions.set(key, v);
    }
    const k = this.counterScale;
    const add = (code: string, n: number) => v.codes.set(code, (v.codes.get(code) ?? 0) + n * k);
    add('200', s.ok);
    add('500', s.errors500);
    add('503', s.errors503);
    add('504', s.errors504);
    if (s.dist && s.served > 0) {
      const d = s.dist;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        const le = LATENCY_BUCKETS[i] as number;
        const below = le >= this.timeoutSeconds ? 1 : 1 - responseCcdf(d, le);
        v.buckets[i] = (v.buckets[i] as number) + s.served * below * k;
      }
      v.count += s.served * k;
      v.sum += s.served * k * Math.min(responseMean(d), this.timeoutSeconds);
    }
    const ready = pods.filter((p) => p.ready).length;
    const cpuPerReadyPod = ready > 0 ? s.cpuCoresUsed / ready : 0;
    const memPerPod = pods.length > 0 ? s.memoryBytes / pods.length : 0;
    for (const p of pods) {
      const pk = `${pool.namespace}/${p.name}`;
      let ps = this.pods.get(pk);
      if (!ps) {
        ps = {
          namespace: pool.namespace,
          pod: p.name,
          container: pool.app,
          node: p.node,
          cpuSeconds: 0,
          memoryBytes: 0,
          requestCores: pool.cpuRequestCores,
          seenAt: 0,
        };
        this.pods.set(pk, ps);
      }
      ps.cpuSeconds += (p.ready ? cpuPerReadyPod : 0.02 * pool.cpuRequestCores) * dt * k;
      ps.memoryBytes = memPerPod;
      ps.seenAt = this.stepNo;
    }
  }

  /** Call after all pools of a step were added: forgets pods that no longer exist. */
  endStep(): void {
    for (const [k, p] of this.pods) if (p.seenAt !== this.stepNo) this.pods.delete(k);
    this.stepNo++;
  }

  setOffered(service: string, rps: number): void {
    this.offered.set(service, rps);
  }

  setDeployments(d: DeploymentState[]): void {
    this.deployments = d;
  }

  setCanaries(c: CanaryState[]): void {
    this.canaries = c;
  }

  setFlux(f: FluxState[]): void {
    this.flux = f;
  }

  render(): string {
    const versions = [...this.versions.values()].sort((a, b) => (a.deployment < b.deployment ? -1 : 1));
    const pods = [...this.pods.values()].sort((a, b) => (a.pod < b.pod ? -1 : 1));
    const vLabels = (v: VersionSeries) => ({
      namespace: v.namespace,
      app: v.app,
      deployment: v.deployment,
      version: v.version,
    });
    const families: Family[] = [
      {
        name: 'kube_deployment_spec_replicas',
        help: 'Number of desired pods for a deployment.',
        type: 'gauge',
        samples: this.deployments.map((d) => ({
          labels: { namespace: d.namespace, deployment: d.deployment },
          value: d.spec,
        })),
      },
      {
        name: 'kube_deployment_status_replicas',
        help: 'The number of replicas per deployment.',
        type: 'gauge',
        samples: this.deployments.map((d) => ({
          labels: { namespace: d.namespace, deployment: d.deployment },
          value: d.existing,
        })),
      },
      {
        name: 'kube_deployment_status_replicas_available',
        help: 'The number of available replicas per deployment.',
        type: 'gauge',
        samples: this.deployments.map((d) => ({
          labels: { namespace: d.namespace, deployment: d.deployment },
          value: d.available,
        })),
      },
      {
        name: 'kube_pod_container_resource_requests',
        help: 'The number of requested request resource by a container.',
        type: 'gauge',
        samples: pods.map((p) => ({
          labels: {
            namespace: p.namespace,
            pod: p.pod,
            container: p.container,
            node: p.node,
            resource: 'cpu',
            unit: 'core',
          },
          value: p.requestCores,
        })),
      },
      {
        name: 'container_cpu_usage_seconds_total',
        help: 'Cumulative cpu time consumed in seconds.',
        type: 'counter',
        samples: pods.map((p) => ({
          labels: { namespace: p.namespace, pod: p.pod, container: p.container },
          value: p.cpuSeconds,
        })),
      },
      {
        name: 'container_memory_working_set_bytes',
        help: 'Current working set in bytes.',
        type: 'gauge',
        samples: pods.map((p) => ({
          labels: { namespace: p.namespace, pod: p.pod, container: p.container },
          value: Math.round(p.memoryBytes),
        })),
      },
      {
        name: 'http_requests_total',
        help: 'HTTP requests by response code.',
        type: 'counter',
        samples: versions.flatMap((v) =>
          [...v.codes.entries()].map(([code, n]) => ({ labels: { ...vLabels(v), code }, value: n })),
        ),
      },
      {
        name: 'http_request_duration_seconds',
        help: 'HTTP request latency (requests that reached a pod).',
        type: 'histogram',
        samples: versions.flatMap((v) => [
          ...LATENCY_BUCKETS.map((le, i) => ({
            suffix: '_bucket',
            labels: { ...vLabels(v), le: String(le) },
            value: v.buckets[i] as number,
          })),
          { suffix: '_bucket', labels: { ...vLabels(v), le: '+Inf' }, value: v.count },
          { suffix: '_sum', labels: vLabels(v), value: v.sum },
          { suffix: '_count', labels: vLabels(v), value: v.count },
        ]),
      },
      {
        name: 'flagger_canary_weight',
        help: 'The virtual service destination weight current value',
        type: 'gauge',
        samples: this.canaries.map((c) => ({
          labels: { name: c.name, namespace: c.namespace },
          value: c.weight,
        })),
      },
      {
        name: 'flagger_canary_status',
        help: 'Last canary analysis result (0 running, 1 ok, 2 failed)',
        type: 'gauge',
        samples: this.canaries.map((c) => ({
          labels: { name: c.name, namespace: c.namespace },
          value: c.statusValue,
        })),
      },
      {
        name: 'flagger_canary_metric_analysis',
        help: 'Last canary analysis result per metric',
        type: 'gauge',
        samples: this.canaries.flatMap((c) =>
          Object.entries(c.analysis).map(([metric, value]) => ({
            labels: { name: c.name, namespace: c.namespace, metric },
            value,
          })),
        ),
      },
      {
        name: 'gotk_resource_info',
        help: 'The current state of a Flux resource.',
        type: 'gauge',
        samples: this.flux.map((f) => ({
          labels: {
            customresource_group: 'kustomize.toolkit.fluxcd.io',
            customresource_kind: 'Kustomization',
            customresource_version: 'v1',
            exported_namespace: f.namespace,
            name: f.name,
            ready: f.ready ? 'True' : 'False',
            revision: f.revision,
          },
          value: 1,
        })),
      },
      {
        name: 'gotk_reconcile_condition',
        help: 'The current condition status of a GitOps Toolkit resource reconciliation.',
        type: 'gauge',
        samples: this.flux.flatMap((f) =>
          (['True', 'False'] as const).map((status) => ({
            labels: { kind: 'Kustomization', name: f.name, namespace: f.namespace, type: 'Ready', status },
            value: (status === 'True') === f.ready ? 1 : 0,
          })),
        ),
      },
      {
        name: 'maestro_sim_offered_rps',
        help: 'The simulator traffic pattern mean rate per service (ground truth, requests per second).',
        type: 'gauge',
        samples: [...this.offered.entries()]
          .sort()
          .map(([service, rps]) => ({ labels: { service }, value: rps })),
      },
    ];
    return renderFamilies(families);
  }
}
