import { yamlTargetManifests } from '../../../../src/cli/wiring/target-manifests';
import { loadTemplateFiles } from '../../../../src/cli/wiring/template-files';
import type { TargetRef } from '../../../../src/core/ports';
import type { ManifestEdit } from '../../../../src/loop/ports';
import { CHECKOUT_CANARY } from '../../../support/target-refs';

const files = loadTemplateFiles();
const m = yamlTargetManifests();
const web: TargetRef = {
  name: 'web',
  kind: 'deployment-replicas',
  file: 'apps/web/deployment.yaml',
  namespace: 'shop',
  resourceName: 'web',
};
const api: TargetRef = {
  name: 'api',
  kind: 'hpa-bounds',
  file: 'apps/api/hpa.yaml',
  namespace: 'shop',
  resourceName: 'api',
};
const checkout = CHECKOUT_CANARY;

/** Lines that differ between two texts (same length expected: edits are in place). */
function changed(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  return y.filter((l, i) => l !== x[i]);
}

describe('yamlTargetManifests over gitops-repo-template', () => {
  it('reads the declared state of each target kind', () => {
    expect(m.read(web, files['apps/web/deployment.yaml']!)).toEqual({
      paused: false,
      replicas: expect.any(Number),
    });
    expect(m.read(api, files['apps/api/hpa.yaml']!)).toMatchObject({
      paused: false,
      minReplicas: expect.any(Number),
      maxReplicas: expect.any(Number),
    });
    expect(m.read(checkout, files['apps/checkout/canary.yaml']!)).toEqual({
      paused: false,
      stepWeight: 10,
      maxWeight: 50,
      skipAnalysis: false,
    });
  });

  it('edits one field in place and keeps every comment', () => {
    const text = files['apps/web/deployment.yaml']!;
    const out = m.apply(web, text, { kind: 'replicas', replicas: 7 });
    expect(changed(text, out)).toEqual([expect.stringMatching(/^\s+replicas: 7(\s+#.*)?$/)]);
    expect(out.match(/#/g)?.length).toBe(text.match(/#/g)?.length);
    const canary = files['apps/checkout/canary.yaml']!;
    const skipped = m.apply(checkout, canary, { kind: 'canary-skip-analysis', skipAnalysis: true });
    expect(changed(canary, skipped)).toEqual([
      expect.stringMatching(/^\s+skipAnalysis: true # MAESTRO edits this/),
    ]);
    expect(m.read(checkout, skipped).skipAnalysis).toBe(true);
  });

  it('returns the text unchanged when the edit changes nothing', () => {
    const text = files['apps/checkout/canary.yaml']!;
    expect(m.apply(checkout, text, { kind: 'canary-step-weight', stepWeight: 10 })).toBe(text);
  });

  it('pauses and resumes through an annotation that reads back', () => {
    const text = files['apps/api/hpa.yaml']!;
    const paused = m.apply(api, text, { kind: 'paused', paused: true, by: 'Ada' });
    expect(paused).toContain('maestro.dev/paused: "true"');
    expect(paused).toContain('maestro.dev/paused-by: Ada');
    expect(m.read(api, paused).paused).toBe(true);
    const resumed = m.apply(api, paused, { kind: 'paused', paused: false, by: 'Ada' });
    expect(m.read(api, resumed).paused).toBe(false);
    expect(resumed).not.toContain('maestro.dev/paused');
  });

  it('splices only the image line when a release changed only the image', () => {
    const promoted = files['apps/checkout/deployment.yaml']!;
    const released = promoted.replace(/image: (\S+):[\w.]+/, 'image: $1:1.4.0');
    const reverted = m.apply(checkout, released, { kind: 'pod-template', fromText: promoted });
    expect(reverted).toBe(promoted);
  });

  it('replaces the whole template when more than the image changed', () => {
    const promoted = files['apps/checkout/deployment.yaml']!;
    const released = promoted
      .replace(/image: (\S+):[\w.]+/, 'image: $1:1.4.0')
      .replace('prometheus.io/scrape: "true"', 'prometheus.io/scrape: "false"');
    const reverted = m.apply(checkout, released, { kind: 'pod-template', fromText: promoted });
    expect(reverted).toContain('prometheus.io/scrape: "true"');
    expect(reverted).not.toContain(':1.4.0');
    expect(reverted.split('\n').slice(0, 10)).toEqual(promoted.split('\n').slice(0, 10)); // header comments kept
    // the template's text, comments included, comes back exactly; nothing else in the file moved
    expect(reverted).toBe(promoted);
  });

  it('adds the first annotation with the annotations mapping, as a splice, and resume takes it out again', () => {
    const text = files['apps/api/hpa.yaml']!;
    expect(text).not.toContain('annotations:');
    const paused = m.apply(api, text, { kind: 'paused', paused: true, by: 'Ada Lovelace <ada@example.com>' });
    const lines = text.split('\n');
    const at = lines.indexOf('    app: api') + 1;
    expect(paused).toBe(
      [
        ...lines.slice(0, at),
        '  annotations:',
        '    maestro.dev/paused: "true"',
        '    maestro.dev/paused-by: Ada Lovelace <ada@example.com>',
        ...lines.slice(at),
      ].join('\n'),
    );
    expect(m.apply(api, paused, { kind: 'paused', paused: false, by: 'Ada' })).toBe(text);
    expect(m.apply(api, text, { kind: 'paused', paused: false, by: 'Ada' })).toBe(text);
  });

  it('what it remembers of a text it wrote is what a fresh read of that text says', () => {
    const cases: Array<[TargetRef, string, ManifestEdit[]]> = [
      [
        web,
        'apps/web/deployment.yaml',
        [
          { kind: 'replicas', replicas: 9 },
          { kind: 'paused', paused: true, by: 'Ada' },
          { kind: 'replicas', replicas: 2 },
          { kind: 'paused', paused: false, by: 'Ada' },
        ],
      ],
      [
        api,
        'apps/api/hpa.yaml',
        [
          { kind: 'hpa-bounds', minReplicas: 4, maxReplicas: 12 },
          { kind: 'paused', paused: true, by: 'Ada' },
        ],
      ],
      [
        checkout,
        'apps/checkout/canary.yaml',
        [
          { kind: 'canary-step-weight', stepWeight: 20 },
          { kind: 'canary-skip-analysis', skipAnalysis: true },
          { kind: 'paused', paused: true, by: 'Ada' },
          { kind: 'canary-skip-analysis', skipAnalysis: false },
        ],
      ],
    ];
    for (const [ref, file, edits] of cases) {
      const adapter = yamlTargetManifests();
      let text = files[file]!;
      adapter.read(ref, text);
      for (const edit of edits) {
        const out = adapter.apply(ref, text, edit);
        expect(out).not.toBe(text);
        expect(adapter.read(ref, out)).toEqual(yamlTargetManifests().read(ref, out));
        text = out;
      }
    }
  });

  it('reverts the pod template from an earlier version of the Deployment file', () => {
    const promoted = files['apps/checkout/deployment.yaml']!;
    const released = promoted.replace(/image: (\S+):[\w.]+/, 'image: $1:1.4.0');
    expect(released).not.toBe(promoted);
    const reverted = m.apply(checkout, released, { kind: 'pod-template', fromText: promoted });
    expect(reverted).not.toContain(':1.4.0');
    expect(reverted).toContain(/image: (\S+)/.exec(promoted)![1]);
  });

  it('names the file and line of broken YAML and a missing object', () => {
    expect(() => m.read(web, 'kind: Deployment\nmetadata: {name: web\n')).toThrow(
      /apps\/web\/deployment.yaml:\d+/,
    );
    expect(() => m.read(web, 'kind: Deployment\nmetadata: {name: other}\n')).toThrow(
      /no Deployment shop\/web in this file \(it holds Deployment other\)/,
    );
    expect(() => m.read(web, 'kind: Deployment\nmetadata: {name: web}\nspec: {replicas: "3"}\n')).toThrow(
      /spec.replicas/,
    );
  });
});
