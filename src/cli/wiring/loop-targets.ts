import { posix } from 'node:path';
import { limitsFromConfig } from '../../config/limits-from-config';
import type { MaestroConfig, TargetConfig } from '../../config/schema';
import type { LoopTarget } from '../../loop/ports';

/**
 * The loop's view of the configured targets. File paths become repo-root relative (git.pathPrefix
 * joined in); the default policy is `hpa` for autoscaling targets and `flagger` for canaries, and
 * the fallback defaults to that same rule baseline (src/config/schema.ts).
 */
export function loopTargets(config: MaestroConfig): LoopTarget[] {
  return config.targets.map((t) => loopTarget(t, config.git.pathPrefix, config.prometheus.stalenessSeconds));
}

export function baselineFor(t: TargetConfig): string {
  return t.kind === 'flagger-canary' ? 'flagger' : 'hpa';
}

export function loopTarget(t: TargetConfig, pathPrefix: string, stalenessSeconds: number): LoopTarget {
  const file = posix.normalize(posix.join(pathPrefix || '.', t.file)).replace(/^\.\//, '');
  return {
    ref: {
      name: t.name,
      kind: t.kind,
      file,
      namespace: t.namespace,
      resourceName: t.resource ?? t.name,
    },
    policy: t.policy ?? baselineFor(t),
    fallback: t.fallback ?? baselineFor(t),
    minReplicas: t.minReplicas,
    maxReplicas: t.maxReplicas,
    slo: { p95Ms: t.slo.p95Ms, errorRate: t.slo.errorRate },
    // the pause annotation is read from git every cycle; the static limits start unpaused
    limits: limitsFromConfig(t, false, stalenessSeconds),
  };
}
