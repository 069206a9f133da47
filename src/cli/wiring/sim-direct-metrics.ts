import type { CanaryPhase, ServiceMetrics, VersionMetrics } from '../../core/observation';
import type { MetricsReading, MetricsSource, TargetRef } from '../../core/ports';
import { noData, value, type Sample } from '../../core/sample';
import type { SimRuntime } from '../../sim/runtime/sim-runtime';

/**
 * The demo's metrics when no `prometheus` binary is installed: read in-process from the simulator's
 * own state instead of PromQL over its /metrics. Service figures are the simulator's last whole
 * minute (rps, p95, p99, error rate, CPU); replicas and canary weight/phase are live. The per-version
 * canary/primary comparison needs rates per version, which only Prometheus computes here: those are
 * no data (so the judge holds and a person's gate overrides still work). The demo says which source
 * it uses.
 */
const PHASES: ReadonlySet<string> = new Set<CanaryPhase>([
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Terminated',
]);

export function simDirectMetrics(sim: SimRuntime): MetricsSource {
  return {
    async read(target: TargetRef, nowMs: number): Promise<MetricsReading> {
      const state = sim.cluster.state();
      const svc = state.services.find(
        (s) => s.name === target.resourceName && s.namespace === target.namespace,
      );
      const missing = noData(
        'missing',
        `the simulator has no Deployment ${target.namespace}/${target.resourceName}`,
      );
      const m = svc?.lastMinute;
      const minuteAt = m ? sim.epochMs + m.endedAt * 1000 : nowMs;
      const fig = (v: number | null | undefined): Sample =>
        !svc
          ? missing
          : v === null || v === undefined
            ? noData('missing', 'no full minute yet')
            : value(v, minuteAt);
      const service: ServiceMetrics = {
        cpuUtilization: fig(m?.cpuUtilization),
        memoryBytes: noData('missing', 'not simulated without Prometheus'),
        readyReplicas: svc ? value(svc.readyReplicas, nowMs) : missing,
        specReplicas: svc ? value(svc.specReplicas, nowMs) : missing,
        rps: fig(m?.rps),
        p95LatencyMs: fig(m?.p95Ms),
        p99LatencyMs: fig(m?.p99Ms),
        errorRate: fig(m?.errorRate),
      };
      const revision = sim.reconciler?.status.lastAppliedRevision;
      const reading: {
        service: ServiceMetrics;
        appliedRevision?: string;
        canary?: MetricsReading['canary'];
      } = {
        service,
        ...(revision ? { appliedRevision: revision } : {}),
      };
      if (target.kind === 'flagger-canary') {
        const c = state.canaries.find(
          (x) => x.name === target.resourceName && x.namespace === target.namespace,
        );
        const perVersion = noData('missing', 'per-version metrics need Prometheus');
        const version: VersionMetrics = {
          rps: perVersion,
          p95LatencyMs: perVersion,
          p99LatencyMs: perVersion,
          errorRate: perVersion,
        };
        reading.canary = {
          weight: c ? value(c.weight, nowMs) : noData('missing', 'no such Canary in the simulator'),
          phase: c && PHASES.has(c.phase) ? (c.phase as CanaryPhase) : 'Unknown',
          ...(c?.checksum ? { checksum: c.checksum } : {}),
          ...(c ? { failedChecks: c.failedChecks } : {}),
          canary: version,
          primary: version,
        };
      }
      return reading;
    },
  };
}
