import type { Logger } from 'pino';
import type { MaestroConfig } from '../../config/schema';
import type { Clock, ConfigRepo } from '../../core/ports';
import type { LeaderElector } from '../../loop/leader-election';
import { GitLeaseElector } from '../../loop/leader-git-lease';

/** The arbiter `ha.elector` names, with what `maestro run` says about it and how it lets go. */
export interface ReplicaElector {
  readonly elector: LeaderElector;
  /** `the git lease` or e.g. `the Kubernetes Lease flux-system/maestro-leader` */
  readonly description: string;
  /** after the loop stopped: give the lease up so a successor need not wait it out (Kubernetes) */
  release(): Promise<void>;
}

/**
 * `git`: the lease file on the followed branch. `kubernetes`: a coordination.k8s.io/v1 Lease
 * through @kubernetes/client-node, required here and only here so the library (and its ~1000
 * modules) loads only for `elector: kubernetes`; `maestro --help` and the git elector never pay
 * for it. Throws CONFIG_INVALID when the client configuration cannot be loaded.
 */
export function createReplicaElector(
  config: MaestroConfig,
  repo: ConfigRepo,
  identity: string,
  clock: Clock,
  logger: Logger,
): ReplicaElector {
  const ha = config.ha;
  if (ha.elector === 'git') {
    return {
      elector: new GitLeaseElector(repo, { identity, durationMs: ha.leaseSeconds * 1000 }),
      description: 'the git lease',
      release: async () => {},
    };
  }
  const k8s =
    require('../../adapters/kubernetes/lease-api') as typeof import('../../adapters/kubernetes/lease-api');
  const { KubernetesLeaseElector } =
    require('../../adapters/kubernetes/kubernetes-lease-elector') as typeof import('../../adapters/kubernetes/kubernetes-lease-elector');
  const source = ha.kubernetes.kubeconfig
    ? ({ kind: 'file', path: ha.kubernetes.kubeconfig } as const)
    : k8s.defaultKubeConfigSource();
  const { kc, namespace: contextNamespace } = k8s.loadKubeConfig(source);
  const namespace = ha.kubernetes.namespace ?? contextNamespace ?? 'default';
  const api = k8s.coordinationLeaseApi(kc, { namespace, name: ha.kubernetes.name });
  const elector = new KubernetesLeaseElector(api, {
    identity,
    leaseDurationSeconds: ha.leaseSeconds,
    renewDeadlineMs: ha.kubernetes.renewDeadlineSeconds * 1000,
    retryPeriodMs: ha.kubernetes.retryPeriodSeconds * 1000,
    clock,
    onEvent: (e) => {
      if (e.type === 'new-leader')
        logger.info({ lease: api.describe, holder: e.holder }, 'new leader observed');
      else if (e.type === 'stopped-leading')
        logger.warn({ lease: api.describe, reason: e.reason }, 'stopped leading');
      else if (e.type === 'released') logger.info({ lease: api.describe }, 'lease released');
      else if (e.type === 'error') logger.debug({ lease: api.describe, err: e.message }, 'lease try failed');
    },
  });
  return {
    elector,
    description: `the Kubernetes Lease ${api.describe}`,
    release: () => elector.stop(),
  };
}
