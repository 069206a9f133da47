import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfigText } from '../../../src/config/load-config';
import { describeWithBinary } from '../../support/external-binary';
import {
  FLUX_DIR,
  REPO_ROOT,
  filesBelow,
  get,
  kustomizationDirs,
  parseObjects,
  type K8sObject,
} from '../../unit/deploy/deploy-fixtures';

/**
 * Every kustomization in gitops-repo-template/ and flux/ builds with a real `kubectl kustomize`
 * (Debian's kubernetes-client 1.20 with kustomize v2 in CI, any newer kubectl elsewhere; set KUBECTL
 * to try a particular binary), and the builds contain what Flux would apply.
 */
const run = promisify(execFile);
const kubectl = describeWithBinary('kubectl', [
  ...(process.env.KUBECTL ? [process.env.KUBECTL] : []),
  'kubectl',
]);
const promtool = describeWithBinary('promtool (package prometheus)', ['promtool', '/usr/bin/promtool']);

const DIRS = kustomizationDirs();

async function build(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(kubectl.path as string, ['kustomize', join(REPO_ROOT, dir)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseObjects(stdout, `kubectl kustomize ${dir}`);
}

describe('kustomizations', () => {
  it('are where the docs say they are', () => {
    expect(DIRS).toEqual([
      'flux/agent',
      'flux/agent-sync',
      'flux/config-repo',
      'flux/flagger',
      'flux/monitoring',
      'flux/secrets',
      'gitops-repo-template/apps',
      'gitops-repo-template/clusters/production',
    ]);
  });

  it.each(DIRS)('%s lists every manifest in its folder (no file Flux would silently skip)', (dir) => {
    const k = parse(readFileSync(join(REPO_ROOT, dir, 'kustomization.yaml'), 'utf8')) as {
      resources?: string[];
      configMapGenerator?: { files: string[] }[];
    };
    const listed = new Set([
      ...(k.resources ?? []),
      ...(k.configMapGenerator ?? []).flatMap((g) => g.files),
      'kustomization.yaml',
    ]);
    const present = filesBelow(join(REPO_ROOT, dir), /\.ya?ml$/)
      .map((f) => f.slice(dir.length + 1))
      .filter((f) => f !== 'prometheus-scrape-config.yml'); // Prometheus config, not a Kubernetes object
    expect(present.filter((f) => !listed.has(f))).toEqual([]);
    expect([...listed].filter((f) => !present.includes(f))).toEqual([]);
  });
});

kubectl.describe('kubectl kustomize', () => {
  it.each(DIRS)('builds %s into well-formed objects', async (dir) => {
    const objects = await build(dir);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
  });

  it('builds the apps with the three targets and leaves the gate secret placeholder for Flux', async () => {
    const objects = await build('gitops-repo-template/apps');
    const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    expect(ids).toEqual([
      'Canary/shop/checkout',
      'Deployment/shop/api',
      'Deployment/shop/checkout',
      'Deployment/shop/web',
      'HorizontalPodAutoscaler/shop/api',
      'HorizontalPodAutoscaler/shop/checkout',
      'Namespace//shop',
      'Service/shop/api',
      'Service/shop/web',
    ]);
    const canary = objects.find((o) => o.kind === 'Canary');
    const hooks = get(canary, 'spec.analysis.webhooks') as { metadata: { gateSecret: string } }[];
    expect(hooks.map((h) => h.metadata.gateSecret)).toEqual(Array(3).fill('${MAESTRO_GATE_SECRET}'));
  });

  it('builds the agent with its config mounted from the generated ConfigMap', async () => {
    const objects = await build('flux/agent');
    const configMap = objects.find((o) => o.kind === 'ConfigMap') as K8sObject & {
      data: Record<string, string>;
    };
    const text = configMap.data['maestro.yaml'] as string;
    expect(text).toBe(readFileSync(join(FLUX_DIR, 'agent', 'maestro.yaml'), 'utf8'));
    expect(parseConfigText(text, 'flux/agent/maestro.yaml').ok).toBe(true);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const volumes = get(deployment, 'spec.template.spec.volumes') as {
      name: string;
      configMap?: { name: string };
    }[];
    // the generated name carries a content hash, and the Deployment must refer to exactly that name
    expect(configMap.metadata.name).toMatch(/^maestro-config-[a-z0-9]+$/);
    expect(volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(configMap.metadata.name);
    expect(get(deployment, 'spec.template.spec.containers.0.image')).toMatch(
      /^ghcr\.io\/your-org\/maestro:\d/,
    );
    for (const o of objects) {
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('maestro-system');
    }
  });

  it('builds the cluster entry point that applies ./apps from the config repo', async () => {
    const [apps] = await build('gitops-repo-template/clusters/production');
    expect(apps?.kind).toBe('Kustomization');
    expect(get(apps, 'spec.path')).toBe('./apps');
    expect(get(apps, 'spec.postBuild.substituteFrom.0.name')).toBe('maestro-gate');
  });
});

promtool.describe('promtool', () => {
  it('accepts the plain Prometheus scrape config for the agent', async () => {
    const { stdout } = await run(promtool.path as string, [
      'check',
      'config',
      join(FLUX_DIR, 'monitoring', 'prometheus-scrape-config.yml'),
    ]);
    expect(stdout).toContain('SUCCESS');
  });
});
