import { existsSync } from 'node:fs';
import { ApiException, CoordinationV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { MaestroError } from '../../core/errors';
import { specFromRecord, type LeaseRecord } from './lease-record';

/**
 * The three Lease calls client-go's `resourcelock.LeaseLock` makes (Get, Create, Update) on
 * `/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}`, with the answers the
 * elector branches on as values: 404 → absent, 409 → conflict (someone else wrote first: a stale
 * resourceVersion on update, AlreadyExists on create). Anything else (network, 5xx, 403 for
 * missing RBAC) is `failed` with a message; the elector treats it as "not leader this time".
 */
export type LeaseRead =
  | { readonly kind: 'found'; readonly lease: V1Lease }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly message: string };

export type LeaseWrite =
  | { readonly kind: 'written'; readonly lease: V1Lease }
  | { readonly kind: 'conflict'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string };

export interface LeaseApi {
  /** `namespace/name`, for logs and reasons */
  readonly describe: string;
  get(): Promise<LeaseRead>;
  create(record: LeaseRecord): Promise<LeaseWrite>;
  /** PUT with `base.metadata.resourceVersion`: optimistic concurrency, a 409 if it moved on */
  update(base: V1Lease, record: LeaseRecord): Promise<LeaseWrite>;
}

export interface LeaseLocation {
  readonly namespace: string;
  readonly name: string;
}

export function coordinationLeaseApi(kc: KubeConfig, where: LeaseLocation): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  const { namespace, name } = where;
  return {
    describe: `${namespace}/${name}`,
    async get() {
      try {
        return { kind: 'found', lease: await api.readNamespacedLease({ name, namespace }) };
      } catch (e) {
        if (statusOf(e) === 404) return { kind: 'absent' };
        return { kind: 'failed', message: describeError('get', e) };
      }
    },
    async create(record) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: specFromRecord(record),
      };
      return write('create', () => api.createNamespacedLease({ namespace, body }));
    },
    async update(base, record) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...base.metadata, name, namespace },
        spec: specFromRecord(record),
      };
      return write('update', () => api.replaceNamespacedLease({ name, namespace, body }));
    },
  };
}

async function write(verb: string, call: () => Promise<V1Lease>): Promise<LeaseWrite> {
  try {
    return { kind: 'written', lease: await call() };
  } catch (e) {
    if (statusOf(e) === 409) return { kind: 'conflict', message: describeError(verb, e) };
    return { kind: 'failed', message: describeError(verb, e) };
  }
}

function statusOf(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

/** `update: HTTP 409 Conflict: …`: the API's Status message when it sent one, never a token. */
function describeError(verb: string, e: unknown): string {
  if (e instanceof ApiException) {
    const body: unknown = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const reason = (body as { reason?: unknown } | undefined)?.reason;
    const message = (body as { message?: unknown } | undefined)?.message;
    return `${verb}: HTTP ${e.code}${typeof reason === 'string' ? ` ${reason}` : ''}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return `${verb}: ${e instanceof Error ? e.message : String(e)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Where the API server and credentials come from. */
export type KubeConfigSource =
  /** a kubeconfig file (its current context) */
  | { readonly kind: 'file'; readonly path: string }
  /** the pod's service account: token and CA under /var/run/secrets/kubernetes.io/serviceaccount */
  | { readonly kind: 'in-cluster' }
  /** the library's search: $KUBECONFIG, ~/.kube/config, then in-cluster */
  | { readonly kind: 'default' };

/** In a pod (KUBERNETES_SERVICE_HOST set by the kubelet) the service account; else kubeconfig. */
export function defaultKubeConfigSource(env: NodeJS.ProcessEnv = process.env): KubeConfigSource {
  return env.KUBERNETES_SERVICE_HOST ? { kind: 'in-cluster' } : { kind: 'default' };
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads the client configuration, failing with a clear CONFIG_INVALID (what is missing, what to
 * do) instead of the library's first failing request. Returns the namespace of the current
 * context too (in-cluster: the pod's namespace, read by loadFromCluster from the service account).
 */
export function loadKubeConfig(source: KubeConfigSource): { kc: KubeConfig; namespace?: string } {
  const kc = new KubeConfig();
  try {
    if (source.kind === 'file') {
      if (!existsSync(source.path)) {
        throw new MaestroError('CONFIG_INVALID', `ha.kubernetes.kubeconfig: no file at ${source.path}`, {
          data: { path: source.path },
        });
      }
      kc.loadFromFile(source.path);
    } else if (source.kind === 'in-cluster') {
      if (!existsSync(SERVICE_ACCOUNT_TOKEN)) {
        throw new MaestroError(
          'CONFIG_INVALID',
          `ha.elector kubernetes: KUBERNETES_SERVICE_HOST is set but there is no service account token at ${SERVICE_ACCOUNT_TOKEN}; mount one (automountServiceAccountToken) or set ha.kubernetes.kubeconfig`,
        );
      }
      kc.loadFromCluster();
    } else kc.loadFromDefault();
  } catch (e) {
    if (e instanceof MaestroError) throw e;
    throw new MaestroError(
      'CONFIG_INVALID',
      `ha.elector kubernetes: cannot load the Kubernetes client configuration (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new MaestroError(
      'CONFIG_INVALID',
      'ha.elector kubernetes: the kubeconfig has no current cluster; set its current-context or ha.kubernetes.kubeconfig',
    );
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { kc, ...(ctx?.namespace ? { namespace: ctx.namespace } : {}) };
}
