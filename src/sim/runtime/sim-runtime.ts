import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimCluster } from '../cluster';
import type { FaultEvent } from '../faults';
import type { WebhookCaller } from '../flagger/canary-controller';
import { httpWebhookCaller } from '../flagger/http-webhook';
import { FluxReconciler, type ReconcileOutcome, type RepoSource } from '../flux/reconciler';
import type { K8sObject } from '../flux/kustomization-files';
import { createRng } from '../rng';
import type { Scenario } from '../scenarios';
import type { TrafficPattern } from '../traffic/patterns';

/**
 * The simulator in real time, for the demo and the integration tests: a timer advances virtual
 * time by `speed` × the elapsed tick, an HTTP server on 127.0.0.1 serves /metrics (Prometheus
 * text format), /state (JSON), /healthz, POST /hook (Flux receiver: reconcile now) and POST /fault
 * (inject a fault now, see parseFaultRequest). The
 * Flux-like reconciler polls the config repo every `fluxIntervalSeconds` (virtual); canaries tick
 * every analysis interval and call their webhooks over HTTP.
 *
 * With `speed` > 1 the counters grow `speed` times faster than wall time: a Prometheus scraping in
 * wall time then sees rates `speed` times the simulated ones.
 *
 * `advance(seconds)` steps the same machinery without the timer (tests, soak runs).
 */
export interface SimRuntimeOptions {
  readonly scenario: Scenario;
  readonly seed: number | string;
  /** the config repo; without it the runtime applies `objects` once */
  readonly source?: RepoSource;
  readonly branch?: string;
  /** folder of the root kustomization.yaml; default '' */
  readonly path?: string;
  /** objects applied at start when there is no repo (e.g. one Deployment) */
  readonly objects?: readonly K8sObject[];
  /** virtual seconds between repo polls; default 10 */
  readonly fluxIntervalSeconds?: number;
  /** virtual seconds per wall second; default 1 */
  readonly speed?: number;
  /** wall ms between timer ticks; default 1000 */
  readonly tickMs?: number;
  /** largest model step (virtual s); default 1 */
  readonly maxStepSeconds?: number;
  readonly traffic?: Readonly<Record<string, TrafficPattern>>;
  readonly callWebhook?: WebhookCaller;
  readonly host?: string;
  readonly port?: number;
  /** epoch ms of virtual time 0; default Date.now() at construction */
  readonly epochMs?: number;
  readonly nodes?: number;
}

export class SimRuntime {
  readonly cluster: SimCluster;
  readonly reconciler: FluxReconciler | undefined;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** the last error of a timer tick, shown on /state */
  lastError: string | undefined;
  private t = 0;
  private nextPollAt = 0;
  private lastWall = 0;
  private readonly speed: number;
  private readonly maxStep: number;
  private readonly fluxInterval: number;
  readonly epochMs: number;
  url = '';

  constructor(private readonly o: SimRuntimeOptions) {
    this.speed = o.speed ?? 1;
    this.maxStep = o.maxStepSeconds ?? 1;
    this.fluxInterval = o.fluxIntervalSeconds ?? 10;
    this.epochMs = o.epochMs ?? Date.now();
    this.cluster = new SimCluster({
      rng: createRng(o.seed),
      ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
      traffic: o.traffic ?? {},
      defaultTraffic: o.scenario.pattern,
      ...(o.scenario.service ? { service: o.scenario.service } : {}),
      releaseProfiles: o.scenario.releaseProfiles,
      callWebhook: o.callWebhook ?? httpWebhookCaller(),
      epochMs: this.epochMs,
      faults: o.scenario.faults,
      // rate() over wall time must read simulated per-second rates whatever the speed
      counterScale: 1 / this.speed,
    });
    this.reconciler = o.source
      ? new FluxReconciler(o.source, { branch: o.branch ?? 'main', path: o.path ?? '' }, (objs) =>
          this.cluster.apply(objs),
        )
      : undefined;
  }

  /** virtual seconds since start */
  get now(): number {
    return this.t;
  }

  /** Applies the initial objects or the repo, starts the HTTP server and the timer. */
  async start(): Promise<void> {
    await this.init();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${addr.address}:${addr.port}`;
    this.lastWall = Date.now();
    this.timer = setInterval(() => void this.onTimer(), this.o.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  private initialised = false;

  async init(): Promise<void> {
    if (this.initialised) return;
    this.initialised = true;
    if (this.reconciler) await this.reconcileNow();
    else if (this.o.objects) await this.cluster.apply(this.o.objects);
    await this.cluster.tickCanaries(0);
    this.nextPollAt = this.fluxInterval;
  }

  async reconcileNow(): Promise<ReconcileOutcome | undefined> {
    if (!this.reconciler) return undefined;
    const r = await this.reconciler.reconcile();
    const st = this.reconciler.status;
    this.cluster.metrics?.setFlux([
      { name: st.name, namespace: st.namespace, revision: st.lastAppliedRevision, ready: st.ready },
    ]);
    return r;
  }

  /** Advances virtual time by `seconds`: model steps, canary ticks and repo polls that fall due. */
  async advance(seconds: number): Promise<void> {
    await this.init();
    let left = seconds;
    while (left > 1e-9) {
      const dt = Math.min(this.maxStep, left);
      left -= dt;
      this.t += dt;
      this.cluster.step(this.t, dt);
      await this.cluster.tickCanaries(this.t);
      if (this.reconciler && this.t >= this.nextPollAt) {
        this.nextPollAt = this.t + this.fluxInterval;
        await this.reconcileNow();
      }
    }
  }

  private async onTimer(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const wall = Date.now();
      const elapsed = (wall - this.lastWall) / 1000;
      this.lastWall = wall;
      await this.advance(elapsed * this.speed);
      this.lastError = undefined;
    } catch (e) {
      // a timer has no caller to throw to: keep running and show the error on /state
      this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  state(): Record<string, unknown> {
    const st = this.reconciler?.status;
    return {
      at: new Date(this.epochMs + this.t * 1000).toISOString(),
      ...(st ? { flux: { ...st } } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...this.cluster.state(),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(this.cluster.metrics?.render() ?? '');
      } else if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else if (req.method === 'GET' && path === '/state') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.state()));
      } else if (req.method === 'POST' && path === '/fault') {
        const body = await readBody(req);
        const parsed = parseFaultRequest(body);
        if (typeof parsed === 'string') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: parsed }));
          return;
        }
        const ok = this.cluster.injectFault(parsed.service, parsed.fault);
        res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok ? { injected: parsed.fault, at: this.t } : { error: `no service ${parsed.service}` },
          ),
        );
      } else if (req.method === 'POST' && path === '/hook') {
        req.resume();
        const r = await this.reconcileNow();
        res.writeHead(r ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r ?? { error: 'no config repo' }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${(e as Error).message}\n`);
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c: Buffer) => {
      data += c.toString();
      if (data.length > 65536) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * POST /fault body: `{"service":"web","kind":"pod-kill","count":2}`,
 * `{"service":"web","kind":"node-loss","node":0,"durationSeconds":300}`,
 * `{"service":"web","kind":"noisy-neighbour","node":1,"factor":0.5,"durationSeconds":120}`,
 * `{"service":"web","kind":"latency-injection","addedMs":200,"durationSeconds":60}`.
 * Returns the fault or a message saying what is wrong.
 */
export function parseFaultRequest(text: string): { service: string; fault: FaultEvent } | string {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body must be JSON';
  }
  if (typeof b !== 'object' || b === null) return 'body must be a JSON object';
  const service = typeof b.service === 'string' ? b.service : undefined;
  if (!service) return 'service: required';
  const num = (k: string, d: number, min: number): number | string => {
    const v = b[k] ?? d;
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : `${k}: must be a number >= ${min}`;
  };
  const fields: Record<string, number | string> = {};
  const need = (k: string, d: number, min: number) => (fields[k] = num(k, d, min));
  switch (b.kind) {
    case 'pod-kill':
      need('count', 1, 1);
      break;
    case 'node-loss':
      need('node', 0, 0);
      need('durationSeconds', 300, 1);
      break;
    case 'noisy-neighbour':
      need('node', 0, 0);
      need('factor', 0.5, 0.01);
      need('durationSeconds', 120, 1);
      break;
    case 'latency-injection':
      need('addedMs', 200, 0);
      need('durationSeconds', 60, 1);
      break;
    default:
      return 'kind: one of pod-kill, node-loss, noisy-neighbour, latency-injection';
  }
  const problem = Object.values(fields).find((v) => typeof v === 'string');
  if (problem !== undefined) return problem as string;
  return { service, fault: { kind: b.kind, at: 0, ...fields } as FaultEvent };
}
