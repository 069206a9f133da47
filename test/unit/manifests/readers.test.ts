import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import { readCanary, readDeployment, readHpa } from '../../../src/manifests';

const fixture = (name: string) => ({
  file: `${name}/input.yaml`,
  text: readFileSync(join(__dirname, '../../fixtures/manifests', name, 'input.yaml'), 'utf8'),
});

function codeOf(fn: () => unknown): { code?: string; line?: unknown; path?: unknown; message?: string } {
  try {
    fn();
  } catch (e) {
    if (isMaestroError(e))
      return { code: e.code, line: e.data['line'], path: e.data['path'], message: e.message };
    throw e;
  }
  return {};
}

describe('readDeployment', () => {
  test('replicas and every container image', () => {
    expect(readDeployment(fixture('deployment-replicas'), { name: 'web', namespace: 'shop' })).toEqual({
      replicas: 3,
      containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.2' }],
      line: 2,
    });
  });

  test('finds the object by namespace in a multi-document file, not by position', () => {
    const source = fixture('deployment-replicas-multidoc');
    expect(readDeployment(source, { name: 'api', namespace: 'prod' }).replicas).toBe(4);
    expect(readDeployment(source, { name: 'api', namespace: 'staging' }).replicas).toBe(1);
    expect(
      readDeployment(fixture('deployment-replicas-crlf'), { name: 'api', namespace: 'prod' }).replicas,
    ).toBe(4);
  });

  test('a Flagger target without spec.replicas reads as undefined replicas', () => {
    const state = readDeployment(fixture('deployment-image'), { name: 'podinfo', namespace: 'test' });
    expect(state.replicas).toBeUndefined();
    expect(state.containers.map((c) => c.image)).toEqual([
      'envoyproxy/envoy:v1.31.0',
      'ghcr.io/stefanprodan/podinfo:6.7.1',
    ]);
  });

  test('a wrongly typed field is MANIFEST_SCHEMA_INVALID with its line', () => {
    const text = 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: "3"\n';
    expect(codeOf(() => readDeployment({ file: 'd.yaml', text }, { name: 'web' }))).toEqual({
      code: 'MANIFEST_SCHEMA_INVALID',
      line: 5,
      path: 'spec.replicas',
      message: 'd.yaml:5: Deployment web: spec.replicas must be a number, found "3"; fix the manifest.',
    });
    const half = 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2.5\n';
    expect(codeOf(() => readDeployment({ file: 'd.yaml', text: half }, { name: 'web' })).code).toBe(
      'MANIFEST_SCHEMA_INVALID',
    );
  });
});

describe('readHpa', () => {
  test('bounds and scale target', () => {
    expect(readHpa(fixture('hpa-bounds'), { name: 'podinfo', namespace: 'test' })).toEqual({
      minReplicas: 2,
      maxReplicas: 4,
      scaleTargetRef: { kind: 'Deployment', name: 'podinfo' },
      line: 1,
    });
  });

  test('minReplicas defaults to 1 as in Kubernetes; maxReplicas is required', () => {
    expect(readHpa(fixture('hpa-min-insert'), { name: 'podinfo' }).minReplicas).toBe(1);
    const text = 'kind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  minReplicas: 2\n';
    expect(codeOf(() => readHpa({ file: 'h.yaml', text }, { name: 'h' }))).toMatchObject({
      code: 'MANIFEST_SCHEMA_INVALID',
      path: 'spec.maxReplicas',
    });
  });
});

describe('readCanary', () => {
  test('analysis, webhooks, references and skipAnalysis', () => {
    expect(readCanary(fixture('canary-step-weight'), { name: 'podinfo', namespace: 'test' })).toEqual({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' },
      analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
      skipAnalysis: false,
      webhooks: [
        {
          name: 'gate-traffic',
          type: 'confirm-traffic-increase',
          url: 'http://maestro.maestro-system:8080/gate/traffic',
        },
        {
          name: 'gate-promotion',
          type: 'confirm-promotion',
          url: 'http://maestro.maestro-system:8080/gate/promotion',
        },
        { name: 'gate-rollback', type: 'rollback', url: 'http://maestro.maestro-system:8080/gate/rollback' },
      ],
      line: 2,
    });
    expect(readCanary(fixture('canary-skip-analysis-reset'), { name: 'podinfo' }).skipAnalysis).toBe(true);
  });

  test('stepWeights are read as a list', () => {
    const c = readCanary(fixture('error-step-weight-with-step-weights'), { name: 'podinfo' });
    expect(c.analysis).toEqual({ interval: '1m', threshold: 5, stepWeights: [5, 10, 20, 50] });
  });

  test('a Canary without targetRef is invalid', () => {
    const text = 'kind: Canary\nmetadata: {name: c}\nspec:\n  analysis: {interval: 1m}\n';
    expect(codeOf(() => readCanary({ file: 'c.yaml', text }, { name: 'c' }))).toMatchObject({
      code: 'MANIFEST_SCHEMA_INVALID',
      path: 'spec.targetRef.name',
    });
  });
});
