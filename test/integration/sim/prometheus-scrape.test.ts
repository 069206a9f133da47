import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_QUERIES, renderQuery, varsFor } from '../../../src/adapters/prometheus/queries';
import type { K8sObject } from '../../../src/sim/flux/kustomization-files';
import { SimRuntime } from '../../../src/sim/runtime/sim-runtime';
import { getScenario } from '../../../src/sim/scenarios';
import { describeWithBinary, PROMETHEUS } from '../../support/external-binary';

/**
 * A real Prometheus (Debian package) scrapes the simulator running in real time every second.
 * After a minute of scrapes, rate(http_requests_total[1m]) and histogram_quantile(0.95, ...) over
 * the simulator's series must agree with the simulator's own figures within 10 %. The test runs
 * for ~75 s because a [1m] range needs a minute of samples; that is what the acceptance asks for.
 */
const { describe: describeProm, path: prometheusBin } = describeWithBinary('Prometheus', PROMETHEUS);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function query(base: string, promql: string): Promise<number | undefined> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    data?: { result: Array<{ value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  const v = body.data?.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const deployment: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 6,
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'ghcr.io/maestro-demo/web:1.0.0', resources: { requests: { cpu: '500m' } } },
        ],
      },
    },
  },
  __file: 'web.yaml',
};

describeProm('real Prometheus scraping the simulator', () => {
  let runtime: SimRuntime;
  let prom: ChildProcess | undefined;
  let dir: string;
  let promUrl = '';
  let promLog = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-prom-'));
    runtime = new SimRuntime({
      scenario: getScenario('steady'),
      traffic: { web: { kind: 'steady', rps: 300 } },
      seed: 42,
      objects: [deployment],
      tickMs: 200,
      maxStepSeconds: 0.2,
    });
    await runtime.start();
    const target = runtime.url.replace('http://', '');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sim\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn(
      prometheusBin as string,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr?.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${promUrl}/-/ready`)).ok) return;
      } catch {
        // not up yet
      }
      await sleep(200);
    }
    throw new Error(`Prometheus did not become ready:\n${promLog}`);
  }, 60_000);

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      prom.kill('SIGTERM');
      await new Promise((r) => prom!.once('exit', r));
    }
    await runtime?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rate() and histogram_quantile(0.95) agree with the simulator within 10 %', async () => {
    await sleep(72_000);
    const state = runtime.state() as {
      services: Array<{ name: string; lastMinute?: { rps: number; p95Ms: number } }>;
    };
    const own = state.services.find((s) => s.name === 'web')?.lastMinute;
    expect(own).toBeDefined();
    const rate = await query(promUrl, 'sum(rate(http_requests_total{deployment="web"}[1m]))');
    const p95 = await query(
      promUrl,
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{deployment="web"}[1m])))',
    );
    expect(rate).toBeDefined();
    expect(p95).toBeDefined();
    expect(Math.abs((rate as number) - own!.rps) / own!.rps).toBeLessThan(0.1);
    expect(Math.abs((p95 as number) * 1000 - own!.p95Ms) / own!.p95Ms).toBeLessThan(0.1);
    // the series the agent reads exist with the simulator's values
    expect(await query(promUrl, 'kube_deployment_spec_replicas{deployment="web"}')).toBe(6);
    expect(await query(promUrl, 'kube_deployment_status_replicas_available{deployment="web"}')).toBe(6);
    const cpu = await query(
      promUrl,
      'sum(rate(container_cpu_usage_seconds_total{pod=~"web-.*"}[1m])) / sum(kube_pod_container_resource_requests{resource="cpu",pod=~"web-.*"})',
    );
    // every default query of the agent's Prometheus adapter answers for a deployment-replicas target
    const vars = varsFor({ namespace: 'default', resourceName: 'web', kind: 'deployment-replicas' }, '1m');
    for (const [key, template] of Object.entries(DEFAULT_QUERIES)) {
      if (key === 'canaryWeight' || key === 'canaryStatus' || key === 'appliedRevision') continue;
      const v = await query(promUrl, renderQuery(template, vars));
      expect({ key, ok: v !== undefined && Number.isFinite(v) }).toEqual({ key, ok: true });
    }
    const memory = await query(promUrl, renderQuery(DEFAULT_QUERIES.memory, vars));
    const ownMemory = (runtime.state() as { services: Array<{ lastMinute?: { memoryBytesPerPod: number } }> })
      .services[0]?.lastMinute?.memoryBytesPerPod;
    expect(Math.abs((memory as number) - (ownMemory as number)) / (ownMemory as number)).toBeLessThan(0.1);
    const ownCpu = (runtime.state() as { services: Array<{ lastMinute?: { cpuUtilization: number } }> })
      .services[0]?.lastMinute?.cpuUtilization;
    expect(Math.abs((cpu as number) - (ownCpu as number)) / (ownCpu as number)).toBeLessThan(0.1);
  }, 120_000);
});
