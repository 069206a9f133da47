import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimCluster } from '../cluster';
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
 * text format), /state (JSON), /healthz, and POST /hook (Flux receiver: reconcile now). The
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
    } finally {
      this.busy = false;
    }
  }

  state(): Record<string, unknown> {
    const st = this.reconciler?.status;
    return {
      at: new Date(this.epochMs + this.t * 1000).toISOString(),
      ...(st ? { flux: { ...st } } : {}),
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
