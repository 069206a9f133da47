import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for the part of kube-apiserver a Lease elector talks to (no cluster can run here):
 * GET/PUT `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}` and POST `…/leases`, with
 * the API server's rules that matter for leader election — a resourceVersion that changes on every
 * write; PUT with a stale metadata.resourceVersion → 409 Conflict; POST of an existing name → 409
 * AlreadyExists; GET/PUT of a missing Lease → 404 NotFound; every failure a `Status` object as the
 * API server sends it; requests without the kubeconfig's bearer token → 401. It listens on port 0
 * of 127.0.0.1 and is reached through a kubeconfig file, so the real @kubernetes/client-node code
 * (KubeConfig, CoordinationV1Api, its serializer and HTTP stack) runs in the tests.
 *
 * Test hooks: `delay` holds a request before it is applied (a slow or paused API server), `down`
 * answers 503 to everything; `log` lists every request and `writes` every accepted write.
 */
export const STANDIN_TOKEN = 'standin-bearer-token-0123456789';
export const STANDIN_NAMESPACE = 'maestro-test';

export interface LeaseWriteRecord {
  readonly at: number;
  readonly method: 'POST' | 'PUT';
  readonly name: string;
  readonly resourceVersion: string;
  readonly spec: Record<string, unknown>;
}

export interface KubernetesLeaseStandIn {
  readonly url: string;
  /** a kubeconfig file whose current context points here (namespace maestro-test) */
  readonly kubeconfig: string;
  readonly log: { method: string; path: string; status: number }[];
  readonly writes: LeaseWriteRecord[];
  /** ms to hold a request before applying it; default none */
  delay: (req: { method: string; path: string }) => number;
  down: boolean;
  lease(namespace: string, name: string): Record<string, unknown> | undefined;
  /** as `kubectl edit` would: replace the spec, bumping the resourceVersion */
  setSpec(namespace: string, name: string, spec: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const PATH = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([a-z0-9-]+)\/leases(?:\/([a-z0-9.-]+))?$/;

export async function startKubernetesLeaseStandIn(): Promise<KubernetesLeaseStandIn> {
  const leases = new Map<string, Record<string, unknown>>();
  let version = 100;
  const log: KubernetesLeaseStandIn['log'] = [];
  const writes: LeaseWriteRecord[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'maestro-k8s-standin-'));

  const status = (res: ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      }),
    );
    return code;
  };
  const ok = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return code;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): number => {
    if (standIn.down) return status(res, 503, 'ServiceUnavailable', 'the stand-in API server is down');
    if (req.headers.authorization !== `Bearer ${STANDIN_TOKEN}`) {
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const m = PATH.exec(url.pathname);
    if (!m) return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    const [, ns = '', name] = m;
    const key = (n: string) => `${ns}/${n}`;
    const notFound = (n: string) =>
      status(res, 404, 'NotFound', `leases.coordination.k8s.io "${n}" not found`);
    let body: Record<string, unknown> = {};
    if (req.method === 'POST' || req.method === 'PUT') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return status(res, 400, 'BadRequest', 'the body is not JSON');
      }
      const problem = invalid(body);
      if (problem) return status(res, 422, 'Invalid', `Lease.coordination.k8s.io is invalid: ${problem}`);
    }
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    if (req.method === 'GET' && name) {
      const lease = leases.get(key(name));
      return lease ? ok(res, 200, lease) : notFound(name);
    }
    if (req.method === 'POST' && !name) {
      const n = String(meta.name ?? '');
      if (leases.has(key(n))) {
        return status(res, 409, 'AlreadyExists', `leases.coordination.k8s.io "${n}" already exists`);
      }
      const lease = stored(n, body, undefined);
      writes.push({ at: Date.now(), method: 'POST', name: n, resourceVersion: rv(lease), spec: spec(lease) });
      return ok(res, 201, lease);
    }
    if (req.method === 'PUT' && name) {
      const current = leases.get(key(name));
      if (!current) return notFound(name);
      if (meta.name !== undefined && meta.name !== name) {
        return status(res, 400, 'BadRequest', 'the name of the object does not match the name on the URL');
      }
      // Lease updates without a resourceVersion are unconditional (AllowUnconditionalUpdate)
      if (meta.resourceVersion !== undefined && meta.resourceVersion !== rv(current)) {
        return status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const lease = stored(name, body, current);
      writes.push({ at: Date.now(), method: 'PUT', name, resourceVersion: rv(lease), spec: spec(lease) });
      return ok(res, 200, lease);
    }
    return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);

    function stored(n: string, b: Record<string, unknown>, prev: Record<string, unknown> | undefined) {
      version += 1;
      const prevMeta = (prev?.metadata ?? {}) as Record<string, unknown>;
      const lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: n,
          namespace: ns,
          uid: prevMeta.uid ?? `uid-${version}`,
          resourceVersion: String(version),
          creationTimestamp: prevMeta.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
        spec: b.spec ?? {},
      };
      leases.set(key(n), lease);
      return lease;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const hold = standIn.delay({ method: req.method ?? 'GET', path });
      const answer = () => {
        const code = handle(req, res, Buffer.concat(chunks).toString('utf8'));
        log.push({ method: req.method ?? '', path, status: code });
      };
      if (hold > 0) setTimeout(answer, hold);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: standin',
      '  cluster:',
      `    server: ${url}`,
      // plain HTTP on loopback: the library refuses http:// unless TLS verification is off
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: standin',
      '  user:',
      `    token: ${STANDIN_TOKEN}`,
      'contexts:',
      '- name: standin',
      '  context:',
      '    cluster: standin',
      '    user: standin',
      `    namespace: ${STANDIN_NAMESPACE}`,
      'current-context: standin',
      '',
    ].join('\n'),
  );
  const standIn: KubernetesLeaseStandIn = {
    url,
    kubeconfig,
    log,
    writes,
    delay: () => 0,
    down: false,
    lease: (ns, name) => leases.get(`${ns}/${name}`),
    setSpec(ns, name, s) {
      const current = leases.get(`${ns}/${name}`);
      if (!current) throw new Error(`no lease ${ns}/${name}`);
      version += 1;
      leases.set(`${ns}/${name}`, {
        ...current,
        metadata: { ...(current.metadata as object), resourceVersion: String(version) },
        spec: s,
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return standIn;
}

const rv = (lease: Record<string, unknown>) =>
  String((lease.metadata as Record<string, unknown>).resourceVersion);
const spec = (lease: Record<string, unknown>) => lease.spec as Record<string, unknown>;

/** The Lease validation the API server would apply to what an elector writes. */
function invalid(body: Record<string, unknown>): string | undefined {
  if (body.apiVersion !== 'coordination.k8s.io/v1' || body.kind !== 'Lease') {
    return `apiVersion/kind must be coordination.k8s.io/v1 Lease, got ${String(body.apiVersion)} ${String(body.kind)}`;
  }
  const s = (body.spec ?? {}) as Record<string, unknown>;
  if (s.holderIdentity !== undefined && typeof s.holderIdentity !== 'string')
    return 'spec.holderIdentity: string';
  for (const f of ['leaseDurationSeconds', 'leaseTransitions']) {
    if (s[f] !== undefined && !Number.isInteger(s[f])) return `spec.${f}: must be an integer`;
  }
  if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0) {
    return 'spec.leaseDurationSeconds: must be greater than 0';
  }
  for (const f of ['acquireTime', 'renewTime']) {
    const t = s[f];
    if (t !== undefined && (typeof t !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(t))) {
      return `spec.${f}: must be a MicroTime (RFC 3339 with 6 fractional digits), got ${JSON.stringify(t)}`;
    }
  }
  return undefined;
}
