import type { HpaBehavior } from '../core/policies/hpa';
import { MaestroError } from '../core/errors';
import {
  CanaryController,
  statusMetricValue,
  type CanaryEvent,
  type WebhookCaller,
} from './flagger/canary-controller';
import { parseCanary, type CanarySpec } from './flagger/canary-spec';
import { ServiceCanaryTarget } from './flagger/service-canary-target';
import type { K8sObject } from './flux/kustomization-files';
import { faultSchedule, type FaultEvent, type FaultRates } from './faults';
import { SimHpa, type SimHpaSpec } from './hpa-controller';
import { SimMetrics, type DeploymentState } from './metrics/sim-metrics';
import { Nodes } from './nodes';
import type { PodPool } from './pod-pool';
import { releaseProfileFor } from './release-profile';
import type { Rng } from './rng';
import { serviceParams, type ReleaseProfile, type ServiceParams } from './service-params';
import { ServiceSim } from './service-sim';
import { templateHash } from './template-hash';
import type { TrafficPattern } from './traffic/patterns';
import { WindowStats } from './window-stats';

/**
 * The simulated cluster the Flux-like reconciler applies to: Deployments (one ServiceSim each),
 * HPAs (SimHpa on the Deployment's primary), Flagger Canaries (CanaryController per Canary).
 * Traffic per service comes from `traffic` (by Deployment name, else `defaultTraffic`); release
 * behaviour from the pod template (release-profile.ts).
 */
export interface ClusterOptions {
  readonly rng: Rng;
  readonly nodes?: number;
  readonly traffic: Readonly<Record<string, TrafficPattern>>;
  readonly defaultTraffic: TrafficPattern;
  readonly service?: Partial<ServiceParams>;
  readonly releaseProfiles: Readonly<Record<string, ReleaseProfile>>;
  readonly callWebhook: WebhookCaller;
  /** epoch ms at simulated time 0 (HPA timestamps) */
  readonly epochMs: number;
  /** collect /metrics series (real-time mode); default true */
  readonly metrics?: boolean;
  /** seeded fault schedule per service (drawn over `faultHorizonSeconds`, default 7 days) */
  readonly faults?: FaultRates;
  readonly faultHorizonSeconds?: number;
  /** counters advance by simulated increments × counterScale (see SimMetrics); default 1 */
  readonly counterScale?: number;
}

interface DeploymentSpec {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number | undefined;
  readonly hash: string;
  readonly profile: ReleaseProfile;
  readonly cpuRequestCores: number | undefined;
  readonly image: string | undefined;
}

interface CanaryEntry {
  controller: CanaryController;
  readonly target: ServiceCanaryTarget;
  nextTickAt: number;
}

export interface ClusterState {
  readonly t: number;
  readonly services: ReadonlyArray<{
    readonly name: string;
    readonly namespace: string;
    readonly specReplicas: number;
    readonly readyReplicas: number;
    readonly offeredRps: number;
    readonly weight: number;
    readonly hpa?: SimHpaSpec;
    /** the simulator's own figures over the last whole minute (all versions together) */
    readonly lastMinute?: MinuteFigures;
    /** the same per version (primary pods, canary pods); canary rps 0 and nulls without a canary */
    readonly lastMinuteByVersion?: { readonly primary: MinuteFigures; readonly canary: MinuteFigures };
  }>;
  readonly canaries: ReadonlyArray<{
    readonly name: string;
    readonly namespace: string;
    readonly phase: string;
    readonly weight: number;
    readonly failedChecks: number;
    readonly checksum: string;
    readonly events: readonly CanaryEvent[];
  }>;
}

export interface MinuteFigures {
  /** virtual time the minute ended (s) */
  readonly endedAt: number;
  readonly rps: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly errorRate: number | null;
  readonly cpuUtilization: number | null;
  /** working-set bytes per existing pod, averaged over the minute */
  readonly memoryBytesPerPod: number | null;
}

function minuteFigures(w: WindowStats, endedAt: number): MinuteFigures {
  const q = (x: number) => {
    const v = w.quantileSeconds(x);
    return v === undefined ? null : v * 1000;
  };
  return {
    endedAt,
    rps: w.rps(),
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    p99Ms: q(0.99),
    errorRate: w.errorRate() ?? null,
    cpuUtilization: w.cpuUtilization() ?? null,
    memoryBytesPerPod: w.memoryBytesPerPod() ?? null,
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kubernetes CPU quantity → cores: "500m" → 0.5, "2" → 2. */
export function cpuCores(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}

export class SimCluster {
  readonly nodes: Nodes;
  readonly services = new Map<string, ServiceSim>();
  readonly canaries = new Map<string, CanaryEntry>();
  readonly metrics: SimMetrics | undefined;
  now = 0;
  private readonly minutes = new Map<
    string,
    {
      window: WindowStats;
      primary: WindowStats;
      canary: WindowStats;
      startedAt: number;
      last?: MinuteFigures;
      lastByVersion?: { primary: MinuteFigures; canary: MinuteFigures };
    }
  >();

  constructor(private readonly o: ClusterOptions) {
    this.nodes = new Nodes(o.nodes ?? 3);
    this.metrics =
      o.metrics === false
        ? undefined
        : new SimMetrics(serviceParams(o.service).timeoutSeconds, o.counterScale ?? 1);
  }

  /**
   * Applies one Kustomization's objects. Everything is validated first: one invalid object fails
   * the whole apply (as Flux's server-side dry run does) and nothing changes.
   */
  async apply(objects: readonly K8sObject[]): Promise<void> {
    const deployments: DeploymentSpec[] = [];
    const hpas: Array<{ target: string; spec: SimHpaSpec }> = [];
    const canaries: CanarySpec[] = [];
    for (const obj of objects) {
      if (obj.kind === 'Deployment') deployments.push(this.parseDeployment(obj));
      else if (obj.kind === 'HorizontalPodAutoscaler') hpas.push(parseHpa(obj));
      else if (obj.kind === 'Canary') canaries.push(parseCanary(obj, obj.__file));
    }
    const canaryTargets = new Set(canaries.map((c) => c.targetName));
    const hpaTargets = new Set(hpas.map((h) => h.target));
    for (const d of deployments) {
      let s = this.services.get(d.name);
      const managed = canaryTargets.has(d.name);
      if (!s) {
        const replicas = d.replicas ?? hpas.find((h) => h.target === d.name)?.spec.minReplicas ?? 1;
        const serviceRng = this.o.rng.fork();
        const faults = this.o.faults
          ? faultSchedule(
              this.o.faults,
              this.o.faultHorizonSeconds ?? 7 * 86400,
              this.nodes.list.length,
              serviceRng.fork(),
            )
          : [];
        s = new ServiceSim(
          serviceParams({
            ...this.o.service,
            name: d.name,
            namespace: d.namespace,
            initialReplicas: replicas,
            ...(d.cpuRequestCores !== undefined ? { cpuRequestCores: d.cpuRequestCores } : {}),
          }),
          this.o.traffic[d.name] ?? this.o.defaultTraffic,
          this.nodes,
          serviceRng,
          faults.filter((f) => f.at > this.now),
          { now: this.now, templateHash: d.hash, profile: d.profile, canaryManaged: managed },
        );
        this.services.set(d.name, s);
      } else {
        if (managed) {
          s.primary.deployment = `${d.name}-primary`;
          const entry = this.canaries.get(d.name);
          if (entry) entry.target.declare(d.hash, d.profile);
          else s.rollOut(d.hash, d.profile);
        } else if (d.hash !== s.primary.templateHash) s.rollOut(d.hash, d.profile);
        if (!hpaTargets.has(d.name) && d.replicas !== undefined) s.setReplicas(d.replicas);
      }
      if (!hpaTargets.has(d.name)) s.controller = undefined;
    }
    for (const h of hpas) {
      const s = this.services.get(h.target);
      if (!s) continue;
      if (s.controller instanceof SimHpa) s.controller.spec = h.spec;
      else s.controller = new SimHpa(h.spec, this.o.epochMs);
    }
    for (const c of canaries) {
      const s = this.services.get(c.targetName);
      if (!s) {
        throw new MaestroError(
          'MANIFEST_TARGET_NOT_FOUND',
          `Canary ${c.name}: targetRef Deployment ${c.targetName} is not in the applied files`,
          {
            data: { field: 'spec.targetRef.name' },
          },
        );
      }
      const entry = this.canaries.get(c.targetName);
      if (entry) entry.controller.spec = c;
      else {
        const target = new ServiceCanaryTarget(s, () => this.now);
        const controller = new CanaryController(c, target, this.o.callWebhook);
        this.canaries.set(c.targetName, { controller, target, nextTickAt: this.now });
      }
    }
  }

  private parseDeployment(obj: K8sObject): DeploymentSpec {
    const file = obj.__file;
    const bad = (field: string, message: string): never => {
      throw new MaestroError(
        'MANIFEST_SCHEMA_INVALID',
        `${file}: Deployment ${obj.metadata?.name ?? '?'} ${field}: ${message}`,
        {
          data: { file, field },
        },
      );
    };
    const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : bad('metadata.name', 'missing');
    const spec = isObj(obj.spec) ? obj.spec : bad('spec', 'missing');
    const replicas = spec.replicas;
    if (
      replicas !== undefined &&
      (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    ) {
      bad('spec.replicas', 'must be an integer >= 0');
    }
    const template = isObj(spec.template) ? spec.template : bad('spec.template', 'missing');
    const tspec = isObj(template.spec) ? template.spec : bad('spec.template.spec', 'missing');
    const containers = Array.isArray(tspec.containers)
      ? tspec.containers
      : bad('spec.template.spec.containers', 'missing');
    const first = isObj(containers[0]) ? containers[0] : bad('spec.template.spec.containers[0]', 'missing');
    const image = typeof first.image === 'string' ? first.image : undefined;
    const resources =
      isObj(first.resources) && isObj(first.resources.requests) ? first.resources.requests : {};
    const meta = isObj(template.metadata) ? template.metadata : {};
    const annotations = isObj(meta.annotations)
      ? Object.fromEntries(Object.entries(meta.annotations).map(([k, v]) => [k, String(v)]))
      : {};
    return {
      name,
      namespace: typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : 'default',
      replicas: replicas as number | undefined,
      hash: templateHash(template),
      profile: releaseProfileFor(image, annotations, this.o.releaseProfiles),
      cpuRequestCores: cpuCores(resources.cpu),
      image,
    };
  }

  /**
   * Injects a fault into a service now (times in the event are ignored: `at` becomes now). Returns
   * false when there is no such service.
   */
  injectFault(service: string, fault: FaultEvent): boolean {
    const s = this.services.get(service);
    if (!s) return false;
    s.inject({ ...fault, at: this.now });
    return true;
  }

  /** Advances every service by dt to `now` and records metrics. */
  step(now: number, dt: number): void {
    this.now = now;
    const m = this.metrics;
    for (const s of this.services.values()) {
      const r = s.step(now, dt);
      this.canaries.get(s.name)?.target.record();
      this.recordMinute(s, now, dt);
      if (!m) continue;
      m.setOffered(s.name, r.offeredRps);
      this.addPool(m, s, s.primary, r.primary, dt, now);
      if (s.canary && r.canary) this.addPool(m, s, s.canary, r.canary, dt, now);
    }
    if (m) {
      m.endStep();
      m.setDeployments(this.deploymentStates(now));
    }
  }

  private recordMinute(s: ServiceSim, now: number, dt: number): void {
    let e = this.minutes.get(s.name);
    if (!e) {
      const timeout = s.params.timeoutSeconds;
      e = {
        window: new WindowStats(timeout),
        primary: new WindowStats(timeout),
        canary: new WindowStats(timeout),
        startedAt: now - dt,
      };
      this.minutes.set(s.name, e);
    }
    const r = s.last;
    if (!r) return;
    e.window.add(r.primary, dt);
    e.primary.add(r.primary, dt);
    if (r.canary) {
      e.window.add(r.canary, dt, true);
      e.canary.add(r.canary, dt);
    } else e.canary.seconds += dt;
    if (now - e.startedAt >= 60 - 1e-9) {
      e.last = minuteFigures(e.window, now);
      e.lastByVersion = { primary: minuteFigures(e.primary, now), canary: minuteFigures(e.canary, now) };
      e.window.reset();
      e.primary.reset();
      e.canary.reset();
      e.startedAt = now;
    }
  }

  private addPool(
    m: SimMetrics,
    s: ServiceSim,
    pool: PodPool,
    step: Parameters<SimMetrics['addPool']>[1],
    dt: number,
    now: number,
  ): void {
    m.addPool(
      {
        namespace: s.params.namespace,
        app: s.name,
        deployment: pool.deployment,
        version: pool.version,
        cpuRequestCores: s.params.cpuRequestCores,
      },
      step,
      dt,
      pool
        .podNames()
        .map((p) => ({ name: p.name, node: this.nodes.list[p.node]?.name ?? 'node', ready: p.ready(now) })),
    );
  }

  private deploymentStates(now: number): DeploymentState[] {
    const out: DeploymentState[] = [];
    for (const s of this.services.values()) {
      for (const pool of [s.primary, s.canary]) {
        if (!pool) continue;
        out.push({
          namespace: s.params.namespace,
          deployment: pool.deployment,
          spec: pool.desired,
          existing: pool.podCount(),
          available: pool.readyCount(now),
        });
      }
    }
    return out.sort((a, b) => (a.deployment < b.deployment ? -1 : 1));
  }

  /** Runs the canary ticks that are due (each Canary every analysis.interval). */
  async tickCanaries(now: number): Promise<void> {
    for (const c of this.canaries.values()) {
      if (now < c.nextTickAt) continue;
      c.nextTickAt = now + c.controller.spec.analysis.intervalSeconds;
      await c.controller.tick(now);
      c.target.resetWindow();
    }
    this.metrics?.setCanaries(
      [...this.canaries.values()].map((c) => ({
        name: c.controller.spec.name,
        namespace: c.controller.spec.namespace,
        weight: c.controller.status.canaryWeight,
        phase: c.controller.status.phase,
        statusValue: statusMetricValue(c.controller.status.phase),
        analysis: { ...c.controller.lastMetricValues },
      })),
    );
  }

  state(): ClusterState {
    return {
      t: this.now,
      services: [...this.services.values()].map((s) => ({
        name: s.name,
        namespace: s.params.namespace,
        specReplicas: s.specReplicas,
        readyReplicas: s.primary.readyCount(this.now) + (s.canary?.readyCount(this.now) ?? 0),
        offeredRps: s.last?.offeredRps ?? 0,
        weight: s.weight,
        ...(s.controller instanceof SimHpa ? { hpa: s.controller.spec } : {}),
        ...(this.minutes.get(s.name)?.last ? { lastMinute: this.minutes.get(s.name)?.last } : {}),
        ...(this.minutes.get(s.name)?.lastByVersion
          ? { lastMinuteByVersion: this.minutes.get(s.name)?.lastByVersion }
          : {}),
      })),
      canaries: [...this.canaries.values()].map((c) => ({
        name: c.controller.spec.name,
        namespace: c.controller.spec.namespace,
        phase: c.controller.status.phase,
        weight: c.controller.status.canaryWeight,
        failedChecks: c.controller.status.failedChecks,
        checksum: c.controller.status.lastAppliedSpec,
        events: c.controller.events.slice(-20),
      })),
    };
  }
}

function parseHpa(obj: K8sObject): { target: string; spec: SimHpaSpec } {
  const file = obj.__file;
  const bad = (field: string, message: string): never => {
    throw new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${file}: HorizontalPodAutoscaler ${obj.metadata?.name ?? '?'} ${field}: ${message}`,
      {
        data: { file, field },
      },
    );
  };
  const spec = isObj(obj.spec) ? obj.spec : bad('spec', 'missing');
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : bad('spec.scaleTargetRef', 'missing');
  const target = typeof ref.name === 'string' ? ref.name : bad('spec.scaleTargetRef.name', 'missing');
  const min = spec.minReplicas ?? 1;
  const max = spec.maxReplicas;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 1)
    bad('spec.minReplicas', 'must be an integer >= 1');
  if (typeof max !== 'number' || !Number.isInteger(max) || max < (min as number))
    bad('spec.maxReplicas', 'must be an integer >= minReplicas');
  let pct = 80; // autoscaling/v2 default when no metric is given
  for (const m of Array.isArray(spec.metrics) ? spec.metrics : []) {
    if (isObj(m) && isObj(m.resource) && m.resource.name === 'cpu' && isObj(m.resource.target)) {
      const u = m.resource.target.averageUtilization;
      if (typeof u === 'number') pct = u;
    }
  }
  const behavior = isObj(spec.behavior) ? (spec.behavior as HpaBehavior) : undefined;
  return {
    target,
    spec: {
      minReplicas: min as number,
      maxReplicas: max as number,
      targetCpuUtilizationPercent: pct,
      ...(behavior ? { behavior } : {}),
    },
  };
}
