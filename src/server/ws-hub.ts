import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Redactor } from '../core/redact';
import type { AgentState } from '../loop/agent-state';
import type { LoopEvent } from '../loop/events';
import type { AgentMetrics } from './agent-metrics';
import { originAllowed, type Principal, type TokenBook } from './auth';
import { clientMessage } from './bodies';
import { WS_PROTOCOL, WS_TOKEN_PREFIX, type ServerMessage } from './protocol';
import { TokenBuckets, type RateLimit } from './rate-limit';

/**
 * The live feed at /ws. Authentication happens on connect, before the upgrade completes: the token
 * rides in Sec-WebSocket-Protocol as `bearer.<token>` next to `maestro.v1` (see ./protocol.ts);
 * a missing or unknown token is refused with HTTP 401, a foreign Origin with 403. The first message
 * is a snapshot; then every loop event follows as a typed message.
 */
export interface WsHubDeps {
  readonly state: AgentState;
  readonly tokens: TokenBook;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly now: () => number;
  readonly allowedOrigins?: readonly string[];
  /** chart points sent per target in the snapshot; default 240 */
  readonly snapshotPoints?: number;
  /** client messages per connection; default 5/s, burst 20 */
  readonly clientRate?: RateLimit;
}

/** Client messages allowed per connection by default; beyond that the socket is closed (1008). */
const CLIENT_RATE = { perSecond: 5, burst: 20 };
/** A client this far behind (bytes queued) is dropped rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class WsHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Map<WebSocket, Principal>();
  private readonly unsubscribe: () => void;
  private readonly buckets: TokenBuckets;
  private attached?: {
    server: Server;
    onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  };

  constructor(private readonly deps: WsHubDeps) {
    this.buckets = new TokenBuckets(deps.clientRate ?? CLIENT_RATE, deps.now);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096,
      handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    });
    this.unsubscribe = deps.state.subscribe((e) => this.broadcast(e));
  }

  get size(): number {
    return this.clients.size;
  }

  attach(server: Server): void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
    server.on('upgrade', onUpgrade);
    this.attached = { server, onUpgrade };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!originAllowed(req.headers.origin, req.headers.host, this.deps.allowedOrigins ?? [])) {
      return refuse(socket, 403, 'Forbidden');
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    const token = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
    const principal = this.deps.tokens.lookup(token);
    if (!principal) return refuse(socket, 401, 'Unauthorized');
    if (!offered.includes(WS_PROTOCOL)) return refuse(socket, 400, 'Bad Request');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, principal));
  }

  private connected(ws: WebSocket, principal: Principal): void {
    this.clients.set(ws, principal);
    this.deps.metrics.wsClients.set(this.clients.size);
    ws.on('close', () => {
      this.clients.delete(ws);
      this.deps.metrics.wsClients.set(this.clients.size);
    });
    ws.on('error', () => ws.terminate());
    const key = `ws:${principal.user}:${Math.random()}`;
    ws.on('message', (data, isBinary) => {
      if (this.buckets.take(key) > 0) {
        ws.close(1008, 'too many messages');
        return;
      }
      let parsed: unknown;
      try {
        parsed = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        parsed = undefined;
      }
      const r = clientMessage.safeParse(parsed);
      if (!r.success) {
        this.send(ws, {
          type: 'error',
          at: this.deps.now(),
          code: 'INPUT_INVALID',
          message: 'expected {"type":"ping"}',
        });
        return;
      }
      this.send(ws, { type: 'pong', at: this.deps.now() });
    });
    this.send(ws, this.snapshot(principal));
  }

  snapshot(principal: Principal): ServerMessage {
    const s = this.deps.state;
    const points = this.deps.snapshotPoints ?? 240;
    const targets = s.targets();
    return {
      type: 'snapshot',
      at: this.deps.now(),
      you: { user: principal.user, role: principal.role },
      status: s.status(),
      targets,
      decisions: s.decisions({ limit: 200 }),
      commits: s.commits(100),
      history: Object.fromEntries(targets.map((t) => [t.name, s.history(t.name, points)])),
    };
  }

  private broadcast(e: LoopEvent): void {
    if (e.type === 'cycle') return;
    const msg = e as ServerMessage;
    if (this.clients.size === 0) return;
    const text = JSON.stringify(this.deps.redactor.redactDeep(msg));
    for (const ws of this.clients.keys()) {
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.deps.logger.warn('dropping a dashboard client that cannot keep up');
        ws.terminate();
        continue;
      }
      if (ws.readyState === ws.OPEN) ws.send(text);
    }
  }

  private send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(this.deps.redactor.redactDeep(msg)));
  }

  /** Closes every socket and detaches from the http server. */
  async close(): Promise<void> {
    this.unsubscribe();
    if (this.attached) this.attached.server.off('upgrade', this.attached.onUpgrade);
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}
