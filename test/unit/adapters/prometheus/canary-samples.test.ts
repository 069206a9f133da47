import { PrometheusMetricsSource } from '../../../../src/adapters/prometheus/metrics-source';
import { PrometheusClient } from '../../../../src/adapters/prometheus/prometheus-client';
import type { PolicyOutput } from '../../../../src/core/decision';
import type { Observation } from '../../../../src/core/observation';
import { createJudgePolicy } from '../../../../src/core/policies/judge/judge-policy';
import type { TargetRef } from '../../../../src/core/ports';
import { emptyVector, startApiServer, vector, type ApiServer } from './api-server';

/**
 * The judge's `samples` must be independent readings: each query_range point a rate over its own
 * step. The Prometheus API here evaluates the queries over a known per-second request log, honouring
 * the rate window written in the query: a good canary (0.1 % errors like the primary) that happened
 * to answer two 5xx in its first 30 s at 10 % weight. Read with the instant reads' 3-minute window
 * every 30 s point of the canary's first 90 s would hold those two errors (3 points far above the
 * primary's 21) and the judge rolled the release back — what happened to the demo's good release
 * (there 6 points shared each request). Read per step, they are one point among three.
 */
const NOW = 1_700_000_100_000;
const T0 = NOW / 1000;
const CANARY_FROM = T0 - 90;
const BURST_AT = T0 - 85;

/** requests and 5xx of one version in second `t` (the second ending at t) */
function traffic(version: 'canary' | 'primary', t: number): { requests: number; errors: number } {
  if (version === 'primary') return { requests: 90, errors: 0.09 };
  if (t <= CANARY_FROM) return { requests: 0, errors: 0 };
  return { requests: 10, errors: t === BURST_AT ? 2 : 0 };
}

/** A rate-based template evaluated at t over the window (s) written in the query. */
function evaluate(query: string, t: number): number {
  const window = /\[(\d+)(s|m)\]/.exec(query);
  if (!window) throw new Error(`no rate window in ${query}`);
  const seconds = Number(window[1]) * (window[2] === 'm' ? 60 : 1);
  const version = query.includes('version="canary"') ? 'canary' : 'primary';
  let requests = 0;
  let errors = 0;
  for (let s = t - seconds + 1; s <= t; s++) {
    const x = traffic(version, s);
    requests += x.requests;
    errors += x.errors;
  }
  if (query.includes('histogram_quantile(0.95')) return requests > 0 ? 150 : NaN;
  if (query.includes('histogram_quantile(0.99')) return requests > 0 ? 236 : NaN;
  if (query.includes('code=~"5.."')) return errors / requests; // 0/0 is NaN, as in Prometheus
  return requests / seconds;
}

const checkout: TargetRef = {
  name: 'checkout',
  kind: 'flagger-canary',
  file: 'apps/checkout/canary.yaml',
  namespace: 'shop',
  resourceName: 'checkout',
};

describe('PrometheusMetricsSource: the judge samples are per-step readings', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('one burst of canary errors is one sample point, and the judge does not roll a good canary back', async () => {
    server = await startApiServer((path, p) => {
      const q = p.query ?? '';
      if (path === '/api/v1/query_range') {
        const values: Array<[number, string]> = [];
        for (let t = Number(p.start); t <= Number(p.end); t += Number(p.step)) {
          values.push([t, String(evaluate(q, t))]);
        }
        return [200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }];
      }
      if (q.startsWith('max(timestamp(')) return [200, vector(String(T0 - 5), T0)];
      if (q.includes('flagger_canary_weight')) return [200, vector('10', T0)];
      if (q.includes('flagger_canary_status')) return [200, vector('0', T0)];
      if (q.includes('gotk_resource_info')) return [200, emptyVector];
      if (q.includes('http_request')) return [200, vector(String(evaluate(q, T0)), T0)];
      return [200, vector('3', T0)];
    });
    const source = new PrometheusMetricsSource(new PrometheusClient({ url: server.url }), {
      rateWindow: '3m',
      sampleWindowSeconds: 600,
      sampleStepSeconds: 30,
    });
    const reading = await source.read(checkout, NOW);
    const c = reading.canary!;

    const ranges = server.requests.filter((r) => r.path === '/api/v1/query_range');
    expect(ranges.length).toBeGreaterThan(0);
    for (const r of ranges) expect(r.params.query).toContain('[30s]');

    // the canary served 90 s: three points, the two errors in the first one only
    expect(c.samples?.canary.errorRate).toEqual([2 / 300, 0, 0]);
    expect(c.samples?.primary.errorRate).toHaveLength(21);
    for (const v of c.samples?.primary.errorRate ?? []) expect(v).toBeCloseTo(0.001, 12);

    const obs: Observation = {
      target: 'checkout',
      kind: 'flagger-canary',
      at: NOW,
      service: reading.service,
      canary: c,
      declared: { stepWeight: 10, maxWeight: 50, revision: 'a'.repeat(40) },
    };
    const ctx = { nowMs: NOW, minReplicas: 1, maxReplicas: 10, sloP95Ms: 300, sloErrorRate: 0.01 };
    const out = (await createJudgePolicy().decide(obs, ctx)) as PolicyOutput;
    expect(out.action).not.toEqual({ type: 'canary', verb: 'rollback' });
    expect(out.explanation[0]).toMatch(/^judge \(samples\): judge score 100\.0 -> Pass/);
  });
});
