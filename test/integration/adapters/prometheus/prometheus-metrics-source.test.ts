/**
 * PrometheusMetricsSource against a real Prometheus (/usr/bin/prometheus), started here with a temp
 * config and data dir on a free port, scraping a /metrics endpoint this test serves with known
 * values every second. Then Prometheus is stopped (every sample becomes "no data: error" and the
 * decision is a hold), and restarted on the same port and data dir (the readings recover).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusClient } from '../../../../src/adapters/prometheus/prometheus-client';
import { PrometheusMetricsSource } from '../../../../src/adapters/prometheus/metrics-source';
import { canaryEvidence } from '../../../../src/core/canary-evidence';
import { guard } from '../../../../src/core/guardrails/guard';
import type { GuardrailLimits } from '../../../../src/core/guardrail-types';
import type { Observation } from '../../../../src/core/observation';
import type { TargetRef } from '../../../../src/core/ports';
import { createHpaPolicy } from '../../../../src/core/policies/hpa/hpa-policy';
import { createFlaggerPolicy } from '../../../../src/core/policies/flagger/flagger-policy';
import { createJudgePolicy } from '../../../../src/core/policies/judge/judge-policy';
import type { PolicyOutput } from '../../../../src/core/decision';
import { describeWithBinary, PROMETHEUS } from '../../../support/external-binary';

const { describe: describeProm, path: prometheusPath } = describeWithBinary('Prometheus', PROMETHEUS);

const REVISION = `main@sha1:${'c0ffee'.padEnd(40, '0')}`;
/** the injected truth */
const TRUTH = {
  spec: 5,
  available: 4,
  requestCores: 0.5,
  usageCores: 0.35, // per pod: utilisation 0.7
  memoryBytes: 200 * 1024 * 1024,
  okRps: 95,
  errRps: 5, // error rate 0.05
  // every request lands in the (0.05, 0.1] s bucket: histogram_quantile interpolates linearly
  p95Ms: 1000 * (0.05 + 0.05 * 0.95),
  p99Ms: 1000 * (0.05 + 0.05 * 0.99),
};
const PODS = ['web-6d9f7c5b8-abcde', 'web-6d9f7c5b8-fghij', 'web-6d9f7c5b8-klmno', 'web-6d9f7c5b8-pqrst'];

function exposition(elapsedS: number): string {
  const ns = 'namespace="shop"';
  const http = `${ns},app="web",deployment="web",version="primary"`;
  const total = (TRUTH.okRps + TRUTH.errRps) * elapsedS;
  const lines = [
    `kube_deployment_spec_replicas{${ns},deployment="web"} ${TRUTH.spec}`,
    `kube_deployment_status_replicas_available{${ns},deployment="web"} ${TRUTH.available}`,
    ...PODS.flatMap((pod) => [
      `kube_pod_container_resource_requests{${ns},pod="${pod}",container="web",node="n1",resource="cpu",unit="core"} ${TRUTH.requestCores}`,
      `container_cpu_usage_seconds_total{${ns},pod="${pod}",container="web"} ${TRUTH.usageCores * elapsedS}`,
      `container_memory_working_set_bytes{${ns},pod="${pod}",container="web"} ${TRUTH.memoryBytes}`,
    ]),
    // a primary copy's pod must not be counted for "web"
    `container_cpu_usage_seconds_total{${ns},pod="web-primary-5c4b3a291-zzzzz",container="web"} ${50 * elapsedS}`,
    `http_requests_total{${http},code="200"} ${TRUTH.okRps * elapsedS}`,
    `http_requests_total{${http},code="500"} ${TRUTH.errRps * elapsedS}`,
    `http_request_duration_seconds_bucket{${http},le="0.05"} 0`,
    `http_request_duration_seconds_bucket{${http},le="0.1"} ${total}`,
    `http_request_duration_seconds_bucket{${http},le="+Inf"} ${total}`,
    `http_request_duration_seconds_sum{${http}} ${0.075 * total}`,
    `http_request_duration_seconds_count{${http}} ${total}`,
    // a Flagger canary "checkout": 20 % weight, the canary answers 4 % errors and slower
    `flagger_canary_weight{${ns},name="checkout"} 20`,
    `flagger_canary_status{${ns},name="checkout"} 0`,
    `kube_deployment_spec_replicas{${ns},deployment="checkout-primary"} 3`,
    ...(
      [
        ['canary', 48, 2, '0.2', '0.1'],
        ['primary', 199, 1, '0.1', '0.05'],
      ] as const
    ).flatMap(([version, ok, err, le, below]) => {
      const l = `${ns},app="checkout",deployment="checkout${version === 'primary' ? '-primary' : ''}",version="${version}"`;
      const n = (ok + err) * elapsedS;
      return [
        `http_requests_total{${l},code="200"} ${ok * elapsedS}`,
        `http_requests_total{${l},code="500"} ${err * elapsedS}`,
        `http_request_duration_seconds_bucket{${l},le="${below}"} 0`,
        `http_request_duration_seconds_bucket{${l},le="${le}"} ${n}`,
        `http_request_duration_seconds_bucket{${l},le="+Inf"} ${n}`,
      ];
    }),
    // "nanweb": an exporter whose counters went NaN (the soak's prometheus-nan fault)
    ...['200', '500'].map(
      (code) =>
        `http_requests_total{${ns},app="nanweb",deployment="nanweb",version="primary",code="${code}"} NaN`,
    ),
    ...['0.05', '0.1', '+Inf'].map(
      (le) =>
        `http_request_duration_seconds_bucket{${ns},app="nanweb",deployment="nanweb",version="primary",le="${le}"} NaN`,
    ),
    `gotk_resource_info{customresource_kind="Kustomization",customresource_group="kustomize.toolkit.fluxcd.io",exported_namespace="flux-system",name="apps",ready="True",revision="${REVISION}"} 1`,
  ];
  return lines.join('\n') + '\n';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describeProm('PrometheusMetricsSource with a real Prometheus', () => {
  let exporter: Server;
  let exporterPort: number;
  let promPort: number;
  let dir: string;
  let prom: ChildProcess | undefined;
  const started = Date.now();

  const target: TargetRef = {
    name: 'web',
    kind: 'deployment-replicas',
    file: 'apps/web.yaml',
    namespace: 'shop',
    resourceName: 'web',
  };

  function startPrometheus(): ChildProcess {
    const p = spawn(
      prometheusPath!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    return p;
  }

  async function stopPrometheus(): Promise<void> {
    const p = prom;
    prom = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  const client = () =>
    new PrometheusClient({
      url: `http://127.0.0.1:${promPort}`,
      timeoutMs: 2000,
      attempts: 2,
      backoffMs: 50,
    });

  async function waitReady(): Promise<void> {
    await waitFor('Prometheus ready', async () => {
      const r = await fetch(`http://127.0.0.1:${promPort}/-/ready`);
      return r.ok ? true : undefined;
    });
  }

  beforeAll(async () => {
    exporter = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(exposition((Date.now() - started) / 1000));
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', () => r()));
    exporterPort = (exporter.address() as { port: number }).port;
    promPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'maestro-prom-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: app',
        '    honor_labels: true',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
      ].join('\n'),
    );
    prom = startPrometheus();
    await waitReady();
  });

  afterAll(async () => {
    await stopPrometheus();
    await new Promise<void>((r) => exporter.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const source = () => new PrometheusMetricsSource(client(), { rateWindow: '5s', stalenessSeconds: 30 });

  async function readWhenRatesSettle() {
    // the 5 s rate window must be covered by scrapes before rates are exact
    return waitFor('rates over a full window', async () => {
      const r = await source().read(target, Date.now());
      const s = r.service;
      return s.rps.ok &&
        Math.abs(s.rps.value - 100) < 2 &&
        s.cpuUtilization.ok &&
        Math.abs(s.cpuUtilization.value - 0.7) < 0.02
        ? r
        : undefined;
    });
  }

  function observation(
    reading: Awaited<ReturnType<PrometheusMetricsSource['read']>>,
    at: number,
  ): Observation {
    return {
      target: 'web',
      kind: 'deployment-replicas',
      at,
      service: reading.service,
      declared: { replicas: 5, revision: 'a'.repeat(40) },
      ...(reading.appliedRevision ? { appliedRevision: reading.appliedRevision } : {}),
    };
  }

  const limits: GuardrailLimits = {
    minReplicas: 1,
    maxReplicas: 20,
    maxStepUp: 4,
    maxStepDown: 2,
    scaleUpCooldownSeconds: 0,
    scaleDownCooldownSeconds: 0,
    maxCommitsPerHour: 100,
    stalenessSeconds: 30,
    sloP95Ms: 300,
    sloErrorRate: 0.1,
    hardP95Ms: 450,
    scaleDownSloMargin: 0.1,
    forcedScaleUpStep: 2,
    canaryErrorRateHardLimit: 0.05,
    canaryMaxStepWeight: 25,
    freezeWindows: [],
    paused: false,
  };

  it('NaN counters: no fake saturation from histogram_quantile, the latencies are no data like the rate', async () => {
    const nanweb: TargetRef = { ...target, name: 'nanweb', resourceName: 'nanweb' };
    // Prometheus answers histogram_quantile over NaN buckets with the top finite bound (100 ms
    // here, 10 s for the default buckets), not NaN; the adapter must not pass that on
    const raw = await waitFor('a NaN rate for nanweb', async () => {
      const r = await source().read(nanweb, Date.now());
      return r.service.rps.ok === false && r.service.rps.reason === 'nan' ? r : undefined;
    });
    expect(raw.service.p95LatencyMs).toMatchObject({ ok: false, reason: 'nan' });
    expect(raw.service.p99LatencyMs).toMatchObject({ ok: false, reason: 'nan' });
    const quantile = await client().queryInstant(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app="nanweb"}[5s])))',
      Date.now(),
    );
    expect(quantile.resultType === 'vector' && Number(quantile.result[0]?.value[1])).toBe(0.1);
  });

  it('reads a canary: weight, per-version metrics and query_range samples; the baselines decide on it', async () => {
    const checkout: TargetRef = {
      name: 'checkout',
      kind: 'flagger-canary',
      file: 'apps/checkout.yaml',
      namespace: 'shop',
      resourceName: 'checkout',
    };
    const src = new PrometheusMetricsSource(client(), {
      rateWindow: '5s',
      stalenessSeconds: 30,
      sampleWindowSeconds: 20,
      // the samples are rates over one step each: a step must span two scrapes (1 s apart here)
      sampleStepSeconds: 2,
    });
    const r = await waitFor('canary rates and samples', async () => {
      const x = await src.read(checkout, Date.now());
      const c = x.canary;
      return c &&
        c.canary.errorRate.ok &&
        Math.abs(c.canary.errorRate.value - 0.04) < 0.002 &&
        (c.samples?.canary.errorRate?.length ?? 0) >= 5 &&
        (c.samples?.primary.errorRate?.length ?? 0) >= 5
        ? x
        : undefined;
    });
    const c = r.canary!;
    expect(c.weight).toMatchObject({ ok: true, value: 20 });
    expect(c.phase).toBe('Progressing');
    expect(c.primary.errorRate.ok && c.primary.errorRate.value).toBeCloseTo(0.005, 3);
    expect(c.canary.p95LatencyMs.ok && c.canary.p95LatencyMs.value).toBeCloseTo(100 + 100 * 0.95, 6);
    expect(c.primary.p95LatencyMs.ok && c.primary.p95LatencyMs.value).toBeCloseTo(50 + 50 * 0.95, 6);
    expect(Math.min(...(c.samples?.canary.errorRate ?? []))).toBeGreaterThan(0.03);
    expect(Math.max(...(c.samples?.primary.errorRate ?? [1]))).toBeLessThan(0.01);

    const o: Observation = {
      target: 'checkout',
      kind: 'flagger-canary',
      at: Date.now(),
      service: r.service,
      canary: c,
      declared: { stepWeight: 10, maxWeight: 50, revision: 'a'.repeat(40) },
    };
    const ctx = { nowMs: Date.now(), minReplicas: 1, maxReplicas: 10, sloP95Ms: 300, sloErrorRate: 0.01 };
    const flagger = (await createFlaggerPolicy().decide(o, ctx)) as PolicyOutput;
    expect(flagger.action).toEqual({ type: 'canary', verb: 'hold' });
    expect(flagger.explanation[0]).toMatch(/success rate 9[56]\.\d+% < 99%/);
    const judge = (await createJudgePolicy().decide(o, ctx)) as PolicyOutput;
    expect(judge.action).toEqual({ type: 'canary', verb: 'rollback' });
    expect(judge.explanation[0]).toMatch(/judge \(samples\)/);

    // the canary model's sequential evidence reads per-step counts: the same templates with the
    // step (5 s) as the rate window, so no request counts twice
    const stepSource = new PrometheusMetricsSource(client(), {
      rateWindow: '5s',
      stalenessSeconds: 30,
      sampleWindowSeconds: 20,
      sampleStepSeconds: 5,
    });
    const steps = await waitFor('per-step canary counts', async () => {
      const x = (await stepSource.read(checkout, Date.now())).canary?.steps;
      return x && x.canary.requests.length >= 2 ? x : undefined;
    });
    const rate = (v: { requests: readonly number[]; errors: readonly number[] }) =>
      v.errors.reduce((a, b) => a + b, 0) / v.requests.reduce((a, b) => a + b, 0);
    expect(steps.stepSeconds).toBe(5);
    expect(steps.primary.requests).toHaveLength(steps.canary.requests.length);
    expect(rate(steps.canary)).toBeCloseTo(0.04, 2);
    expect(rate(steps.primary)).toBeCloseTo(0.005, 2);
    expect(canaryEvidence(steps, { sloP95Ms: 300, sloErrorRate: 0.01 }).errorVsSlo).toBeGreaterThan(4.6);
  });

  it('reads the injected values; then no data and a hold while Prometheus is down; then recovers', async () => {
    // 1. the observation equals the injected values
    const r = await readWhenRatesSettle();
    const s = r.service;
    const v = (x: typeof s.rps) => (x.ok ? x.value : NaN);
    expect(v(s.specReplicas)).toBe(TRUTH.spec);
    expect(v(s.readyReplicas)).toBe(TRUTH.available);
    expect(v(s.memoryBytes)).toBe(TRUTH.memoryBytes);
    expect(v(s.cpuUtilization)).toBeCloseTo(TRUTH.usageCores / TRUTH.requestCores, 1);
    expect(Math.abs(v(s.rps) - (TRUTH.okRps + TRUTH.errRps))).toBeLessThan(2);
    expect(v(s.errorRate)).toBeCloseTo(TRUTH.errRps / (TRUTH.okRps + TRUTH.errRps), 3);
    expect(v(s.p95LatencyMs)).toBeCloseTo(TRUTH.p95Ms, 6);
    expect(v(s.p99LatencyMs)).toBeCloseTo(TRUTH.p99Ms, 6);
    expect(r.appliedRevision).toBe(REVISION);
    for (const sample of Object.values(s)) {
      expect(sample.ok && Date.now() - sample.at < 10_000).toBe(true);
    }

    // the hpa baseline on it: 4 ready pods at 70 % of a 70 % target: no change
    const policy = createHpaPolicy();
    const ctx = { nowMs: Date.now(), minReplicas: 1, maxReplicas: 20, sloP95Ms: 300, sloErrorRate: 0.1 };
    const live = (await policy.decide(observation(r, Date.now()), ctx)) as PolicyOutput;
    expect(live.action).toEqual({ type: 'hold' });
    expect(live.explanation[0]).toMatch(/cpu (69|70)% vs target 70%/); // rate() jitter around 0.7;

    // 2. Prometheus stops: every sample is explicit no data (error), never a zero
    await stopPrometheus();
    const down = await source().read(target, Date.now());
    for (const sample of Object.values(down.service)) {
      expect(sample).toMatchObject({ ok: false, reason: 'error' });
    }
    const obsDown = observation(down, Date.now());
    const decided = (await policy.decide(obsDown, { ...ctx, nowMs: Date.now() })) as PolicyOutput;
    expect(decided.action).toEqual({ type: 'hold' });
    expect(decided.explanation[0]).toMatch(/no data for cpuUtilization \(no data: error/);
    // and the guardrails hold any change proposed on it
    const guarded = guard({ type: 'replicas', delta: 3 }, obsDown, { commitTimes: [] }, limits, Date.now());
    expect(guarded.action).toEqual({ type: 'hold' });
    expect(guarded.interventions[0]).toMatchObject({ rule: 'stale-metrics', effect: 'vetoed' });

    // 3. Prometheus comes back on the same port and data dir: readings recover
    prom = startPrometheus();
    await waitReady();
    const back = await readWhenRatesSettle();
    expect(back.service.specReplicas).toMatchObject({ ok: true, value: TRUTH.spec });
    expect(back.service.p95LatencyMs.ok).toBe(true);
    const after = guard(
      { type: 'replicas', delta: 1 },
      observation(back, Date.now()),
      { commitTimes: [] },
      limits,
      Date.now(),
    );
    expect(after.interventions.find((i) => i.rule === 'stale-metrics')).toBeUndefined();
  });
});
