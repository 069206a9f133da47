import { shiftedTimeMetrics } from '../../../src/cli/soak/shifted-time-metrics';
import { nanExposition, startSoakExporter, stampExposition } from '../../../src/cli/soak/soak-exporter';
import type { MetricsReading, MetricsSource } from '../../../src/core/ports';
import { noData, value } from '../../../src/core/sample';

const TEXT = [
  '# HELP kube_deployment_spec_replicas Number of desired pods for a deployment.',
  '# TYPE kube_deployment_spec_replicas gauge',
  'kube_deployment_spec_replicas{namespace="shop",deployment="web"} 3',
  'gotk_resource_info{customresource_kind="Kustomization",revision="main@sha1:abc def"} 1',
  '',
].join('\n');

describe('soak exporter', () => {
  it('stamps every sample line with the time in ms; comments stay as they are', () => {
    expect(stampExposition(TEXT, 1_700_000_000_123.4).split('\n')).toEqual([
      '# HELP kube_deployment_spec_replicas Number of desired pods for a deployment.',
      '# TYPE kube_deployment_spec_replicas gauge',
      'kube_deployment_spec_replicas{namespace="shop",deployment="web"} 3 1700000000123',
      'gotk_resource_info{customresource_kind="Kustomization",revision="main@sha1:abc def"} 1 1700000000123',
      '',
    ]);
  });

  it('nan mode breaks only the application series: requests, latency buckets, container CPU', () => {
    const text = [
      '# TYPE http_requests_total counter',
      'http_requests_total{app="web",code="200"} 1200',
      'http_request_duration_seconds_bucket{app="web",le="0.1"} 1100',
      'container_cpu_usage_seconds_total{pod="web-1"} 35.5',
      'kube_deployment_spec_replicas{deployment="web"} 4',
      'gotk_resource_info{name="apps",revision="main@sha1:abc"} 1',
      '',
    ].join('\n');
    expect(nanExposition(text)).toBe(
      [
        '# TYPE http_requests_total counter',
        'http_requests_total{app="web",code="200"} NaN',
        'http_request_duration_seconds_bucket{app="web",le="0.1"} NaN',
        'container_cpu_usage_seconds_total{pod="web-1"} NaN',
        'kube_deployment_spec_replicas{deployment="web"} 4',
        'gotk_resource_info{name="apps",revision="main@sha1:abc"} 1',
        '',
      ].join('\n'),
    );
  });

  it('serves the published snapshot over HTTP; unreachable answers 503', async () => {
    const ex = await startSoakExporter();
    try {
      ex.publish(TEXT, 42_000);
      const ok = await fetch(`http://${ex.target}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('deployment="web"} 3 42000');
      ex.mode = 'unreachable';
      expect((await fetch(`http://${ex.target}/metrics`)).status).toBe(503);
    } finally {
      await ex.close();
    }
  });
});

describe('shifted-time metrics', () => {
  it('asks the inner source at now + offset and dates its samples back by the offset', async () => {
    let askedAt = 0;
    const inner: MetricsSource = {
      read: async (_t, nowMs): Promise<MetricsReading> => {
        askedAt = nowMs;
        const v = value(3, nowMs - 15_000);
        const none = noData('error', 'down');
        return {
          service: {
            cpuUtilization: v,
            memoryBytes: none,
            readyReplicas: v,
            specReplicas: v,
            rps: v,
            p95LatencyMs: v,
            p99LatencyMs: v,
            errorRate: v,
          },
          appliedRevision: 'main@sha1:abc',
        };
      },
    };
    const target = {
      name: 'web',
      kind: 'deployment-replicas' as const,
      namespace: 'shop',
      file: 'apps/web/deployment.yaml',
      resourceName: 'web',
    };
    const r = await shiftedTimeMetrics(inner, 1_000_000).read(target, 5_000_000);
    expect(askedAt).toBe(6_000_000);
    expect(r.service.specReplicas).toEqual(value(3, 4_985_000));
    expect(r.service.memoryBytes).toEqual(noData('error', 'down'));
    expect(r.appliedRevision).toBe('main@sha1:abc');
  });
});
