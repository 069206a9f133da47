import {
  DEFAULT_QUERIES,
  queryKeysFor,
  renderQuery,
  templatesFor,
  varsFor,
} from '../../../../src/adapters/prometheus/queries';

describe('PromQL templates', () => {
  it('renders the service selector and rate window', () => {
    const v = varsFor({ namespace: 'shop', resourceName: 'web', kind: 'deployment-replicas' }, '1m');
    expect(renderQuery(DEFAULT_QUERIES.errorRate, v)).toBe(
      'sum(rate(http_requests_total{namespace="shop",app="web",code=~"5.."}[1m])) / sum(rate(http_requests_total{namespace="shop",app="web"}[1m]))',
    );
    expect(renderQuery(DEFAULT_QUERIES.readyReplicas, v)).toBe(
      'sum(kube_deployment_status_replicas_available{namespace="shop",deployment="web"})',
    );
    expect(renderQuery(DEFAULT_QUERIES.cpu, v)).toContain('pod=~"web-[a-z0-9]+-[a-z0-9]+"');
  });

  it('canary targets: service pods are the -primary copy; per-version selectors', () => {
    const v = varsFor(
      { namespace: 'shop', resourceName: 'checkout', kind: 'flagger-canary' },
      '30s',
      'canary',
    );
    expect(v.deployment).toBe('checkout-primary');
    expect(renderQuery(DEFAULT_QUERIES.rps, v)).toBe(
      'sum(rate(http_requests_total{namespace="shop",app="checkout",version="canary"}[30s]))',
    );
    expect(renderQuery(DEFAULT_QUERIES.canaryWeight, v)).toBe(
      'max(flagger_canary_weight{namespace="shop",name="checkout"})',
    );
    expect(queryKeysFor('flagger-canary')).toContain('canaryStatus');
    expect(queryKeysFor('deployment-replicas')).not.toContain('canaryWeight');
  });

  it('per-target overrides replace only the keys given', () => {
    const t = templatesFor({ rps: 'sum(rate(my_requests{{{selector}}}[{{window}}]))', p95: '  ' });
    expect(t.rps).toBe('sum(rate(my_requests{{{selector}}}[{{window}}]))');
    expect(t.p95).toBe(DEFAULT_QUERIES.p95);
  });

  it('refuses label values that would break out of the PromQL string', () => {
    expect(() =>
      varsFor({ namespace: 'a"}', resourceName: 'web', kind: 'deployment-replicas' }, '1m'),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
