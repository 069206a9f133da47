import { isMaestroError } from '../../../src/core/errors';
import {
  editScalars,
  readHpa,
  setCanaryWebhookUrl,
  setContainerImage,
  setDeploymentReplicas,
  setHpaBounds,
} from '../../../src/manifests';
import { scalarText } from '../../../src/manifests/scalar-text';
import { Scalar } from 'yaml';

const hpa = (spec: string) =>
  `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n${spec}`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isMaestroError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return undefined;
}

describe('inserting a missing field', () => {
  test('into a flow mapping, keeping its spacing', () => {
    const text = hpa('spec: {maxReplicas: 4, scaleTargetRef: {kind: Deployment, name: h}}\n');
    expect(setHpaBounds({ file: 'h.yaml', text }, { name: 'h' }, { minReplicas: 2 })).toBe(
      hpa('spec: {maxReplicas: 4, scaleTargetRef: {kind: Deployment, name: h}, minReplicas: 2}\n'),
    );
    const spaced = hpa('spec: { maxReplicas: 4 }   # bounds\n');
    expect(setHpaBounds({ file: 'h.yaml', text: spaced }, { name: 'h' }, { minReplicas: 2 })).toBe(
      hpa('spec: { maxReplicas: 4, minReplicas: 2 }   # bounds\n'),
    );
  });

  test('at the end of a file without a final newline, with CRLF line ends', () => {
    expect(
      setHpaBounds(
        { file: 'h.yaml', text: hpa('spec:\n  maxReplicas: 4') },
        { name: 'h' },
        { minReplicas: 2 },
      ),
    ).toBe(hpa('spec:\n  maxReplicas: 4\n  minReplicas: 2'));
    const crlf = hpa('spec:\n    maxReplicas: 4 # max\n').replace(/\n/g, '\r\n');
    expect(setHpaBounds({ file: 'h.yaml', text: crlf }, { name: 'h' }, { minReplicas: 2 })).toBe(
      hpa('spec:\n    maxReplicas: 4 # max\n    minReplicas: 2\n').replace(/\n/g, '\r\n'),
    );
  });

  test('after a block scalar whose content looks like comments', () => {
    const text = hpa(
      'spec:\n  maxReplicas: 4\n  note: |\n    # not a comment\n    # still content\n\n# a real comment\n',
    );
    const out = setHpaBounds({ file: 'h.yaml', text }, { name: 'h' }, { minReplicas: 2 });
    expect(out).toBe(
      hpa(
        'spec:\n  maxReplicas: 4\n  note: |\n    # not a comment\n    # still content\n  minReplicas: 2\n\n# a real comment\n',
      ),
    );
    expect(readHpa({ file: 'h.yaml', text: out }, { name: 'h' }).minReplicas).toBe(2);
  });

  test('only where the editor allows it: maxReplicas is required, so it is never invented', () => {
    const text = hpa('spec:\n  minReplicas: 1\n');
    expect(codeOf(() => setHpaBounds({ file: 'h.yaml', text }, { name: 'h' }, { maxReplicas: 3 }))).toMatch(
      /^MANIFEST_FIELD_MISSING h\.yaml:5: HorizontalPodAutoscaler h: spec\.maxReplicas: is not set/,
    );
  });
});

describe('replacing a scalar', () => {
  test('an empty value gets a space after the colon', () => {
    const text = 'kind: Deployment\nmetadata: {name: w}\nspec:\n  replicas:\n  selector: {}\n';
    expect(setDeploymentReplicas({ file: 'd.yaml', text }, { name: 'w' }, 5)).toBe(
      'kind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 5\n  selector: {}\n',
    );
  });

  test('inside flow collections', () => {
    const text =
      'kind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers: [{name: w, image: ghcr.io/a/w:1}, {name: s, image: s:1}]\n';
    expect(setContainerImage({ file: 'd.yaml', text }, { name: 'w' }, 'w', 'ghcr.io/a/w:2')).toBe(
      text.replace('ghcr.io/a/w:1', 'ghcr.io/a/w:2'),
    );
  });

  test('a plain string that cannot stay plain becomes double-quoted', () => {
    const text =
      'kind: Canary\nmetadata: {name: c}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: c}\n  analysis:\n    interval: 1m\n    threshold: 1\n    stepWeight: 5\n    webhooks:\n      - name: g\n        url: http://gate/x\n';
    const out = setCanaryWebhookUrl({ file: 'c.yaml', text }, { name: 'c' }, 'g', 'http://gate/x?ids=[1,2]');
    expect(out).toBe(text.replace('url: http://gate/x', 'url: "http://gate/x?ids=[1,2]"'));
  });

  test('the same value returns the very same text', () => {
    const text = hpa('spec:\n  minReplicas: 2\n  maxReplicas: 4\n');
    expect(setHpaBounds({ file: 'h.yaml', text }, { name: 'h' }, { minReplicas: 2, maxReplicas: 4 })).toBe(
      text,
    );
  });

  test('anchors and aliases are refused instead of editing two places', () => {
    const anchored = hpa('spec:\n  minReplicas: &n 2\n  maxReplicas: *n\n');
    expect(
      codeOf(() => setHpaBounds({ file: 'h.yaml', text: anchored }, { name: 'h' }, { minReplicas: 1 })),
    ).toMatch(/^MANIFEST_SCHEMA_INVALID h\.yaml:6: .*spec\.minReplicas: carries the anchor &n/);
    expect(
      codeOf(() => setHpaBounds({ file: 'h.yaml', text: anchored }, { name: 'h' }, { maxReplicas: 5 })),
    ).toMatch(/^MANIFEST_SCHEMA_INVALID h\.yaml:7: .*spec\.maxReplicas: is an alias \(\*n\)/);
  });

  test('an edit inside an anchored mapping that is aliased elsewhere is refused; unaliased anchors are fine', () => {
    const shared = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec: &s',
      '  replicas: 3',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: other}',
      'spec: {replicas: 1}',
      'x: 1',
      '',
    ].join('\n');
    // an anchor nothing refers to is no reason to refuse
    expect(setDeploymentReplicas({ file: 'd.yaml', text: shared }, { name: 'web' }, 4)).toBe(
      shared.replace('replicas: 3', 'replicas: 4'),
    );
    const aliased = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec: &s',
      '  replicas: 3',
      'status:',
      '  copy: *s',
      '',
    ].join('\n');
    expect(
      codeOf(() => setDeploymentReplicas({ file: 'd.yaml', text: aliased }, { name: 'web' }, 4)),
    ).toMatch(
      /^MANIFEST_SCHEMA_INVALID d\.yaml:5: Deployment web: spec\.replicas: lies inside &s, which \*s repeats/,
    );
    const merged = hpa('spec: &base\n  minReplicas: 2\n  maxReplicas: 4\nextra:\n  <<: *base\n');
    expect(
      codeOf(() => setHpaBounds({ file: 'h.yaml', text: merged }, { name: 'h' }, { minReplicas: 3 })),
    ).toMatch(/^MANIFEST_SCHEMA_INVALID h\.yaml:\d+: .*spec\.minReplicas: lies inside &base/);
  });

  test('a mapping where a value is expected is refused', () => {
    const text = 'kind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: {min: 1}\n';
    expect(codeOf(() => setDeploymentReplicas({ file: 'd.yaml', text }, { name: 'w' }, 2))).toMatch(
      /^MANIFEST_SCHEMA_INVALID d\.yaml:4: Deployment w: spec\.replicas: is a mapping/,
    );
  });

  test('editScalars applies several edits to one object at once', () => {
    const text = hpa('spec:\n  minReplicas: 2 # a\n  maxReplicas: 4 # b\n');
    const out = editScalars({ file: 'h.yaml', text }, { kind: 'HorizontalPodAutoscaler', name: 'h' }, [
      { path: ['spec', 'maxReplicas'], value: 40 },
      { path: ['spec', 'minReplicas'], value: 20 },
    ]);
    expect(out).toBe(hpa('spec:\n  minReplicas: 20 # a\n  maxReplicas: 40 # b\n'));
  });
});

describe('bad arguments are programming errors, not manifest errors', () => {
  test.each([
    () => setDeploymentReplicas({ file: 'd', text: '' }, { name: 'w' }, -1),
    () => setDeploymentReplicas({ file: 'd', text: '' }, { name: 'w' }, 1.5),
    () => setHpaBounds({ file: 'h', text: '' }, { name: 'h' }, { minReplicas: 0 }),
    () => setContainerImage({ file: 'd', text: '' }, { name: 'w' }, 'w', 'has space:1'),
    () => setCanaryWebhookUrl({ file: 'c', text: '' }, { name: 'c' }, 'g', 'ftp://x'),
  ])('%#', (fn) => {
    expect(fn).toThrow(RangeError);
  });
});

describe('scalarText', () => {
  test.each<[string | number | boolean, Scalar.Type | undefined, string]>([
    [7, undefined, '7'],
    [7, Scalar.QUOTE_DOUBLE, '7'],
    [true, Scalar.PLAIN, 'true'],
    ['ghcr.io/a/b:1.2', Scalar.PLAIN, 'ghcr.io/a/b:1.2'],
    ['true', Scalar.PLAIN, '"true"'],
    ['123', undefined, '"123"'],
    ['a: b', Scalar.PLAIN, '"a: b"'],
    ['x #y', Scalar.PLAIN, '"x #y"'],
    ['- x', Scalar.PLAIN, '"- x"'],
    ["it's", Scalar.QUOTE_SINGLE, "'it''s'"],
    ['line\nbreak', Scalar.QUOTE_SINGLE, '"line\\nbreak"'],
    ['plain', Scalar.QUOTE_DOUBLE, '"plain"'],
    ['text', Scalar.BLOCK_LITERAL, 'text'],
  ])('%j in style %s is %s', (value, style, text) => {
    expect(scalarText(value, style)).toBe(text);
  });
});
