import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../src/config/load-config';
import type { MaestroConfig } from '../../../src/config/schema';
import { parseCanary } from '../../../src/sim/flagger/canary-spec';
import {
  FLUX_DIR,
  REPO_ROOT,
  TEMPLATE_DIR,
  filesBelow,
  get,
  readObjects,
  type K8sObject,
} from './deploy-fixtures';

/**
 * The agent configs (examples/maestro.yaml for the demo, flux/agent/maestro.yaml for a cluster), the
 * config-repo template and the agent's manifests must agree: every target names a real object, the
 * Canary's gates reach the agent's Service, and every secret the config names is in the template.
 */

function loadAgentConfig(file: string): MaestroConfig {
  const r = parseConfigText(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r.config;
}

const KIND_OF_TARGET = {
  'deployment-replicas': 'Deployment',
  'hpa-bounds': 'HorizontalPodAutoscaler',
  'flagger-canary': 'Canary',
} as const;

const templateObjects: K8sObject[] = filesBelow(join(TEMPLATE_DIR, 'apps'), /\.yaml$/)
  .filter((f) => !f.endsWith('/kustomization.yaml'))
  .flatMap((f) => readObjects(join(REPO_ROOT, f)));

function findObject(kind: string, name: string, namespace = 'shop'): K8sObject {
  const hits = templateObjects.filter(
    (o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace,
  );
  if (hits.length !== 1)
    throw new Error(`expected exactly one ${kind} ${namespace}/${name}, found ${hits.length}`);
  return hits[0] as K8sObject;
}

function templateText(file: string): string {
  return readFileSync(join(TEMPLATE_DIR, file), 'utf8');
}

describe.each(['examples/maestro.yaml', 'flux/agent/maestro.yaml'])('agent config %s', (configFile) => {
  const config = loadAgentConfig(configFile);

  it('names only objects that exist in the template, in the file it names', () => {
    expect(config.targets.map((t) => t.name)).toEqual(['web', 'api', 'checkout']);
    for (const t of config.targets) {
      const file = join(TEMPLATE_DIR, config.git.pathPrefix, t.file);
      expect(existsSync(file)).toBe(true);
      const kind = KIND_OF_TARGET[t.kind];
      const inFile = readObjects(file).filter(
        (o) =>
          o.kind === kind &&
          o.metadata.name === (t.resource ?? t.name) &&
          o.metadata.namespace === t.namespace,
      );
      expect(inFile).toHaveLength(1);
    }
  });

  it('starts every scaled object inside the target bounds', () => {
    for (const t of config.targets) {
      if (t.kind === 'deployment-replicas') {
        const replicas = get(findObject('Deployment', t.name, t.namespace), 'spec.replicas') as number;
        expect(replicas).toBeGreaterThanOrEqual(t.minReplicas);
        expect(replicas).toBeLessThanOrEqual(t.maxReplicas);
      } else {
        const hpaName =
          t.kind === 'hpa-bounds'
            ? t.name
            : (get(findObject('Canary', t.name), 'spec.autoscalerRef.name') as string);
        const hpa = findObject('HorizontalPodAutoscaler', hpaName, t.namespace);
        expect(get(hpa, 'spec.minReplicas')).toBeGreaterThanOrEqual(t.minReplicas);
        expect(get(hpa, 'spec.maxReplicas')).toBeLessThanOrEqual(t.maxReplicas);
      }
    }
  });
});

describe('gitops-repo-template', () => {
  const deployments = templateObjects.filter((o) => o.kind === 'Deployment');
  const hpas = templateObjects.filter((o) => o.kind === 'HorizontalPodAutoscaler');

  it('gives every container a CPU request and a readiness probe', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['api', 'checkout', 'web']);
    for (const d of deployments) {
      const containers = get(d, 'spec.template.spec.containers') as Record<string, unknown>[];
      expect(containers.length).toBeGreaterThan(0);
      for (const c of containers) {
        expect(get(c, 'resources.requests.cpu')).toMatch(/^\d+m?$/);
        expect(get(c, 'readinessProbe.httpGet.path')).toBe('/readyz');
      }
    }
  });

  it('keeps spec.replicas only where the agent owns it and no HPA scales the Deployment', () => {
    const scaledByHpa = new Set(hpas.map((h) => get(h, 'spec.scaleTargetRef.name')));
    expect(scaledByHpa).toEqual(new Set(['api', 'checkout']));
    for (const d of deployments) {
      if (scaledByHpa.has(d.metadata.name)) expect(get(d, 'spec.replicas')).toBeUndefined();
      else expect(typeof get(d, 'spec.replicas')).toBe('number');
    }
  });

  it('has the checkout Canary with the Flagger baseline analysis and the three gates', () => {
    const canary = findObject('Canary', 'checkout');
    expect(canary.apiVersion).toBe('flagger.app/v1beta1');
    expect(get(canary, 'spec.targetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'checkout',
    });
    expect(get(canary, 'spec.autoscalerRef')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      name: 'checkout',
    });
    findObject('HorizontalPodAutoscaler', 'checkout');
    const analysis = get(canary, 'spec.analysis') as Record<string, unknown>;
    expect(analysis).toMatchObject({ interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 });
    expect(analysis.stepWeights).toBeUndefined();
    expect(analysis.iterations).toBeUndefined();
    expect(analysis.metrics).toEqual([
      { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
      { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
    ]);
    const hooks = analysis.webhooks as { type: string; url: string; metadata: Record<string, string> }[];
    expect(hooks.map((h) => h.type)).toEqual(['confirm-traffic-increase', 'confirm-promotion', 'rollback']);
    for (const h of hooks) {
      expect(h.url).toBe(`http://maestro.maestro-system.svc:8080/gate/${h.type}`);
      expect(h.metadata).toEqual({ gateSecret: '${MAESTRO_GATE_SECRET}' });
    }
  });

  it('reads the same in the simulator (the demo runs this Canary through its Flagger-like controller)', () => {
    const spec = parseCanary(findObject('Canary', 'checkout'), 'apps/checkout/canary.yaml');
    expect(spec).toMatchObject({
      name: 'checkout',
      namespace: 'shop',
      targetName: 'checkout',
      skipAnalysis: false,
    });
    expect(spec.analysis).toMatchObject({ intervalSeconds: 60, threshold: 5, stepWeight: 10, maxWeight: 50 });
    expect(spec.analysis.metrics).toEqual([
      { name: 'request-success-rate', min: 99, intervalSeconds: 60 },
      { name: 'request-duration', max: 500, intervalSeconds: 60 },
    ]);
    expect(spec.analysis.webhooks.map((w) => w.type)).toEqual([
      'confirm-traffic-increase',
      'confirm-promotion',
      'rollback',
    ]);
  });

  it('releases checkout by an image tag the demo can change', () => {
    const image = get(findObject('Deployment', 'checkout'), 'spec.template.spec.containers.0.image');
    expect(image).toMatch(/^[a-z0-9./-]+:\d+\.\d+\.\d+$/);
  });

  it('says in comments which fields MAESTRO edits', () => {
    expect(templateText('apps/web/deployment.yaml')).toMatch(/^ {2}replicas: \d+ # MAESTRO edits this/m);
    const hpa = templateText('apps/api/hpa.yaml');
    expect(hpa).toMatch(/^ {2}minReplicas: \d+ # MAESTRO edits this$/m);
    expect(hpa).toMatch(/^ {2}maxReplicas: \d+ # MAESTRO edits this$/m);
    const canary = templateText('apps/checkout/canary.yaml');
    expect(canary).toMatch(/^ {4}maxWeight: \d+ # .*MAESTRO edits this$/m);
    expect(canary).toMatch(/^ {4}stepWeight: \d+ # .*MAESTRO edits this$/m);
    expect(canary).toMatch(/^ {2}skipAnalysis: false # MAESTRO edits this/m);
  });
});

describe('the agent manifests and the template agree', () => {
  const clusterConfig = loadAgentConfig('flux/agent/maestro.yaml');
  const agent = filesBelow(join(FLUX_DIR, 'agent'), /\.yaml$/)
    .filter((f) => !f.endsWith('/kustomization.yaml') && !f.endsWith('/maestro.yaml'))
    .flatMap((f) => readObjects(join(REPO_ROOT, f)));
  const secrets = readObjects(join(FLUX_DIR, 'secrets', 'secrets.template.yaml'));
  const secret = (name: string): Record<string, string> =>
    (secrets.find((s) => s.kind === 'Secret' && s.metadata.name === name)?.stringData ?? {}) as Record<
      string,
      string
    >;

  it('serves the gate URL the Canary calls', () => {
    const service = agent.find((o) => o.kind === 'Service') as K8sObject;
    const url = new URL(
      (get(findObject('Canary', 'checkout'), 'spec.analysis.webhooks') as { url: string }[])[0]?.url ?? '',
    );
    expect(url.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc`);
    const port = (get(service, 'spec.ports') as { port: number; targetPort: string }[])[0];
    expect(String(port?.port)).toBe(url.port);
    const container = get(
      agent.find((o) => o.kind === 'Deployment'),
      'spec.template.spec.containers.0',
    ) as Record<string, unknown>;
    const containerPort = (container.ports as { name: string; containerPort: number }[]).find(
      (p) => p.name === port?.targetPort,
    );
    expect(containerPort?.containerPort).toBe(clusterConfig.server.port);
    expect(clusterConfig.server.host).toBe('0.0.0.0');
  });

  it('puts every env var the cluster config names into the secrets template', () => {
    const names = [
      clusterConfig.git.tokenEnv,
      clusterConfig.server.gateSecretEnv,
      ...clusterConfig.server.tokens.map((t) => t.env),
    ].filter((n): n is string => n !== undefined);
    expect(names.length).toBe(4);
    const agentEnv = secret('maestro-secrets');
    for (const n of names) expect(agentEnv[n]).toBe('CHANGE-ME');
    const deployment = agent.find((o) => o.kind === 'Deployment');
    expect(get(deployment, 'spec.template.spec.containers.0.envFrom')).toEqual([
      { secretRef: { name: 'maestro-secrets' } },
    ]);
  });

  it('substitutes the gate secret the Canary references from the Secret the template creates', () => {
    const variable = '${MAESTRO_GATE_SECRET}'.slice(2, -1);
    expect(clusterConfig.server.gateSecretEnv).toBe(variable);
    const apps = readObjects(join(TEMPLATE_DIR, 'clusters', 'production', 'apps.yaml'))[0];
    const from = get(apps, 'spec.postBuild.substituteFrom') as { kind: string; name: string }[];
    expect(from).toEqual([{ kind: 'Secret', name: 'maestro-gate' }]);
    expect(get(readObjects(join(FLUX_DIR, 'secrets', 'secrets.template.yaml'))[1], 'metadata')).toEqual({
      name: 'maestro-gate',
      namespace: 'flux-system',
    });
    expect(Object.keys(secret('maestro-gate'))).toEqual([variable]);
  });

  it('syncs the config repo the agent pushes to', () => {
    const repo = readObjects(join(FLUX_DIR, 'config-repo', 'gitrepository.yaml'))[0];
    expect(get(repo, 'spec.url')).toBe(clusterConfig.git.url);
    expect(get(repo, 'spec.ref.branch')).toBe(clusterConfig.git.branch);
    const apps = readObjects(join(TEMPLATE_DIR, 'clusters', 'production', 'apps.yaml'))[0];
    expect(get(apps, 'spec.sourceRef.name')).toBe(repo?.metadata.name);
  });

  it('runs the agent as one non-root replica with no Kubernetes API token', () => {
    const deployment = agent.find((o) => o.kind === 'Deployment');
    expect(get(deployment, 'spec.replicas')).toBe(1);
    expect(get(deployment, 'spec.strategy.type')).toBe('Recreate');
    expect(get(deployment, 'spec.template.spec.securityContext.runAsNonRoot')).toBe(true);
    expect(get(deployment, 'spec.template.spec.automountServiceAccountToken')).toBe(false);
    expect(get(deployment, 'spec.template.spec.containers.0.args')).toEqual([
      'run',
      '--config',
      '/etc/maestro/maestro.yaml',
    ]);
    expect(agent.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'Namespace',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role', // Lease access for several replicas (ha.elector kubernetes); no token mounted by default
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
  });
});
