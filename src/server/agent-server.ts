import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app';
import { WsHub } from './ws-hub';

/**
 * The HTTP server of the agent: the express app plus the WS feed on one port. `listen` on port 0
 * picks a free port (tests); `close` ends keep-alive connections and sockets so tests never hang.
 */
export interface AgentServer {
  readonly url: string;
  readonly port: number;
  readonly hub: WsHub;
  readonly http: Server;
  close(): Promise<void>;
}

export async function startAgentServer(deps: AppDeps, host: string, port: number): Promise<AgentServer> {
  const app = createApp(deps);
  const http = createServer(app);
  // Slowloris guard: headers must arrive within 10 s, a request within 30 s.
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;
  const hub = new WsHub({
    state: deps.state,
    tokens: deps.tokens,
    metrics: deps.metrics,
    logger: deps.logger,
    redactor: deps.redactor,
    now: deps.now,
    ...(deps.allowedOrigins ? { allowedOrigins: deps.allowedOrigins } : {}),
    ...(deps.wsClientRate ? { clientRate: deps.wsClientRate } : {}),
  });
  hub.attach(http);
  deps.state.subscribe((e) => deps.metrics.observe(e));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const addr = http.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    hub,
    http,
    async close() {
      await hub.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
