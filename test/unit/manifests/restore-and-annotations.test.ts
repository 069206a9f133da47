import { isMaestroError } from '../../../src/core/errors';
import { readDeployment, removeAnnotation, restorePodTemplate, setAnnotation } from '../../../src/manifests';

const deployment = (indent: number, image: string, extra = '') => {
  const i = ' '.repeat(indent);
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `${i}name: web`,
    'spec:',
    `${i}template:`,
    `${i}${i}spec:`,
    `${i}${i}${i}containers:`,
    `${i}${i}${i}${i}- name: web`,
    `${i}${i}${i}${i}  image: ${image}`,
    ...(extra === '' ? [] : [extra]),
    '',
  ].join('\n');
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isMaestroError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return undefined;
}

describe('restorePodTemplate', () => {
  test.each([
    [2, 4],
    [4, 2],
    [3, 3],
  ])('an earlier template indented by %i is shifted as a whole into a file indented by %i', (from, to) => {
    const earlier = { file: 'old.yaml', text: deployment(from, 'web:1') };
    const current = { file: 'deploy.yaml', text: deployment(to, 'web:2') };
    const out = restorePodTemplate(current, { name: 'web' }, earlier);
    expect(readDeployment({ file: 'deploy.yaml', text: out }, { name: 'web' }).containers).toEqual([
      { name: 'web', image: 'web:1' },
    ]);
    const outLines = out.split('\n');
    const oldLines = earlier.text.split('\n');
    // untouched above the template; the template's own first key sits where the current one did
    expect(outLines.slice(0, 7)).toEqual(current.text.split('\n').slice(0, 7));
    // below it, the earlier template's lines moved by the difference of the two indentations
    const shift = 2 * to - 2 * from;
    oldLines.slice(7, 10).forEach((line, k) => {
      const moved = shift >= 0 ? ' '.repeat(shift) + line : line.slice(-shift);
      expect(outLines[7 + k]).toBe(moved);
    });
    if (from === to) expect(out).toBe(deployment(to, 'web:1'));
  });

  test('the same template gives the same text', () => {
    const text = deployment(2, 'web:1');
    expect(
      restorePodTemplate({ file: 'd', text }, { name: 'web' }, { file: 'o', text: deployment(4, 'web:1') }),
    ).toBe(text);
  });

  test('a flow-style template is refused with a clear message', () => {
    const flow = 'kind: Deployment\nmetadata: {name: web}\nspec:\n  template: {spec: {containers: []}}\n';
    expect(
      codeOf(() =>
        restorePodTemplate(
          { file: 'd.yaml', text: flow },
          { name: 'web' },
          { file: 'o', text: deployment(2, 'a') },
        ),
      ),
    ).toMatch(/^MANIFEST_FIELD_MISSING d\.yaml:4: Deployment web: spec\.template: must be a block mapping/);
  });
});

describe('annotations', () => {
  const ref = { kind: 'Deployment', name: 'web' };

  test('set then remove gives back the original text', () => {
    const text = deployment(2, 'web:1');
    const paused = setAnnotation({ file: 'd', text }, ref, 'maestro.dev/paused', 'true');
    expect(paused).toContain('  annotations:\n    maestro.dev/paused: "true"\n');
    const by = setAnnotation({ file: 'd', text: paused }, ref, 'maestro.dev/paused-by', 'alice');
    const back = removeAnnotation(
      { file: 'd', text: removeAnnotation({ file: 'd', text: by }, ref, 'maestro.dev/paused') },
      ref,
      'maestro.dev/paused-by',
    );
    expect(back).toBe(text);
    expect(removeAnnotation({ file: 'd', text }, ref, 'maestro.dev/paused')).toBe(text);
  });

  test('into a flow-style metadata mapping', () => {
    const text = 'kind: Deployment\nmetadata: {name: web}\n';
    expect(setAnnotation({ file: 'd', text }, ref, 'a', 'b')).toBe(
      'kind: Deployment\nmetadata: {name: web, annotations: {a: b}}\n',
    );
  });

  test('removing one of several flow-style annotations is refused', () => {
    const text = 'kind: Deployment\nmetadata:\n  name: web\n  annotations: {a: "1", b: "2"}\n';
    expect(codeOf(() => removeAnnotation({ file: 'd.yaml', text }, ref, 'a'))).toMatch(
      /^MANIFEST_SCHEMA_INVALID d\.yaml:4: .*is in a flow mapping/,
    );
  });
});

test('an annotation key that would not read back plain is quoted', () => {
  const text = 'kind: Deployment\nmetadata:\n  name: web\n  annotations:\n    a: "1"\n';
  expect(setAnnotation({ file: 'd', text }, { kind: 'Deployment', name: 'web' }, 'true', 'x')).toBe(
    `${text}    "true": x\n`,
  );
});
