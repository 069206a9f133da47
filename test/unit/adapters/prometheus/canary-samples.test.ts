import {
  PrometheusMetricsSource,
  currentRunStartSeconds,
} from '../../../../src/adapters/prometheus/metrics-source';
import {
  PrometheusClient,
  type PromMatrixResult,
} from '../../../../src/adapters/prometheus/prometheus-client';
import type { PolicyOutput } from '../../../../src/core/decision';
import type { Observation } from '../../../../src/core/observation';
import { createJudgePolicy } from '../../../../src/core/policies/judge/judge-policy';
import type { MetricsReading } from '../../../../src/core/ports';
import { emptyVector, startApiServer, vector, type ApiServer } from './api-server';
import { CHECKOUT_CANARY } from '../../../support/target-refs';

/**
 * The judge's `samples` must be independent readings: each query_range point a rate over its own
 * step. The Prometheus API here evaluates the queries over a known per-second request log, honouring
 * the rate window written in the query: a good canary (0.1 % errors like the primary) that happened
 * to answer two 5xx in its first 30 s at 10 % weight. Read with the instant reads' 3-minute window
 * every 30 s point of the canary's first 90 s would hold those two errors (3 points far above the
 * primary's 21) and the judge rolled the release back — what happened to the demo's good release
 * (there 6 points shared each request). Read per step, they are one point among three. And the
 * canary series is the current run's only: the same series held the release rolled back before.
 */
const NOW = 1_700_000_100_000;
const T0 = NOW / 1000;
const CANARY_FROM = T0 - 90;
const BURST_AT = T0 - 85;

/** The canary's traffic: 10 % of 100 rps while its weight is 10, else none. */
interface Scenario {
  /** canary weight at second t */
  weight(t: number): number;
  /** 5xx the canary answers in second t (of its 10 requests) */
  canaryErrors(t: number): number;
  /** Prometheus' scrape interval (s): a rate window no longer than it holds one sample, no rate; default 1 */
  readonly scrapeSeconds?: number;
}

/** A good canary since CANARY_FROM, with two 5xx in one second of its first 30 s. */
const burst: Scenario = {
  weight: (t) => (t > CANARY_FROM ? 10 : 0),
  canaryErrors: (t) => (t === BURST_AT ? 2 : 0),
};

/** requests and 5xx of one version in second `t` (the second ending at t) */
function traffic(
  s: Scenario,
  version: 'canary' | 'primary',
  t: number,
): { requests: number; errors: number } {
  if (version === 'primary') return { requests: 90, errors: 0.09 };
  return s.weight(t) > 0 ? { requests: 10, errors: s.canaryErrors(t) } : { requests: 0, errors: 0 };
}

/** A template evaluated at t over the rate window (s) written in the query; undefined: no point. */
function evaluate(sc: Scenario, query: string, t: number): number | undefined {
  if (query.includes('flagger_canary_weight')) return sc.weight(t);
  const window = /\[(\d+)(s|m)\]/.exec(query);
  if (!window) throw new Error(`no rate window in ${query}`);
  const seconds = Number(window[1]) * (window[2] === 'm' ? 60 : 1);
  if (seconds <= (sc.scrapeSeconds ?? 1)) return undefined;
  const version = query.includes('version="canary"') ? 'canary' : 'primary';
  let requests = 0;
  let errors = 0;
  for (let second = t - seconds + 1; second <= t; second++) {
    const x = traffic(sc, version, second);
    requests += x.requests;
    errors += x.errors;
  }
  if (query.includes('histogram_quantile(0.95')) return requests > 0 ? 150 : NaN;
  if (query.includes('histogram_quantile(0.99')) return requests > 0 ? 236 : NaN;
  if (query.includes('code=~"5.."')) return errors / requests; // 0/0 is NaN, as in Prometheus
  return requests / seconds;
}

const checkout = CHECKOUT_CANARY;

/**
 * A good release (0.1 % errors, as the primary) whose canary started 25 s ago, after a bad one (8 %)
 * that ran from T0 − 500 s and was rolled back at T0 − 380 s: both are the `version="canary"` series.
 */
const FIX_FROM = T0 - 25;
const afterRollback: Scenario = {
  weight: (t) => (t > FIX_FROM || (t > T0 - 500 && t <= T0 - 380) ? 10 : 0),
  canaryErrors: (t) => (t > FIX_FROM ? 0.01 : 0.8),
};

function serve(sc: Scenario): Promise<ApiServer> {
  return startApiServer((path, p) => {
    const q = p.query ?? '';
    if (path === '/api/v1/query_range') {
      const values: Array<[number, string]> = [];
      for (let t = Number(p.start); t <= Number(p.end); t += Number(p.step)) {
        const v = evaluate(sc, q, t);
        if (v !== undefined) values.push([t, String(v)]);
      }
      const result = values.length > 0 ? [{ metric: {}, values }] : [];
      return [200, { status: 'success', data: { resultType: 'matrix', result } }];
    }
    if (q.startsWith('max(timestamp(')) return [200, vector(String(T0 - 5), T0)];
    if (q.includes('flagger_canary_weight')) return [200, vector(String(sc.weight(T0)), T0)];
    if (q.includes('flagger_canary_status')) return [200, vector('0', T0)];
    if (q.includes('gotk_resource_info')) return [200, emptyVector];
    if (q.includes('http_request')) return [200, vector(String(evaluate(sc, q, T0) ?? NaN), T0)];
    return [200, vector('3', T0)];
  });
}

async function readAndJudge(
  server: ApiServer,
  rateWindow = '3m',
): Promise<{ canary: NonNullable<MetricsReading['canary']>; out: PolicyOutput }> {
  const source = new PrometheusMetricsSource(new PrometheusClient({ url: server.url }), {
    rateWindow,
    sampleWindowSeconds: 600,
    sampleStepSeconds: 30,
  });
  const reading = await source.read(checkout, NOW);
  const canary = reading.canary!;
  const obs: Observation = {
    target: 'checkout',
    kind: 'flagger-canary',
    at: NOW,
    service: reading.service,
    canary,
    declared: { stepWeight: 10, maxWeight: 50, revision: 'a'.repeat(40) },
  };
  const ctx = { nowMs: NOW, minReplicas: 1, maxReplicas: 10, sloP95Ms: 300, sloErrorRate: 0.01 };
  return { canary, out: (await createJudgePolicy().decide(obs, ctx)) as PolicyOutput };
}

describe('PrometheusMetricsSource: the judge samples', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('are per-step readings: one burst of canary errors is one point, and the judge does not roll a good canary back', async () => {
    server = await serve(burst);
    const { canary, out } = await readAndJudge(server);

    const ranges = server.requests.filter((r) => r.path === '/api/v1/query_range');
    expect(ranges.length).toBeGreaterThan(0);
    // the judge's samples and the evidence's per-step counts share their series: each asked once
    const asked = ranges.map((r) => `${r.params.query} step ${r.params.step}`);
    expect(new Set(asked).size).toBe(asked.length);
    for (const r of ranges.filter((x) => (x.params.query ?? '').includes('http_request'))) {
      expect(r.params.query).toContain('[30s]');
    }
    // the canary served 90 s: three points, the two errors in the first one only
    expect(canary.samples?.canary.errorRate).toEqual([2 / 300, 0, 0]);
    expect(canary.samples?.primary.errorRate).toHaveLength(21);
    for (const v of canary.samples?.primary.errorRate ?? []) expect(v).toBeCloseTo(0.001, 12);
    expect(out.action).not.toEqual({ type: 'canary', verb: 'rollback' });
    expect(out.explanation[0]).toMatch(/^judge \(samples\): judge score 100\.0 -> Pass/);
  });

  it("hold only the current run's canary points, not the release rolled back before it (the per-step counts too)", async () => {
    server = await serve(afterRollback);
    const { canary, out } = await readAndJudge(server);
    // the rolled-back release's five points (8 %) are not this release's: with them the judge
    // rolled the fix back on its first point
    expect(canary.samples?.canary.errorRate).toHaveLength(1);
    expect(canary.samples?.canary.errorRate?.[0]).toBeCloseTo(0.001, 12);
    expect(canary.samples?.primary.errorRate).toHaveLength(21);
    expect(out.action).not.toEqual({ type: 'canary', verb: 'rollback' });
    // the per-step counts of the sequential evidence too: the fix's 25 s, 250 requests
    expect(canary.steps?.canary.requests).toHaveLength(1);
    expect(canary.steps?.canary.requests[0]).toBeCloseTo(250, 9);
    expect(canary.steps?.canary.errors[0]).toBeCloseTo(0.25, 9);
  });
});

describe('PrometheusMetricsSource: the sample step', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('doubles when one step holds a single scrape (30 s steps, 30 s scrapes): the judge still has samples', async () => {
    server = await serve({ ...burst, scrapeSeconds: 30 });
    const { canary, out } = await readAndJudge(server, '2m');
    const samples = server.requests.filter(
      (r) => r.path === '/api/v1/query_range' && (r.params.query ?? '').includes('code=~"5.."'),
    );
    expect(samples.length).toBeGreaterThan(0);
    for (const r of samples) expect([r.params.query?.includes('[60s]'), r.params.step]).toEqual([true, '60']);
    expect(canary.samples?.primary.errorRate).toHaveLength(11);
    expect(canary.samples?.canary.errorRate?.length).toBeGreaterThan(0);
    expect(canary.steps?.stepSeconds).toBe(60);
    expect(out.explanation[0]).toMatch(/^judge \(samples\): judge score 100\.0 -> Pass/);
  });
});

describe('currentRunStartSeconds', () => {
  const weights = (...v: Array<[number, string]>): PromMatrixResult => ({
    resultType: 'matrix',
    result: [{ metric: {}, values: v }],
  });

  it('is the last point before the current stretch of positive weight', () => {
    expect(currentRunStartSeconds(weights([0, '10'], [30, '0'], [60, '0'], [90, '10'], [120, '20']))).toBe(
      60,
    );
    // one run over the whole range, or no run now: nothing to cut
    expect(currentRunStartSeconds(weights([0, '10'], [30, '20']))).toBeUndefined();
    expect(currentRunStartSeconds(weights([0, '10'], [30, '0']))).toBeUndefined();
    // no reading counts as no traffic; another shape than one series cuts nothing
    expect(currentRunStartSeconds(weights([0, 'NaN'], [30, '10']))).toBe(0);
    expect(currentRunStartSeconds({ resultType: 'matrix', result: [] })).toBeUndefined();
  });
});
