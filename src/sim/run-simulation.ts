import { MaestroError } from '../core/errors';
import { CanaryController, type WebhookCaller } from './flagger/canary-controller';
import { parseCanary, type CanarySpec } from './flagger/canary-spec';
import { ServiceCanaryTarget } from './flagger/service-canary-target';
import { faultSchedule } from './faults';
import { SimHpa } from './hpa-controller';
import { Nodes } from './nodes';
import { releaseProfileFor } from './release-profile';
import { createRng } from './rng';
import type { Scenario } from './scenarios';
import { podCapacityRps, serviceParams } from './service-params';
import { ServiceSim, type ReplicaController } from './service-sim';
import { templateHash } from './template-hash';
import { rateAt, type TrafficPattern } from './traffic/patterns';
import { WindowStats } from './window-stats';

/**
 * A whole run in virtual time (no HTTP, no sleeping): one service, its autoscaling policy, the
 * scenario's faults and releases (through the Flagger-like controller with open gates), reported
 * per minute and in total. Pure apart from CPU: same options → same report, byte for byte.
 */
export interface SimRunOptions {
  readonly scenario: Scenario;
  /** replaces the scenario's traffic (e.g. a replayed trace) */
  readonly pattern?: TrafficPattern;
  readonly durationSeconds: number;
  readonly seed: number | string;
  /** `hpa` (CPU 70 %), `hpa:<percent>`, or `static` (replicas stay at initialReplicas) */
  readonly policy: string;
  /** a replica controller to use instead of `policy` (other policies, e.g. from src/eval) */
  readonly controller?: ReplicaController;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly initialReplicas?: number;
  /** SLO used for the violation minutes: p95 (ms) and error rate */
  readonly sloP95Ms?: number;
  readonly sloErrorRate?: number;
  /** model step (s); default 1 */
  readonly stepSeconds?: number;
  readonly nodes?: number;
}

export interface MinuteRow {
  readonly minute: number;
  readonly rps: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly errorRate: number;
  readonly errors: number;
  readonly specReplicas: number;
  readonly readyReplicas: number;
  readonly podMinutes: number;
  readonly cpuUtilization: number | null;
  readonly sloViolated: boolean;
  readonly canaryWeight: number;
  readonly canaryPhase: string | null;
}

export interface SimReport {
  readonly scenario: string;
  readonly seed: number | string;
  readonly policy: string;
  readonly durationSeconds: number;
  readonly slo: { readonly p95Ms: number; readonly errorRate: number };
  readonly totals: {
    readonly requests: number;
    readonly errors: number;
    readonly errorRate: number;
    readonly podMinutes: number;
    readonly sloViolationMinutes: number;
    readonly p95Ms: number | null;
    readonly p99Ms: number | null;
    readonly maxMinuteP95Ms: number | null;
    readonly meanReplicas: number;
    readonly maxReplicas: number;
    readonly scaleChanges: number;
  };
  readonly canaryEvents: ReadonlyArray<{ readonly atSeconds: number; readonly message: string }>;
  readonly minutes: readonly MinuteRow[];
}

/** Canary analysis used for scenario releases in virtual-time runs. */
export const DEFAULT_SIM_CANARY = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    analysis: {
      interval: '1m',
      threshold: 5,
      maxWeight: 50,
      stepWeight: 10,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
      ],
    },
  },
} as const;

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const ms = (s: number | undefined) => (s === undefined ? null : r3(s * 1000));

export function controllerForPolicy(policy: string, min: number, max: number): ReplicaController | undefined {
  if (policy === 'static') return undefined;
  const m = /^hpa(?::(\d{1,3}))?$/.exec(policy);
  if (!m) {
    throw new MaestroError(
      'INPUT_INVALID',
      `unknown policy "${policy}" for sim run; use hpa, hpa:<percent> or static`,
      {
        data: { field: 'policy', value: policy },
      },
    );
  }
  const pct = m[1] !== undefined ? Number(m[1]) : 70;
  if (!(pct > 0 && pct <= 100)) {
    throw new MaestroError('INPUT_INVALID', `hpa target ${pct} % must be in 1..100`, {
      data: { field: 'policy' },
    });
  }
  return new SimHpa({ minReplicas: min, maxReplicas: max, targetCpuUtilizationPercent: pct });
}

export async function runSimulation(o: SimRunOptions): Promise<SimReport> {
  if (!(o.durationSeconds > 0)) {
    throw new MaestroError('INPUT_INVALID', `duration must be > 0 s (got ${o.durationSeconds})`, {
      data: { field: 'duration' },
    });
  }
  const dt = o.stepSeconds ?? 1;
  const min = o.minReplicas ?? 2;
  const max = o.maxReplicas ?? 30;
  const slo = { p95Ms: o.sloP95Ms ?? 250, errorRate: o.sloErrorRate ?? 0.01 };
  const rng = createRng(o.seed);
  const faultRng = rng.fork();
  const pattern = o.pattern ?? o.scenario.pattern;
  const sized = serviceParams(o.scenario.service);
  // start right-sized for the opening load (60 % busy) unless told otherwise
  const opening = Math.ceil(rateAt(pattern, 0) / (0.6 * podCapacityRps(sized)));
  const initialReplicas =
    o.initialReplicas ?? o.scenario.service?.initialReplicas ?? Math.min(max, Math.max(min, opening, 1));
  const params = serviceParams({ ...o.scenario.service, initialReplicas });
  const nodes = new Nodes(o.nodes ?? 3);
  const faults = faultSchedule(o.scenario.faults, o.durationSeconds, nodes.list.length, faultRng);
  const releases = [...o.scenario.releases].sort((a, b) => a.atSeconds - b.atSeconds);
  const firstImage = 'ghcr.io/maestro-demo/web:1.0.0';
  const hashOf = (image: string) => templateHash({ containers: [{ name: 'web', image }] });
  const service = new ServiceSim(params, pattern, nodes, rng, faults, {
    now: 0,
    templateHash: hashOf(firstImage),
    profile: releaseProfileFor(firstImage, {}, o.scenario.releaseProfiles),
    canaryManaged: releases.length > 0,
  });
  service.controller = o.controller ?? controllerForPolicy(o.policy, min, max);

  let now = 0;
  let canary: { controller: CanaryController; target: ServiceCanaryTarget; spec: CanarySpec } | undefined;
  if (releases.length > 0) {
    const target = new ServiceCanaryTarget(service, () => now);
    const spec = parseCanary(DEFAULT_SIM_CANARY, 'built-in canary');
    // virtual time: gates are open (no agent answers them); the thresholds alone protect the release
    const open: WebhookCaller = async () => ({ status: 200 });
    canary = { controller: new CanaryController(spec, target, open), target, spec };
    await canary.controller.tick(0);
  }
  const minute = new WindowStats(params.timeoutSeconds);
  const all = new WindowStats(params.timeoutSeconds);
  const rows: MinuteRow[] = [];
  let releaseIdx = 0;
  let nextCanaryTick = canary ? canary.spec.analysis.intervalSeconds : Infinity;
  let scaleChanges = 0;
  let lastSpec = service.specReplicas;
  let replicaSeconds = 0;
  let maxSeen = lastSpec;
  const steps = Math.round(o.durationSeconds / dt);
  for (let i = 1; i <= steps; i++) {
    now = i * dt;
    while (releaseIdx < releases.length && (releases[releaseIdx]?.atSeconds ?? Infinity) <= now) {
      const rel = releases[releaseIdx++]!;
      canary?.target.declare(hashOf(rel.image), releaseProfileFor(rel.image, {}, o.scenario.releaseProfiles));
    }
    const s = service.step(now, dt);
    canary?.target.record();
    const combined = s.primary;
    minute.add(combined, dt);
    all.add(combined, dt);
    if (s.canary) {
      minute.add(s.canary, dt, true);
      all.add(s.canary, dt, true);
    }
    if (service.specReplicas !== lastSpec) {
      scaleChanges++;
      lastSpec = service.specReplicas;
    }
    maxSeen = Math.max(maxSeen, lastSpec);
    replicaSeconds += service.specReplicas * dt;
    if (canary && now >= nextCanaryTick) {
      nextCanaryTick += canary.spec.analysis.intervalSeconds;
      await canary.controller.tick(now);
      canary.target.resetWindow();
    }
    if (i % Math.round(60 / dt) === 0 || i === steps) {
      const p95 = minute.quantileSeconds(0.95);
      const err = minute.errorRate() ?? 0;
      const violated = (p95 !== undefined && p95 * 1000 > slo.p95Ms) || err > slo.errorRate;
      rows.push({
        minute: rows.length + 1,
        rps: r3(minute.rps()),
        p50Ms: ms(minute.quantileSeconds(0.5)),
        p95Ms: ms(p95),
        p99Ms: ms(minute.quantileSeconds(0.99)),
        errorRate: r3(err * 100) / 100,
        errors: minute.errors,
        specReplicas: service.specReplicas,
        readyReplicas: s.primary.readyPods + (s.canary?.readyPods ?? 0),
        podMinutes: r3(minute.podSecondsTotal() / 60),
        cpuUtilization: minute.cpuUtilization() === undefined ? null : r3(minute.cpuUtilization() as number),
        sloViolated: violated,
        canaryWeight: service.weight,
        canaryPhase: canary ? canary.controller.status.phase : null,
      });
      minute.reset();
    }
  }
  const violations = rows.filter((r) => r.sloViolated).length;
  const p95s = rows.map((r) => r.p95Ms).filter((x): x is number => x !== null);
  return {
    scenario: o.scenario.name,
    seed: o.seed,
    policy: o.controller ? 'custom' : o.policy,
    durationSeconds: o.durationSeconds,
    slo,
    totals: {
      requests: all.arrivals,
      errors: all.errors,
      errorRate: r3((all.errorRate() ?? 0) * 1e4) / 1e4,
      podMinutes: r3(all.podSecondsTotal() / 60),
      sloViolationMinutes: violations,
      p95Ms: ms(all.quantileSeconds(0.95)),
      p99Ms: ms(all.quantileSeconds(0.99)),
      maxMinuteP95Ms: p95s.length ? Math.max(...p95s) : null,
      meanReplicas: r3(replicaSeconds / (steps * dt)),
      maxReplicas: maxSeen,
      scaleChanges,
    },
    canaryEvents: canary
      ? canary.controller.events.map((e) => ({ atSeconds: e.at, message: e.message }))
      : [],
    minutes: rows,
  };
}
