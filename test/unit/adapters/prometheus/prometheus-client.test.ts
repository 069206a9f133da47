import { PrometheusClient } from '../../../../src/adapters/prometheus/prometheus-client';
import { startApiServer, vector, type ApiServer } from './api-server';

const noSleep = async () => undefined;

describe('PrometheusClient', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('returns typed vector results and sends the evaluation time', async () => {
    server = await startApiServer(() => [200, vector('0.5', 1700000000, { job: 'x' })]);
    const c = new PrometheusClient({ url: server.url, sleep: noSleep });
    const r = await c.queryInstant('up', 1_700_000_000_123);
    expect(r).toEqual({
      resultType: 'vector',
      result: [{ metric: { job: 'x' }, value: [1700000000, '0.5'] }],
    });
    expect(server.requests[0]).toEqual({
      path: '/api/v1/query',
      params: { query: 'up', time: '1700000000.123' },
    });
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    let n = 0;
    server = await startApiServer(() => {
      n++;
      if (n === 1) return [503, 'overloaded'];
      if (n === 2) return [429, { status: 'error', errorType: 'too_many', error: 'slow down' }];
      return [200, vector('1', 1)];
    });
    const waits: number[] = [];
    const c = new PrometheusClient({
      url: server.url,
      attempts: 3,
      backoffMs: 100,
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(c.queryInstant('up')).resolves.toMatchObject({ resultType: 'vector' });
    expect(waits).toEqual([100, 200]);
  });

  it('a rejected query is a terminal PROMETHEUS_QUERY error, not retried', async () => {
    server = await startApiServer(() => [
      400,
      { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' },
    ]);
    const c = new PrometheusClient({ url: server.url, sleep: noSleep });
    await expect(c.queryInstant('sum(')).rejects.toMatchObject({
      code: 'PROMETHEUS_QUERY',
      retryable: false,
      message: expect.stringContaining('bad_data: parse error at char 4'),
    });
    expect(server.requests).toHaveLength(1);
  });

  it('persistent 5xx ends as a retryable PROMETHEUS_UNAVAILABLE', async () => {
    server = await startApiServer(() => [502, 'bad gateway']);
    const c = new PrometheusClient({ url: server.url, attempts: 3, sleep: noSleep });
    await expect(c.queryInstant('up')).rejects.toMatchObject({
      code: 'PROMETHEUS_UNAVAILABLE',
      retryable: true,
    });
    expect(server.requests).toHaveLength(3);
  });

  it('an unreachable Prometheus is PROMETHEUS_UNAVAILABLE after the attempts', async () => {
    server = await startApiServer(() => [200, vector('1', 1)]);
    const url = server.url;
    await server.close();
    server = undefined;
    const c = new PrometheusClient({ url, attempts: 2, sleep: noSleep, timeoutMs: 1000 });
    await expect(c.queryInstant('up')).rejects.toMatchObject({
      code: 'PROMETHEUS_UNAVAILABLE',
      message: expect.stringContaining('unreachable'),
    });
  });

  it('query_range returns a matrix and passes start/end/step', async () => {
    server = await startApiServer(() => [
      200,
      {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: {},
              values: [
                [1, '1'],
                [2, 'NaN'],
              ],
            },
          ],
        },
      },
    ]);
    const c = new PrometheusClient({ url: server.url, sleep: noSleep });
    const r = await c.queryRange('rate(x[1m])', 1_000, 61_000, 30);
    expect(r.result[0]!.values).toHaveLength(2);
    expect(server.requests[0]!.params).toMatchObject({ start: '1.000', end: '61.000', step: '30' });
  });
});
