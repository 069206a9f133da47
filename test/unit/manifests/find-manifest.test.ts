import { isMaestroError, type MaestroError } from '../../../src/core/errors';
import { findManifest, readHpa, setHpaBounds } from '../../../src/manifests';

/** A kustomize layout: base objects without namespace, an overlay adding its own objects. */
const files = new Map<string, string>([
  [
    'apps/base/kustomization.yaml',
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, hpa.yaml]\n',
  ],
  [
    'apps/base/deployment.yaml',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  template: {}\n',
  ],
  [
    'apps/base/hpa.yaml',
    '# HPA for podinfo\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: podinfo\nspec:\n  minReplicas: 2\n  maxReplicas: 4\n',
  ],
  [
    'apps/prod/extra.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: worker\n  namespace: prod\nspec:\n  maxReplicas: 3\n',
  ],
]);

function error(fn: () => unknown): MaestroError {
  try {
    fn();
  } catch (e) {
    if (isMaestroError(e)) return e;
    throw e;
  }
  throw new Error('expected a MaestroError');
}

test('finds the object in whichever file holds it, by kind + name (+ namespace)', () => {
  expect(
    findManifest(files, { kind: 'HorizontalPodAutoscaler', name: 'podinfo', namespace: 'prod' }),
  ).toEqual({
    file: 'apps/base/hpa.yaml',
    index: 0,
    line: 2,
  });
  expect(findManifest(files, { kind: 'HorizontalPodAutoscaler', name: 'worker' })).toEqual({
    file: 'apps/prod/extra.yaml',
    index: 1,
    line: 6,
  });
});

test('then the file found is edited and read back', () => {
  const where = findManifest(files, { kind: 'HorizontalPodAutoscaler', name: 'podinfo' });
  const source = { file: where.file, text: files.get(where.file)! };
  const out = setHpaBounds(source, { name: 'podinfo' }, { maxReplicas: 8 });
  expect(readHpa({ file: where.file, text: out }, { name: 'podinfo' }).maxReplicas).toBe(8);
});

test('an explicit namespace that differs does not match', () => {
  const e = error(() =>
    findManifest(files, { kind: 'HorizontalPodAutoscaler', name: 'worker', namespace: 'dev' }),
  );
  expect(e.code).toBe('MANIFEST_TARGET_NOT_FOUND');
  expect(e.message).toContain('apps/base/hpa.yaml');
  expect(e.message).toContain('apps/prod/extra.yaml');
});

test('two matches across files are ambiguous, naming both places', () => {
  const twice = new Map(files);
  twice.set(
    'apps/prod/hpa-patch.yaml',
    'kind: HorizontalPodAutoscaler\nmetadata:\n  name: podinfo\nspec:\n  maxReplicas: 9\n',
  );
  const e = error(() => findManifest(twice, { kind: 'HorizontalPodAutoscaler', name: 'podinfo' }));
  expect(e.code).toBe('MANIFEST_TARGET_AMBIGUOUS');
  expect(e.data['matches']).toEqual(['apps/base/hpa.yaml:2', 'apps/prod/hpa-patch.yaml:1']);
  expect(e.message).toContain('apps/base/hpa.yaml:2, apps/prod/hpa-patch.yaml:1');
});

test('a file that does not parse is an error, not skipped', () => {
  const broken = new Map(files);
  broken.set('apps/prod/broken.yaml', 'kind: Deployment\nmetadata: {name: x\n');
  const e = error(() => findManifest(broken, { kind: 'Deployment', name: 'podinfo' }));
  expect(e.code).toBe('YAML_PARSE');
  expect(e.data['file']).toBe('apps/prod/broken.yaml');
});
