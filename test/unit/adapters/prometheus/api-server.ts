import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local HTTP server speaking Prometheus' /api/v1 JSON (a real server on 127.0.0.1:0, no HTTP
 * interception). `handle` gets the query parameters and answers with [status, body].
 */
export interface ApiServer {
  readonly url: string;
  readonly requests: Array<{ path: string; params: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startApiServer(
  handle: (path: string, params: Record<string, string>) => [number, unknown],
): Promise<ApiServer> {
  const requests: ApiServer['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const params = Object.fromEntries(u.searchParams.entries());
    requests.push({ path: u.pathname, params });
    const [status, body] = handle(u.pathname, params);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const vector = (value: string, t: number, metric: Record<string, string> = {}) => ({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric, value: [t, value] }] },
});
export const emptyVector = { status: 'success', data: { resultType: 'vector', result: [] } };
