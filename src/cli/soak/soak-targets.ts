import type { MaestroConfig } from '../../config/schema';
import type { LoopTarget } from '../../loop/ports';
import { demoConfig } from '../wiring/demo-stack';
import { loopTargets } from '../wiring/loop-targets';

/**
 * The soak's agent configuration, the same in the soak and in every agent process: the demo's
 * examples/maestro.yaml pointed at the soak's repo, its replica targets only (the canary needs
 * Flagger's webhooks, covered by the demo's own tests), ONNX policies as their rule baseline so the
 * soak needs no model file.
 */
export function soakConfig(repoUrl: string): { config: MaestroConfig; targets: LoopTarget[] } {
  const config = demoConfig(repoUrl, {}, () => undefined);
  const targets = loopTargets(config)
    .filter((t) => t.ref.kind !== 'flagger-canary')
    .map((t) => (t.policy.startsWith('onnx:') ? { ...t, policy: t.fallback } : t));
  return { config, targets };
}
