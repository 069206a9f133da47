import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RepoSnapshot } from '../../../src/core/ports';
import type { WebhookCaller, WebhookPayload } from '../../../src/sim/flagger/canary-controller';
import { SimRuntime } from '../../../src/sim/runtime/sim-runtime';
import { getScenario } from '../../../src/sim/scenarios';

/** An in-memory config repo: each commit is a full file map with a content-derived sha. */
class MemoryRepo {
  private files: Map<string, string>;
  head: string;
  constructor(files: Record<string, string>) {
    this.files = new Map(Object.entries(files));
    this.head = this.sha();
  }
  private sha(): string {
    const h = createHash('sha1');
    for (const [k, v] of [...this.files.entries()].sort()) h.update(`${k}\0${v}\0`);
    return h.digest('hex');
  }
  commit(path: string, edit: (text: string) => string): void {
    this.files.set(path, edit(this.files.get(path) ?? ''));
    this.head = this.sha();
  }
  async snapshot(): Promise<RepoSnapshot> {
    const files = new Map(this.files);
    return { head: this.head, readFile: async (p) => files.get(p) };
  }
}

function fixtureFiles(): Record<string, string> {
  const root = join(__dirname, '../../fixtures/sim/repo');
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** default gate: traffic increases allowed, rollback not asked for */
function setup(
  gate: (url: string, p: WebhookPayload) => number = (url) => (url.endsWith('/rollback') ? 403 : 200),
) {
  const repo = new MemoryRepo(fixtureFiles());
  const calls: Array<{ url: string; payload: WebhookPayload }> = [];
  const callWebhook: WebhookCaller = async (url, payload) => {
    calls.push({ url, payload });
    return { status: gate(url, payload) };
  };
  const runtime = new SimRuntime({
    scenario: getScenario('steady'),
    traffic: { web: { kind: 'steady', rps: 300 }, api: { kind: 'steady', rps: 100 } },
    seed: 9,
    source: repo,
    branch: 'main',
    fluxIntervalSeconds: 10,
    callWebhook,
  });
  return { repo, runtime, calls };
}

describe('Flux-like reconciler applying the config repo to the simulated cluster', () => {
  it('applies Deployments, HPA and Canary and records lastAppliedRevision as <branch>@sha1:<sha>', async () => {
    const { repo, runtime } = setup();
    await runtime.advance(60);
    const st = runtime.reconciler!.status;
    expect(st.ready).toBe(true);
    expect(st.lastAppliedRevision).toBe(`main@sha1:${repo.head}`);
    const c = runtime.cluster;
    expect(c.services.get('api')!.specReplicas).toBe(4);
    expect(c.services.get('web')!.primary.deployment).toBe('web-primary');
    expect(c.canaries.get('web')!.controller.status.phase).toBe('Initialized');
    const metrics = c.metrics!.render();
    expect(metrics).toContain(
      `gotk_resource_info{customresource_group="kustomize.toolkit.fluxcd.io",customresource_kind="Kustomization",customresource_version="v1",exported_namespace="flux-system",name="apps",ready="True",revision="main@sha1:${repo.head}"} 1`,
    );
    expect(metrics).toContain('kube_deployment_spec_replicas{namespace="default",deployment="api"} 4');
    expect(metrics).toMatch(
      /kube_deployment_spec_replicas\{namespace="default",deployment="web-primary"\} \d+/,
    );
    expect(metrics).toContain('flagger_canary_status{name="web",namespace="default"} 1');
  });

  it('a replicas commit is applied on the next poll; the HPA scales the Flagger target', async () => {
    const { repo, runtime } = setup();
    await runtime.advance(30);
    repo.commit('apps/api.yaml', (t) => t.replace('replicas: 4', 'replicas: 7'));
    await runtime.advance(10);
    expect(runtime.cluster.services.get('api')!.specReplicas).toBe(7);
    expect(runtime.reconciler!.status.lastAppliedRevision).toBe(`main@sha1:${repo.head}`);
    // web: 300 rps at 80 rps per pod and a 70 % CPU target needs ~6 pods; min 3
    await runtime.advance(300);
    expect(runtime.cluster.services.get('web')!.specReplicas).toBeGreaterThanOrEqual(5);
  });

  it('an image change starts a canary run whose webhooks carry the template checksum; a bad release rolls back', async () => {
    const { repo, runtime, calls } = setup();
    await runtime.advance(120);
    const before = runtime.cluster.canaries.get('web')!.controller.status.lastAppliedSpec;
    repo.commit('apps/web.yaml', (t) => t.replace('web:1.0.0', 'web:1.2.0')); // 8 % errors (scenario table)
    await runtime.advance(15);
    const ctl = runtime.cluster.canaries.get('web')!.controller;
    await runtime.advance(120);
    expect(ctl.status.phase).toBe('Progressing');
    expect(ctl.status.lastAppliedSpec).not.toBe(before);
    const gate = calls.filter((c) => c.url.endsWith('/gate/traffic'));
    expect(gate.length).toBeGreaterThan(0);
    expect(gate[gate.length - 1]!.payload).toEqual({
      name: 'web',
      namespace: 'default',
      phase: 'Progressing',
      checksum: ctl.status.lastAppliedSpec,
    });
    await runtime.advance(60);
    const web = (
      runtime.state() as {
        services: Array<{
          name: string;
          lastMinuteByVersion?: {
            primary: { errorRate: number };
            canary: { errorRate: number; rps: number };
          };
        }>;
      }
    ).services.find((x) => x.name === 'web')!;
    expect(web.lastMinuteByVersion!.canary.rps).toBeGreaterThan(20);
    expect(web.lastMinuteByVersion!.canary.errorRate).toBeGreaterThan(0.04);
    expect(web.lastMinuteByVersion!.primary.errorRate).toBeLessThan(0.01);
    await runtime.advance(4 * 60);
    expect(ctl.status.phase).toBe('Failed');
    expect(ctl.events.some((e) => /request-success-rate/.test(e.message))).toBe(true);
    expect(runtime.cluster.services.get('web')!.weight).toBe(0);
  });

  it('an invalid Canary fails the whole apply: Ready=False, lastAppliedRevision stays, nothing changes', async () => {
    const { repo, runtime } = setup();
    await runtime.advance(15);
    const good = runtime.reconciler!.status.lastAppliedRevision;
    repo.commit('apps/web-canary.yaml', (t) =>
      t.replace('stepWeight: 10', 'stepWeight: 10\n    stepWeights: [10, 20]'),
    );
    repo.commit('apps/api.yaml', (t) => t.replace('replicas: 4', 'replicas: 9'));
    await runtime.advance(10);
    const st = runtime.reconciler!.status;
    expect(st.ready).toBe(false);
    expect(st.message).toMatch(
      /apps\/web-canary\.yaml: Canary spec\.analysis: set only one of iterations, stepWeight, stepWeights/,
    );
    expect(st.lastAppliedRevision).toBe(good);
    expect(runtime.cluster.services.get('api')!.specReplicas).toBe(4);
    expect(runtime.cluster.metrics!.render()).toContain(
      'gotk_reconcile_condition{kind="Kustomization",name="apps",namespace="flux-system",type="Ready",status="False"} 1',
    );
  });

  it('a YAML syntax error names the file and line', async () => {
    const { repo, runtime } = setup();
    await runtime.advance(15);
    repo.commit('apps/api.yaml', (t) => t.replace('replicas: 4', 'replicas: [4'));
    await runtime.advance(10);
    expect(runtime.reconciler!.status.message).toMatch(/^apps\/api\.yaml:\d+: /);
  });

  it('serves /metrics, /state and the /hook receiver over HTTP', async () => {
    const { repo, runtime } = setup();
    await runtime.start();
    try {
      const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
      expect(metrics).toContain('# TYPE http_request_duration_seconds histogram');
      repo.commit('apps/api.yaml', (t) => t.replace('replicas: 4', 'replicas: 5'));
      const hook = await fetch(`${runtime.url}/hook`, { method: 'POST' });
      expect(hook.status).toBe(200);
      expect(((await hook.json()) as { kind: string }).kind).toBe('applied');
      const state = (await (await fetch(`${runtime.url}/state`)).json()) as {
        flux: { lastAppliedRevision: string };
      };
      expect(state.flux.lastAppliedRevision).toBe(`main@sha1:${repo.head}`);
      expect((await fetch(`${runtime.url}/nope`)).status).toBe(404);
    } finally {
      await runtime.stop();
    }
  });
});
