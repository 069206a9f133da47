import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import {
  setCanaryMaxWeight,
  setCanarySkipAnalysis,
  setCanaryStepWeight,
  setCanaryWebhookUrl,
  setContainerImage,
  setDeploymentReplicas,
  setHpaBounds,
  setAnnotation,
  removeAnnotation,
  restorePodTemplate,
  type ManifestSource,
} from '../../../src/manifests';
import { lineChanges } from './line-changes';

/**
 * Golden files: test/fixtures/manifests/<case>/input.yaml is edited as case.json says and must give
 * exactly expected.yaml, byte for byte (comments, quoting, indentation, CRLF), changing only the
 * lines case.json names; error cases name the code, line and message parts instead.
 */
const root = join(__dirname, '../../fixtures/manifests');

interface Case {
  edit: string;
  ref: { name: string; namespace?: string; kind: string };
  args: unknown[];
  changedLines?: number;
  addedLines?: number;
  removedLines?: number;
  error?: { code: string; line?: number; path?: string; message: string[] };
}

type Editor = (source: ManifestSource, ref: Case['ref'], ...args: never[]) => string;
const editors: Record<string, Editor> = {
  setDeploymentReplicas,
  setContainerImage,
  setHpaBounds,
  setCanaryStepWeight,
  setCanaryMaxWeight,
  setCanarySkipAnalysis,
  setCanaryWebhookUrl,
  setAnnotation,
  removeAnnotation,
  restorePodTemplate,
};

const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'case.json')))
  .map((d) => d.name)
  .sort();

function run(name: string): { spec: Case; input: string; out: () => string } {
  const spec = JSON.parse(readFileSync(join(root, name, 'case.json'), 'utf8')) as Case;
  const input = readFileSync(join(root, name, 'input.yaml'), 'utf8');
  const editor = editors[spec.edit];
  if (editor === undefined) throw new Error(`${name}: unknown editor ${spec.edit}`);
  const source = { file: `${name}/input.yaml`, text: input };
  // `{ "earlier": "<file>" }` in args stands for another fixture file of the case (restorePodTemplate).
  const args = spec.args.map((a) => {
    const earlier = (a as { earlier?: string } | null)?.earlier;
    return earlier === undefined
      ? a
      : { file: earlier, text: readFileSync(join(root, name, earlier), 'utf8') };
  });
  spec.args = args;
  return { spec, input, out: () => editor(source, spec.ref, ...(args as never[])) };
}

test('every editor has at least one golden case and one case per error code exists', () => {
  const specs = cases.map((c) => run(c).spec);
  for (const editor of Object.keys(editors)) {
    expect(specs.filter((s) => s.edit === editor && s.error === undefined).length).toBeGreaterThan(0);
  }
  const codes = new Set(specs.flatMap((s) => (s.error ? [s.error.code] : [])));
  for (const code of [
    'YAML_PARSE',
    'MANIFEST_TARGET_NOT_FOUND',
    'MANIFEST_TARGET_AMBIGUOUS',
    'MANIFEST_FIELD_MISSING',
    'MANIFEST_SCHEMA_INVALID',
  ]) {
    expect(codes).toContain(code);
  }
});

describe.each(cases)('%s', (name) => {
  const { spec, input, out } = run(name);
  if (spec.error === undefined) {
    const expected = readFileSync(join(root, name, 'expected.yaml'), 'utf8');

    test('gives exactly expected.yaml', () => {
      expect(out()).toBe(expected);
    });

    test('changes only the edited lines', () => {
      const output = out();
      if (spec.removedLines !== undefined && spec.changedLines === undefined) {
        // a removal is an insertion read backwards
        expect(lineChanges(output, input)).toEqual({ changed: 0, added: spec.removedLines });
      } else if (spec.removedLines !== undefined) {
        const a = input.split(/(?<=\n)/);
        const b = output.split(/(?<=\n)/);
        expect(a.length - b.length).toBe(spec.removedLines);
      } else {
        expect(lineChanges(input, output)).toEqual({
          changed: spec.changedLines ?? 0,
          added: spec.addedLines ?? 0,
        });
      }
    });

    test('is idempotent: the same edit on the output changes nothing', () => {
      const again = editors[spec.edit]!(
        { file: 'again.yaml', text: out() },
        spec.ref,
        ...(spec.args as never[]),
      );
      expect(again).toBe(expected);
    });
  } else {
    const want = spec.error;
    test(`fails with ${want.code}`, () => {
      let caught: unknown;
      try {
        out();
      } catch (e) {
        caught = e;
      }
      expect(isMaestroError(caught)).toBe(true);
      if (!isMaestroError(caught)) return;
      expect(caught.code).toBe(want.code);
      expect(caught.retryable).toBe(false);
      expect(caught.data['file']).toBe(`${name}/input.yaml`);
      if (want.line !== undefined) expect(caught.data['line']).toBe(want.line);
      if (want.path !== undefined) expect(caught.data['path']).toBe(want.path);
      for (const part of want.message) expect(caught.message).toContain(part);
      if (want.line !== undefined) expect(caught.message).toContain(`input.yaml:${want.line}`);
    });
  }
});
