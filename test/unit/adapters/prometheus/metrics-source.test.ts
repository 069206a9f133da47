import { PrometheusClient } from '../../../../src/adapters/prometheus/prometheus-client';
import {
  PrometheusMetricsSource,
  phaseFromStatus,
  sampleFromInstant,
  valuesFromMatrix,
} from '../../../../src/adapters/prometheus/metrics-source';
import type { TargetRef } from '../../../../src/core/ports';
import { noData, value } from '../../../../src/core/sample';
import { emptyVector, startApiServer, vector, type ApiServer } from './api-server';

const NOW = 1_700_000_100_000;
const vec = (v: string, tS = NOW / 1000) => ({
  resultType: 'vector' as const,
  result: [{ metric: {}, value: [tS, v] as const }],
});

describe('sampleFromInstant: no data is explicit', () => {
  it('values, missing, several series, NaN, Inf', () => {
    expect(sampleFromInstant(vec('3'), undefined, NOW, 120_000)).toEqual({ ok: true, value: 3, at: NOW });
    expect(sampleFromInstant({ resultType: 'vector', result: [] }, undefined, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    const two = { resultType: 'vector' as const, result: [vec('1').result[0]!, vec('2').result[0]!] };
    expect(sampleFromInstant(two, undefined, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'missing',
      detail: expect.stringContaining('2 series'),
    });
    expect(sampleFromInstant(vec('NaN'), undefined, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'nan',
    });
    expect(sampleFromInstant(vec('+Inf'), undefined, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'inf',
    });
    expect(sampleFromInstant(vec('-Inf'), undefined, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'inf',
    });
  });

  it('dates samples by the last scrape and marks them stale past the limit', () => {
    expect(sampleFromInstant(vec('3'), NOW - 60_000, NOW, 120_000)).toEqual({
      ok: true,
      value: 3,
      at: NOW - 60_000,
    });
    expect(sampleFromInstant(vec('3'), NOW - 121_000, NOW, 120_000)).toMatchObject({
      ok: false,
      reason: 'stale',
    });
  });

  it('range values drop NaN/Inf; canary phase from the status gauge', () => {
    expect(
      valuesFromMatrix({
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [1, '1'],
              [2, 'NaN'],
              [3, '+Inf'],
              [4, '2'],
            ],
          },
        ],
      }),
    ).toEqual([1, 2]);
    expect(phaseFromStatus(value(0, 1), value(10, 1))).toBe('Progressing');
    expect(phaseFromStatus(value(2, 1), value(0, 1))).toBe('Failed');
    expect(phaseFromStatus(value(1, 1), value(50, 1))).toBe('WaitingPromotion');
    expect(phaseFromStatus(value(1, 1), value(0, 1))).toBe('Succeeded');
    expect(phaseFromStatus(noData('missing'), value(0, 1))).toBe('Unknown');
  });
});

describe('PrometheusMetricsSource over the HTTP API', () => {
  let server: ApiServer;
  afterEach(async () => server.close());
  const canary: TargetRef = {
    name: 'checkout',
    kind: 'flagger-canary',
    file: 'c.yaml',
    namespace: 'shop',
    resourceName: 'checkout',
  };

  it('a canary reading: weight, phase, both versions and judge samples', async () => {
    server = await startApiServer((path, { query }) => {
      const q = query ?? '';
      if (path === '/api/v1/query_range') {
        const v = q.includes('version="canary"') ? ['0.02', '0.03', 'NaN'] : ['0.001', '0.002', '0.001'];
        return [
          200,
          {
            status: 'success',
            data: { resultType: 'matrix', result: [{ metric: {}, values: v.map((x, i) => [i, x]) }] },
          },
        ];
      }
      if (q.startsWith('max(timestamp(')) return [200, vector(String(NOW / 1000 - 5), NOW / 1000)];
      if (q.includes('flagger_canary_weight')) return [200, vector('20', NOW / 1000)];
      if (q.includes('flagger_canary_status')) return [200, vector('0', NOW / 1000)];
      if (q.includes('gotk_resource_info')) return [200, emptyVector];
      if (q.includes('code=~"5.."'))
        return [200, vector(q.includes('version="canary"') ? '0.025' : '0.001', NOW / 1000)];
      return [200, vector('7', NOW / 1000)];
    });
    const src = new PrometheusMetricsSource(new PrometheusClient({ url: server.url }), {
      sampleWindowSeconds: 90,
      sampleStepSeconds: 30,
    });
    const r = await src.read(canary, NOW);
    expect(r.canary?.weight).toEqual({ ok: true, value: 20, at: NOW - 5000 });
    expect(r.canary?.phase).toBe('Progressing');
    expect(r.canary?.canary.errorRate).toMatchObject({ ok: true, value: 0.025 });
    expect(r.canary?.primary.errorRate).toMatchObject({ ok: true, value: 0.001 });
    expect(r.canary?.samples?.canary.errorRate).toEqual([0.02, 0.03]);
    expect(r.canary?.samples?.primary.errorRate).toEqual([0.001, 0.002, 0.001]);
    expect(r.appliedRevision).toBeUndefined();
    // service-level pods are the primary copy
    expect(
      server.requests.some((x) => (x.params.query ?? '').includes('deployment="checkout-primary"')),
    ).toBe(true);
  });

  it('a target whose last scrape is older than the limit reads as stale everywhere', async () => {
    server = await startApiServer((_p, { query }) =>
      (query ?? '').startsWith('max(timestamp(')
        ? [200, vector(String(NOW / 1000 - 600), NOW / 1000)]
        : [200, vector('3', NOW / 1000)],
    );
    const web: TargetRef = {
      name: 'web',
      kind: 'deployment-replicas',
      file: 'w.yaml',
      namespace: 'shop',
      resourceName: 'web',
    };
    const r = await new PrometheusMetricsSource(new PrometheusClient({ url: server.url }), {
      stalenessSeconds: 120,
    }).read(web, NOW);
    for (const s of Object.values(r.service)) expect(s).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('a per-target query override is used, and a rejected override is no data, not an exception', async () => {
    server = await startApiServer((_p, { query }) =>
      (query ?? '').startsWith('bogus(')
        ? [400, { status: 'error', errorType: 'bad_data', error: 'unknown function' }]
        : (query ?? '').startsWith('max(timestamp(')
          ? [200, vector(String(NOW / 1000), NOW / 1000)]
          : [200, vector('1', NOW / 1000)],
    );
    const web: TargetRef = {
      name: 'web',
      kind: 'deployment-replicas',
      file: 'w.yaml',
      namespace: 'shop',
      resourceName: 'web',
    };
    const src = new PrometheusMetricsSource(new PrometheusClient({ url: server.url }), {
      queries: { web: { rps: 'bogus({{selector}})' } },
    });
    const r = await src.read(web, NOW);
    expect(r.service.rps).toMatchObject({
      ok: false,
      reason: 'missing',
      detail: expect.stringContaining('unknown function'),
    });
    expect(r.service.cpuUtilization).toMatchObject({ ok: true, value: 1 });
  });
});
