import { MaestroError } from '../../core/errors';
import type { TargetKind } from '../../core/target';

/**
 * PromQL templates, one per metric, with placeholders:
 *
 * - `{{namespace}}`  the target's namespace
 * - `{{name}}`       the managed object's metadata.name (Deployment / HPA target / Canary)
 * - `{{deployment}}` the Deployment whose pods serve: `{{name}}`, or `{{name}}-primary` for a
 *                    Flagger canary (Flagger's primary copy)
 * - `{{selector}}`   label matchers of the HTTP series: `namespace="…",app="…"` for the service,
 *                    plus `,version="canary"` / `,version="primary"` for the canary comparison
 * - `{{window}}`     the rate window, e.g. `1m`
 *
 * The series are those real exporters give (kube-state-metrics, cAdvisor, the app's
 * http_requests_total / http_request_duration_seconds histogram, Flagger, Flux via
 * kube-state-metrics' gotk_resource_info) and the simulator exposes the same names
 * (src/sim/metrics/sim-metrics.ts). Every template returns one series (aggregated); the defaults can
 * be overridden per target in the config (`targets[].queries.<key>`).
 */
export type QueryKey =
  | 'cpu'
  | 'memory'
  | 'readyReplicas'
  | 'specReplicas'
  | 'rps'
  | 'p95'
  | 'p99'
  | 'errorRate'
  | 'canaryWeight'
  | 'canaryStatus'
  | 'appliedRevision';

export type QueryTemplates = Readonly<Record<QueryKey, string>>;

/** pods of `{{deployment}}`: `<deployment>-<pod-template-hash>-<suffix>` (the ReplicaSet naming) */
const PODS = 'namespace="{{namespace}}",pod=~"{{deployment}}-[a-z0-9]+-[a-z0-9]+"';

export const DEFAULT_QUERIES: QueryTemplates = Object.freeze({
  // fraction of the CPU requests in use (0.7 = 70 %), like the HPA's utilisation / 100
  cpu:
    `sum(rate(container_cpu_usage_seconds_total{${PODS},container!="",container!="POD"}[{{window}}]))` +
    ` / sum(kube_pod_container_resource_requests{${PODS},resource="cpu"})`,
  // bytes per pod (working set, summed over a pod's containers, averaged over pods)
  memory:
    `sum(container_memory_working_set_bytes{${PODS},container!="",container!="POD"})` +
    ` / count(count by (pod) (container_memory_working_set_bytes{${PODS},container!="",container!="POD"}))`,
  readyReplicas:
    'sum(kube_deployment_status_replicas_available{namespace="{{namespace}}",deployment="{{deployment}}"})',
  specReplicas: 'sum(kube_deployment_spec_replicas{namespace="{{namespace}}",deployment="{{deployment}}"})',
  rps: 'sum(rate(http_requests_total{{{selector}}}[{{window}}]))',
  // ms
  p95: '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{selector}}}[{{window}}])))',
  p99: '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{{selector}}}[{{window}}])))',
  // 0/0 (no traffic) is NaN, which becomes "no data", never 0 % errors
  errorRate:
    'sum(rate(http_requests_total{{{selector}},code=~"5.."}[{{window}}])) / sum(rate(http_requests_total{{{selector}}}[{{window}}]))',
  canaryWeight: 'max(flagger_canary_weight{namespace="{{namespace}}",name="{{name}}"})',
  // Flagger's recorder.SetStatus: 0 Progressing, 2 Failed, 1 any other phase
  canaryStatus: 'max(flagger_canary_status{namespace="{{namespace}}",name="{{name}}"})',
  // one series per Kustomization; the revision label is read (`<branch>@sha1:<sha>`)
  appliedRevision: 'gotk_resource_info{customresource_kind="Kustomization",ready="True"}',
});

/** Which keys apply to a target kind (canary targets also run the per-version HTTP queries). */
export function queryKeysFor(kind: TargetKind): readonly QueryKey[] {
  const service: QueryKey[] = [
    'cpu',
    'memory',
    'readyReplicas',
    'specReplicas',
    'rps',
    'p95',
    'p99',
    'errorRate',
    'appliedRevision',
  ];
  return kind === 'flagger-canary' ? [...service, 'canaryWeight', 'canaryStatus'] : service;
}

export interface QueryVars {
  readonly namespace: string;
  readonly name: string;
  readonly deployment: string;
  readonly selector: string;
  readonly window: string;
}

/** Label values are quoted by us: reject characters that would break out of a PromQL string. */
function safeLabelValue(v: string, what: string): string {
  if (!/^[A-Za-z0-9_.:/-]*$/.test(v)) {
    throw new MaestroError(
      'CONFIG_INVALID',
      `${what} "${v}" has characters not allowed in a PromQL label value`,
      {
        data: { [what]: v },
      },
    );
  }
  return v;
}

export function varsFor(
  target: { readonly namespace: string; readonly resourceName: string; readonly kind: TargetKind },
  window: string,
  version?: 'canary' | 'primary',
): QueryVars {
  const namespace = safeLabelValue(target.namespace, 'namespace');
  const name = safeLabelValue(target.resourceName, 'name');
  const deployment = target.kind === 'flagger-canary' ? `${name}-primary` : name;
  const selector = `namespace="${namespace}",app="${name}"${version ? `,version="${version}"` : ''}`;
  return { namespace, name, deployment, selector, window };
}

/** Fills the placeholders; unknown placeholders are left as they are (Prometheus reports them). */
export function renderQuery(template: string, vars: QueryVars): string {
  return template.replace(
    /\{\{(namespace|name|deployment|selector|window)\}\}/g,
    (_m, k: keyof QueryVars) => vars[k],
  );
}

/** Defaults merged with a target's overrides. */
export function templatesFor(overrides: Partial<Record<QueryKey, string>> = {}): QueryTemplates {
  return {
    ...DEFAULT_QUERIES,
    ...Object.fromEntries(
      Object.entries(overrides).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
    ),
  };
}
