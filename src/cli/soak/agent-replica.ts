import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MaestroError } from '../../core/errors';
import type { MetricsReading, TargetRef } from '../../core/ports';
import { findPackageRoot } from '../wiring/template-files';
import type { AgentInit, ArmedKill, FromAgent, ToAgent } from './agent-protocol';
import type { KillPoint, KillScope } from './fault-schedule';
import type { MetricsFault } from './faulty-metrics';

/** What one driven cycle of an agent process came to. */
export type ReplicaTick =
  | {
      readonly kind: 'ticked';
      readonly role: 'leader' | 'follower' | 'error';
      readonly fenceRefusals: number;
      readonly error?: string;
    }
  /** it reached an armed kill point and waits there for the SIGKILL */
  | { readonly kind: 'at'; readonly point: KillPoint; readonly scope: KillScope }
  /** the process died by itself (or did not answer within the tick timeout) */
  | { readonly kind: 'exited'; readonly detail: string };

/** the child's init message (name, disk, repo, lease, clock, metrics wiring) plus the soak's side */
export interface AgentReplicaOptions extends Omit<AgentInit, 'type'> {
  /** answers the agent's metrics reads when `metrics.kind` is `soak` */
  readonly read: (target: TargetRef, nowMs: number) => Promise<MetricsReading>;
  readonly onDecision: (id: string, atMs: number, summary: string) => void;
  /** wall ms a cycle may take before the process counts as hung; default 60000 */
  readonly tickTimeoutMs?: number;
}

/**
 * The compiled agent process (agent-process.ts): next to this file when running from dist/, else the
 * package's dist/ (tests run this module from the TypeScript sources; `npm test` builds first).
 */
export function agentProcessEntry(): string {
  const sibling = join(__dirname, 'agent-process.js');
  if (existsSync(sibling)) return sibling;
  const built = join(findPackageRoot(), 'dist', 'src', 'cli', 'soak', 'agent-process.js');
  if (existsSync(built)) return built;
  throw new MaestroError(
    'INTERNAL',
    `the soak's agent process ${built} is not built: run \`npm run build\` first`,
    { data: { path: built }, retryable: false },
  );
}

/**
 * One agent replica of the soak as a child process with an IPC channel: started, driven one cycle
 * at a time, SIGKILLed by the soak at kill points. A new process on the same `dir` is a restart.
 */
export class AgentReplica {
  private seq = 0;
  private waiter: ((t: ReplicaTick) => void) | undefined;
  private stderr = '';
  private killedBySoak = false;
  private readonly exited: Promise<void>;
  /** set when the process ended without the soak killing it */
  crashed: string | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly o: AgentReplicaOptions,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.killedBySoak) {
          this.crashed = `exited (code ${code}, signal ${signal}) ${this.stderr.trim().slice(-400)}`;
          this.settle({ kind: 'exited', detail: this.crashed });
        }
        resolve();
      }),
    );
    child.on('message', (m: FromAgent) => this.onMessage(m));
  }

  static async start(o: AgentReplicaOptions): Promise<AgentReplica> {
    const child = fork(agentProcessEntry(), [], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const r = new AgentReplica(o.name, child, o);
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromAgent) => {
        if (m.type === 'ready') {
          child.off('message', onMsg);
          resolve();
        }
      };
      child.on('message', onMsg);
      void r.exited.then(() => reject(new MaestroError('INTERNAL', `soak agent ${o.name} ${r.crashed}`)));
    });
    r.send({
      type: 'init',
      name: o.name,
      dir: o.dir,
      repoUrl: o.repoUrl,
      leaseMs: o.leaseMs,
      nowMs: o.nowMs,
      metrics: o.metrics,
    });
    await ready;
    return r;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** One cycle at virtual `nowMs` with these kill points armed. */
  tick(
    nowMs: number,
    armed: readonly ArmedKill[],
    metricsFault: MetricsFault = 'none',
  ): Promise<ReplicaTick> {
    if (this.crashed) return Promise.resolve({ kind: 'exited', detail: this.crashed });
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.settle({ kind: 'exited', detail: `no answer to cycle ${seq} within the tick timeout` }),
        this.o.tickTimeoutMs ?? 60_000,
      );
      this.waiter = (t) => {
        clearTimeout(timer);
        resolve(t);
      };
      this.send({ type: 'tick', seq, nowMs, armed, metricsFault });
    });
  }

  /** SIGKILL (no shutdown of any kind) and wait until the process is gone. */
  async kill(): Promise<void> {
    this.killedBySoak = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private settle(t: ReplicaTick): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(t);
  }

  private send(m: ToAgent): void {
    if (this.child.connected) this.child.send(m);
  }

  private onMessage(m: FromAgent): void {
    if (m.type === 'ticked' && m.seq === this.seq) {
      this.settle({
        kind: 'ticked',
        role: m.role,
        fenceRefusals: m.fenceRefusals,
        ...(m.error ? { error: m.error } : {}),
      });
    } else if (m.type === 'at' && m.seq === this.seq) {
      this.settle({ kind: 'at', point: m.point, scope: m.scope });
    } else if (m.type === 'decision') {
      this.o.onDecision(m.id, m.atMs, m.summary);
    } else if (m.type === 'read') {
      void this.o
        .read(m.target, m.nowMs)
        .then((reading) => this.send({ type: 'reading', id: m.id, reading }));
    }
  }
}
