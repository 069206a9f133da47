import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { setDeploymentReplicas, setHpaBounds } from '../../../src/manifests';
import { provesScalarSplices, type ScalarSplice } from '../../../src/manifests/scalar-splice-proof';
import { sameValue, spliceVerified } from '../../../src/manifests/splice-edit';
import { parseManifests, parseManifestsLexed } from '../../../src/manifests/parse-manifests';
import { MaestroError } from '../../../src/core/errors';

/**
 * The cheap verification's proof (`provesScalarSplices`) must only ever say "proved" when a full
 * parse agrees; anything it cannot prove goes to the full parse, which refuses what is wrong.
 */

/** Replaces `old`, found right after the first `marker` in `text`, with `now`. */
function splice(
  text: string,
  marker: string,
  old: string,
  now: string,
  oldValue: unknown,
  value: unknown,
): { text: string; splice: ScalarSplice } {
  const start = text.indexOf(marker) + marker.length;
  expect(text.slice(start, start + old.length)).toBe(old);
  const end = start + old.length;
  return {
    text: text.slice(0, start) + now + text.slice(end),
    splice: { start, end, text: now, oldValue, value },
  };
}

const DEPLOY = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web # the name',
  "  labels: {app: web, tier: 'front'}",
  'spec:',
  '  replicas: 3 # MAESTRO edits this',
  '  template:',
  '    metadata:',
  '      annotations:',
  '        note: "a \\"quoted\\" one"',
  "        single: 'it''s'",
  '',
].join('\n');

function readAlone(text: string): unknown {
  try {
    return parse(text) as unknown;
  } catch {
    return undefined;
  }
}

describe('provesScalarSplices', () => {
  test('proves a plain, a single-quoted and a double-quoted scalar replaced in place', () => {
    const plain = splice(DEPLOY, 'replicas: ', '3', '12', 3, 12);
    expect(provesScalarSplices(DEPLOY, plain.text, [plain.splice])).toBe(true);
    const double = splice(DEPLOY, 'note: ', '"a \\"quoted\\" one"', '"b"', 'a "quoted" one', 'b');
    expect(provesScalarSplices(DEPLOY, double.text, [double.splice])).toBe(true);
    const single = splice(DEPLOY, 'single: ', "'it''s'", "'x y'", "it's", 'x y');
    expect(provesScalarSplices(DEPLOY, single.text, [single.splice])).toBe(true);
    const flow = splice(DEPLOY, 'app: ', 'web', 'api', 'web', 'api');
    expect(provesScalarSplices(DEPLOY, flow.text, [flow.splice])).toBe(true);
  });

  test('proves two splices in one text, in any order, and CRLF text', () => {
    const crlf = DEPLOY.replace(/\n/g, '\r\n');
    const a = splice(crlf, 'replicas: ', '3', '4', 3, 4);
    const b0 = splice(crlf, 'app: ', 'web', 'w2', 'web', 'w2');
    const both = a.text.replace('app: web', 'app: w2');
    expect(provesScalarSplices(crlf, both, [a.splice, b0.splice])).toBe(true);
    expect(provesScalarSplices(crlf, both, [b0.splice, a.splice])).toBe(true);
  });

  test('does not prove a wrong value, a changed quote style, or new text that is more than one scalar', () => {
    const cases: Array<[string, string, unknown]> = [
      ['12', '12', 13], // reads as something else than intended
      ['"12"', '"12"', 12], // a string, not the number
      ['12 # c', '12 # c', 12], // adds a comment lexeme
      ['12\n  extra: 1', '12\n  extra: 1', 12], // adds a field
      ['[1', '[1', 1], // breaks the YAML
      ['@x', '@x', '@x'], // plain scalars cannot start with @
      ['', '', null],
      ['*a', '*a', 'a'],
      ['!!str 12', '!!str 12', '12'],
    ];
    for (const [now, text, value] of cases) {
      const s = splice(DEPLOY, 'replicas: ', '3', now, 3, value);
      expect([text, provesScalarSplices(DEPLOY, s.text, [s.splice])]).toEqual([text, false]);
    }
    const badEscape = splice(DEPLOY, 'note: ', '"a \\"quoted\\" one"', '"\\q"', 'a "quoted" one', 'q');
    expect(provesScalarSplices(DEPLOY, badEscape.text, [badEscape.splice])).toBe(false);
    const toPlain = splice(DEPLOY, 'note: ', '"a \\"quoted\\" one"', 'b', 'a "quoted" one', 'b');
    expect(provesScalarSplices(DEPLOY, toPlain.text, [toPlain.splice])).toBe(false);
  });

  test('does not prove when the old value or the range is not what the text holds', () => {
    const s = splice(DEPLOY, 'replicas: ', '3', '4', 3, 4);
    expect(provesScalarSplices(DEPLOY, s.text, [{ ...s.splice, oldValue: 5 }])).toBe(false);
    // a range inside a lexeme: `replicas` → `repl1cas`
    const inside = splice(DEPLOY, '  repl', 'i', '1', 'i', 1);
    expect(provesScalarSplices(DEPLOY, inside.text, [inside.splice])).toBe(false);
    expect(provesScalarSplices(DEPLOY, s.text, [])).toBe(false);
    expect(provesScalarSplices(DEPLOY, DEPLOY, [])).toBe(true);
  });

  test('does not prove texts with aliases, tags or a %YAML directive anywhere', () => {
    const variants = [
      DEPLOY.replace('spec:\n', 'spec: &s\n') + 'other: *s\n',
      DEPLOY.replace('  name: web', '  name: !!str web'),
      `%YAML 1.1\n---\n${DEPLOY}`,
    ];
    for (const text of variants) {
      const s = splice(text, 'replicas: ', '3', '4', 3, 4);
      expect(parseAllDocuments(text).every((d) => d.errors.length === 0)).toBe(true);
      expect(provesScalarSplices(text, s.text, [s.splice])).toBe(false);
    }
  });

  test('whenever it proves a splice, a full parse agrees (random documents, random replacement text)', () => {
    const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/);
    const leaf = fc.oneof(
      fc.integer({ min: -1000, max: 100_000 }),
      fc.boolean(),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('yes', 'null', '0x1F', '1e3', '~', '.inf', '# x', 'a: b', '- x', "'", '"'),
    );
    const object = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { minKeys: 1, maxKeys: 4 })), {
      minKeys: 1,
      maxKeys: 6,
    });
    const replacement = fc.oneof(
      fc.integer().map(String),
      fc.string({ maxLength: 10 }),
      fc.constantFrom(
        '"x"',
        "'y'",
        '"\\u0041"',
        'true',
        'null',
        '3 #c',
        '3\n',
        '"a\nb"',
        'x: y',
        '[1]',
        '{}',
        '&a 1',
      ),
    );
    let proved = 0;
    fc.assert(
      fc.property(
        fc.array(object, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.nat(),
        replacement,
        leaf,
        fc.boolean(),
        (objects, flow, pick, now, randomValue, honest) => {
          // mostly claim what `now` reads as on its own (so the proof gets far), else any value
          const value = honest ? readAlone(now) : randomValue;
          const text = objects
            .map((o) => stringify(o, flow ? { collectionStyle: 'flow' } : {}))
            .join('---\n');
          const docs = parseAllDocuments(text);
          // every scalar value node in the text, with its document and path
          const scalars: Array<{
            doc: number;
            path: (string | number)[];
            start: number;
            end: number;
            value: unknown;
          }> = [];
          docs.forEach((doc, d) => {
            const walk = (o: unknown, path: (string | number)[]) => {
              if (o !== null && typeof o === 'object') {
                for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
                return;
              }
              const node = doc.getIn(path, true) as
                { range?: [number, number, number]; value?: unknown } | undefined;
              if (node?.range && node.range[0] < node.range[1]) {
                scalars.push({ doc: d, path, start: node.range[0], end: node.range[1], value: node.value });
              }
            };
            walk(doc.toJS(), []);
          });
          if (scalars.length === 0) return;
          const at = scalars[pick % scalars.length]!;
          const newText = text.slice(0, at.start) + now + text.slice(at.end);
          const s: ScalarSplice = { start: at.start, end: at.end, text: now, oldValue: at.value, value };
          const isProved = provesScalarSplices(text, newText, [s]);
          // the editor passes the lexemes of its own parse: the same answer
          expect(
            provesScalarSplices(text, newText, [s], parseManifestsLexed({ file: 'f', text }).lexemes),
          ).toBe(isProved);
          if (!isProved) return;
          proved += 1;
          const after = parseAllDocuments(newText);
          expect(after.every((d) => d.errors.length === 0)).toBe(true);
          expect(after.length).toBe(docs.length);
          after.forEach((doc, i) => {
            const want = docs[i]!.toJS() as Record<string, unknown>;
            if (i === at.doc) {
              let o = want;
              for (const p of at.path.slice(0, -1)) o = o[p] as Record<string, unknown>;
              o[at.path[at.path.length - 1]!] = value;
            }
            expect(sameValue(doc.toJS(), want)).toBe(true);
          });
        },
      ),
      { numRuns: 400, seed: 20261123 },
    );
    // the property must have been exercised, not vacuously true
    expect(proved).toBeGreaterThan(40);
  });
});

describe('parseManifestsLexed', () => {
  test('gives the documents parseManifests gives, ranges included, and its error for bad YAML', () => {
    const text = `# c\n${DEPLOY}---\nkind: Service # x\nmetadata: {name: s}\n...\n`;
    const { docs, lexemes } = parseManifestsLexed({ file: 'a.yaml', text });
    const plain = parseManifests({ file: 'a.yaml', text });
    expect(docs.map((d) => [d.toJS(), d.contents?.range, d.toString()])).toEqual(
      plain.map((d) => [d.toJS(), d.contents?.range, d.toString()]),
    );
    // the lexer's control lexemes (doc mode, scalar marker) stand for no text
    const control = new Set(['\x02', '\x1f', '\x18']);
    expect(lexemes.filter((l) => !control.has(l)).join('')).toBe(text);
    const bad = { file: 'b.yaml', text: 'a: [1\nb: 2\n' };
    let expected: unknown;
    try {
      parseManifests(bad);
    } catch (e) {
      expected = e;
    }
    expect(expected).toBeInstanceOf(MaestroError);
    expect(() => parseManifestsLexed(bad)).toThrow((expected as Error).message);
  });
});

describe('editors with the cheap verification', () => {
  test('a splice the proof declines is still refused by the full parse when it breaks the YAML or adds a field', () => {
    const source = { file: 'd.yaml', text: DEPLOY };
    const ref = { kind: 'Deployment', name: 'web' };
    const docs = parseManifests(source);
    const expected = structuredClone(docs[0]!.toJS() as { spec: { replicas: number } });
    expected.spec.replicas = 12;
    for (const now of ['12\n  extra: 1', '[12', '12\n---\nx: 1']) {
      const { splice: s } = splice(DEPLOY, 'replicas: ', '3', now, 3, 12);
      const claimed = { start: s.start, end: s.end, text: now, scalar: { oldValue: 3, value: 12 } };
      let error: unknown;
      try {
        spliceVerified(source, ref, docs, 0, [claimed], expected);
      } catch (e) {
        error = e;
      }
      expect([now, error instanceof MaestroError ? error.code : error]).toEqual([now, 'INTERNAL']);
    }
    const { splice: ok } = splice(DEPLOY, 'replicas: ', '3', '12', 3, 12);
    expect(
      spliceVerified(source, ref, docs, 0, [{ ...ok, scalar: { oldValue: 3, value: 12 } }], expected),
    ).toBe(DEPLOY.replace('replicas: 3', 'replicas: 12'));
  });

  test('a file with an alias is still edited, through the full parse', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: &n web}',
      'spec:',
      '  replicas: 3',
      'x: *n',
      '',
    ].join('\n');
    expect(setDeploymentReplicas({ file: 'd.yaml', text }, { name: 'web' }, 4)).toBe(
      text.replace('replicas: 3', 'replicas: 4'),
    );
  });

  test('an HPA bounds edit (two scalars) gives the same text as before the proof existed', () => {
    const text = [
      'apiVersion: autoscaling/v2',
      'kind: HorizontalPodAutoscaler',
      'metadata:',
      '  name: api',
      'spec:',
      '  minReplicas: 2 # floor',
      "  maxReplicas: '10'",
      '',
    ].join('\n');
    const out = setHpaBounds({ file: 'h.yaml', text }, { name: 'api' }, { minReplicas: 3, maxReplicas: 12 });
    expect(out).toBe(
      text.replace('minReplicas: 2', 'minReplicas: 3').replace("maxReplicas: '10'", 'maxReplicas: 12'),
    );
  });
});
