import { createServer, type Server } from 'node:http';
import type { MetricsReading, MetricsSource, TargetRef } from '../../src/core/ports';
import { value } from '../../src/core/sample';
import { renderFamilies, type Family } from '../../src/sim/metrics/exposition';

/**
 * The cluster the loop benchmark drives: N Deployments whose figures are held steady so every
 * decision of the `hpa` baseline is a scale-up (CPU at `cpuUtilization` of requests whatever the
 * replica count, i.e. demand that keeps pace with the scaling), and whose spec/ready replicas and
 * Flux revision follow the agent's commits at once (`apply`): an instant Flux. It serves the same
 * series names real exporters give (kube-state-metrics, cAdvisor, the app's HTTP histogram, Flux's
 * gotk_resource_info; see src/adapters/prometheus/queries.ts) for a real Prometheus to scrape, and
 * the same figures in-process as a MetricsSource for runs where Prometheus is left out.
 *
 * Counters grow with wall time, accumulated on each scrape. One pod series per Deployment carries
 * the CPU usage and requests (the default queries only use their sums and ratio).
 */
export interface SyntheticService {
  readonly namespace: string;
  readonly name: string;
  replicas: number;
  /** fraction of CPU requests in use (0.95 = 95 %) */
  readonly cpuUtilization: number;
  readonly rps: number;
  /** every request takes this long (s); the histogram puts it in the first bucket >= it */
  readonly latencySeconds: number;
}

/** Histogram buckets (s), those of the simulator's http_request_duration_seconds up to 1 s. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const REQUEST_CORES = 0.25;
const MEMORY_BYTES = 48 * 2 ** 20;

interface Counters {
  cpuSeconds: number;
  requests: number;
}

export class SyntheticCluster {
  private readonly services = new Map<string, SyntheticService>();
  private readonly counters = new Map<string, Counters>();
  private revision = '';
  /** bumped by every change, exposed as `bench_cluster_generation` so a reader can wait for a scrape */
  generation = 0;
  private lastRenderMs: number;

  constructor(
    services: readonly SyntheticService[],
    private readonly now: () => number = Date.now,
  ) {
    for (const s of services) {
      this.services.set(s.name, { ...s });
      this.counters.set(s.name, { cpuSeconds: 0, requests: 0 });
    }
    this.lastRenderMs = now();
  }

  /** What Flux + the Deployment controller would do after the agent's commit: replicas and revision. */
  apply(replicasByName: ReadonlyMap<string, number>, revision: string): void {
    for (const [name, replicas] of replicasByName) {
      const s = this.services.get(name);
      if (s) s.replicas = replicas;
    }
    this.revision = revision;
    this.generation++;
  }

  replicasOf(name: string): number | undefined {
    return this.services.get(name)?.replicas;
  }

  setRevision(revision: string): void {
    this.revision = revision;
    this.generation++;
  }

  /** Prometheus text exposition; counters advance by the wall time since the last call. */
  render(): string {
    const now = this.now();
    const dt = Math.max(0, (now - this.lastRenderMs) / 1000);
    this.lastRenderMs = now;
    const f = (
      name: string,
      type: Family['type'],
      help: string,
    ): Family & { samples: Family['samples'][number][] } => ({
      name,
      type,
      help,
      samples: [],
    });
    const spec = f('kube_deployment_spec_replicas', 'gauge', 'desired replicas');
    const available = f('kube_deployment_status_replicas_available', 'gauge', 'available replicas');
    const requests = f('kube_pod_container_resource_requests', 'gauge', 'requested resources');
    const cpu = f('container_cpu_usage_seconds_total', 'counter', 'CPU seconds');
    const memory = f('container_memory_working_set_bytes', 'gauge', 'working set');
    const http = f('http_requests_total', 'counter', 'HTTP requests');
    const hist = f('http_request_duration_seconds', 'histogram', 'request duration');
    for (const s of this.services.values()) {
      const c = this.counters.get(s.name)!;
      // requests do not follow the replica count: usage / requests stays at cpuUtilization even right
      // after a scale-up (a rate() window spanning the change would otherwise dip below it)
      const cores = REQUEST_CORES;
      c.cpuSeconds += s.cpuUtilization * cores * dt;
      c.requests += s.rps * dt;
      const dep = { namespace: s.namespace, deployment: s.name };
      const pod = { namespace: s.namespace, pod: `${s.name}-6f7d9c-bench`, container: s.name };
      spec.samples.push({ labels: dep, value: s.replicas });
      available.samples.push({ labels: dep, value: s.replicas });
      requests.samples.push({ labels: { ...pod, resource: 'cpu', unit: 'core' }, value: cores });
      cpu.samples.push({ labels: pod, value: c.cpuSeconds });
      memory.samples.push({ labels: pod, value: MEMORY_BYTES });
      const app = { namespace: s.namespace, app: s.name, deployment: s.name, version: 'primary' };
      http.samples.push({ labels: { ...app, code: '200' }, value: c.requests });
      // an explicit zero: without a 5xx series the error-rate query has no data
      http.samples.push({ labels: { ...app, code: '500' }, value: 0 });
      for (const le of BUCKETS) {
        hist.samples.push({
          suffix: '_bucket',
          labels: { ...app, le: String(le) },
          value: le >= s.latencySeconds ? c.requests : 0,
        });
      }
      hist.samples.push({ suffix: '_bucket', labels: { ...app, le: '+Inf' }, value: c.requests });
      hist.samples.push({ suffix: '_sum', labels: app, value: c.requests * s.latencySeconds });
      hist.samples.push({ suffix: '_count', labels: app, value: c.requests });
    }
    const flux = f('gotk_resource_info', 'gauge', 'Flux Kustomization');
    if (this.revision) {
      flux.samples.push({
        labels: {
          customresource_kind: 'Kustomization',
          customresource_group: 'kustomize.toolkit.fluxcd.io',
          exported_namespace: 'flux-system',
          name: 'apps',
          ready: 'True',
          revision: `main@sha1:${this.revision}`,
        },
        value: 1,
      });
    }
    const gen = f('bench_cluster_generation', 'gauge', 'changes applied to the synthetic cluster');
    gen.samples.push({ labels: {}, value: this.generation });
    return renderFamilies([spec, available, requests, cpu, memory, http, hist, flux, gen]);
  }

  /** Serves /metrics on 127.0.0.1, port 0. */
  async serve(): Promise<{ readonly hostPort: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.render());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return {
      hostPort: `127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  /** The same figures in-process (no Prometheus): the "direct" metrics source rows. */
  directSource(): MetricsSource {
    return {
      read: async (target: TargetRef, nowMs: number): Promise<MetricsReading> => {
        const s = this.services.get(target.resourceName);
        if (!s) throw new Error(`synthetic cluster has no Deployment ${target.resourceName}`);
        return {
          service: {
            cpuUtilization: value(s.cpuUtilization, nowMs),
            memoryBytes: value(MEMORY_BYTES, nowMs),
            readyReplicas: value(s.replicas, nowMs),
            specReplicas: value(s.replicas, nowMs),
            rps: value(s.rps, nowMs),
            p95LatencyMs: value(s.latencySeconds * 1000, nowMs),
            p99LatencyMs: value(s.latencySeconds * 1000, nowMs),
            errorRate: value(0, nowMs),
          },
          ...(this.revision ? { appliedRevision: `main@sha1:${this.revision}` } : {}),
        };
      },
    };
  }
}
