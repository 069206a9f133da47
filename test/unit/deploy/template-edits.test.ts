import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import {
  readCanary,
  readDeployment,
  readHpa,
  setCanaryMaxWeight,
  setCanarySkipAnalysis,
  setCanaryStepWeight,
  setCanaryWebhookUrl,
  setContainerImage,
  setDeploymentReplicas,
  setHpaBounds,
  validateCanaryManifest,
  type ManifestSource,
} from '../../../src/manifests';
import { REPO_ROOT, TEMPLATE_DIR, filesBelow, readObjects } from './deploy-fixtures';

/**
 * The template stays valid under every edit the agent makes to it, through the same editors and the
 * same Flagger CRD validation the agent uses (src/manifests), and each edit keeps every comment.
 */
const source = (file: string): ManifestSource => ({
  file,
  text: readFileSync(join(TEMPLATE_DIR, file), 'utf8'),
});
const commentLines = (text: string): string[] => text.split('\n').filter((l) => /^\s*#/.test(l));
const ref = (name: string) => ({ name, namespace: 'shop' });

/** Applies `edit`, checks that only `changedLines` lines differ and no comment was lost; returns the new source. */
function step(
  before: ManifestSource,
  edit: (s: ManifestSource) => string,
  changedLines: number,
): ManifestSource {
  const text = edit(before);
  const a = before.text.split('\n');
  const b = text.split('\n');
  expect(b.length).toBe(a.length);
  expect(b.filter((l, i) => l !== a[i])).toHaveLength(changedLines);
  expect(commentLines(text)).toEqual(commentLines(before.text));
  return { file: before.file, text };
}

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('every Canary in the template', () => {
  const canaryFiles = filesBelow(TEMPLATE_DIR, /\.yaml$/)
    .map((f) => f.slice('gitops-repo-template/'.length))
    .filter((f) => readObjects(join(REPO_ROOT, 'gitops-repo-template', f)).some((o) => o.kind === 'Canary'));

  it('is found', () => {
    expect(canaryFiles).toEqual(['apps/checkout/canary.yaml']);
  });

  it.each(canaryFiles)('%s validates against the Flagger CRD', (file) => {
    for (const o of readObjects(join(TEMPLATE_DIR, file)).filter((x) => x.kind === 'Canary')) {
      expect(
        validateCanaryManifest(source(file), { name: o.metadata.name, namespace: o.metadata.namespace }),
      ).toEqual([]);
    }
  });
});

describe('agent edits to apps/checkout/canary.yaml', () => {
  const checkout = ref('checkout');

  it('stay valid through a whole release: step size, max weight, forced promote and its reset, gate URLs', () => {
    let s = source('apps/checkout/canary.yaml');
    s = step(s, (x) => setCanaryStepWeight(x, checkout, 25), 1);
    s = step(s, (x) => setCanaryMaxWeight(x, checkout, 75), 1);
    s = step(s, (x) => setCanarySkipAnalysis(x, checkout, true), 1);
    expect(readCanary(s, checkout)).toMatchObject({
      skipAnalysis: true,
      analysis: { interval: '1m', threshold: 5, stepWeight: 25, maxWeight: 75 },
    });
    s = step(s, (x) => setCanarySkipAnalysis(x, checkout, false), 1);
    for (const w of readCanary(s, checkout).webhooks) {
      s = step(
        s,
        (x) => setCanaryWebhookUrl(x, checkout, w.name, `http://maestro.ops.svc:9090/gate/${w.type}`),
        1,
      );
    }
    expect(validateCanaryManifest(s, checkout)).toEqual([]);
    const after = readCanary(s, checkout);
    expect(after.skipAnalysis).toBe(false);
    expect(after.webhooks.map((w) => w.url)).toEqual([
      'http://maestro.ops.svc:9090/gate/confirm-traffic-increase',
      'http://maestro.ops.svc:9090/gate/confirm-promotion',
      'http://maestro.ops.svc:9090/gate/rollback',
    ]);
    // the gate secret placeholder Flux substitutes is untouched by URL edits
    expect(s.text.match(/gateSecret: "\$\{MAESTRO_GATE_SECRET\}"/g)).toHaveLength(3);
  });

  it('are refused, with nothing written, when the result would not validate', () => {
    const s = source('apps/checkout/canary.yaml');
    for (const bad of [
      () => setCanaryStepWeight(s, checkout, 150),
      () => setCanaryMaxWeight(s, checkout, 101),
    ]) {
      const e = thrownBy(bad);
      expect(isMaestroError(e, 'MANIFEST_SCHEMA_INVALID')).toBe(true);
      expect((e as Error).message).toContain('apps/checkout/canary.yaml:');
    }
  });
});

describe('agent edits to the other targets', () => {
  it('rewrite web replicas in place and keep the comment that says MAESTRO owns them', () => {
    const s = step(source('apps/web/deployment.yaml'), (x) => setDeploymentReplicas(x, ref('web'), 7), 1);
    expect(readDeployment(s, ref('web')).replicas).toBe(7);
    expect(s.text).toMatch(/^ {2}replicas: 7 # MAESTRO edits this/m);
  });

  it('rewrite the api HPA bounds in place', () => {
    const s = step(
      source('apps/api/hpa.yaml'),
      (x) => setHpaBounds(x, ref('api'), { minReplicas: 4, maxReplicas: 16 }),
      2,
    );
    expect(readHpa(s, ref('api'))).toMatchObject({ minReplicas: 4, maxReplicas: 16 });
  });

  it('put a previous image back on checkout (the rollback write-back) and refuse to add replicas to it', () => {
    const s = step(
      source('apps/checkout/deployment.yaml'),
      (x) => setContainerImage(x, ref('checkout'), 'checkout', 'ghcr.io/stefanprodan/podinfo:6.4.1'),
      1,
    );
    expect(readDeployment(s, ref('checkout')).containers).toEqual([
      { name: 'checkout', image: 'ghcr.io/stefanprodan/podinfo:6.4.1' },
    ]);
    // a Flagger target keeps no spec.replicas in git: the editor refuses rather than inserting one
    const e = thrownBy(() =>
      setDeploymentReplicas(source('apps/checkout/deployment.yaml'), ref('checkout'), 3),
    );
    expect(isMaestroError(e, 'MANIFEST_FIELD_MISSING')).toBe(true);
  });
});
