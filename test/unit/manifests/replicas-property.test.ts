import fc from 'fast-check';
import { readDeployment, setDeploymentReplicas } from '../../../src/manifests';
import { lineChanges } from './line-changes';

/**
 * For random valid replica counts in randomly laid out files (indentation, CRLF, comments, quoting,
 * neighbouring documents), editing then reading back gives the value, and every line but the
 * replicas line is byte-identical.
 */
const layout = fc.record({
  indent: fc.integer({ min: 1, max: 6 }),
  crlf: fc.boolean(),
  comment: fc.constantFrom('', ' # owned by MAESTRO', '    #x'),
  quotedName: fc.boolean(),
  before: fc.boolean(),
  after: fc.boolean(),
  replicas: fc.integer({ min: 0, max: 100_000 }),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

function render(l: Layout): { text: string; line: number } {
  const i = ' '.repeat(l.indent);
  const lines = [
    ...(l.before
      ? ['# leading document', 'apiVersion: v1', 'kind: Service', 'metadata: {name: web}', '---']
      : []),
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `${i}name: ${l.quotedName ? '"web"' : 'web'}`,
    'spec:',
    `${i}# replicas below`,
    `${i}replicas: ${l.replicas}${l.comment}`,
    `${i}template:`,
    `${i}${i}spec:`,
    `${i}${i}${i}containers: [{name: web, image: 'ghcr.io/acme/web:1'}]`,
    ...(l.after ? ['---', 'kind: ConfigMap', 'metadata:', '  name: web', 'data: {replicas: "1"}'] : []),
  ];
  const line = lines.findIndex((s) => s.includes('replicas: ') && !s.startsWith('data'));
  return { text: lines.join(l.crlf ? '\r\n' : '\n') + (l.crlf ? '\r\n' : '\n'), line };
}

test('edit then read back: the value, and only the replicas line changed', () => {
  fc.assert(
    fc.property(layout, fc.integer({ min: 0, max: 100_000 }), (l, next) => {
      const { text, line } = render(l);
      const source = { file: 'deploy.yaml', text };
      const out = setDeploymentReplicas(source, { name: 'web' }, next);
      expect(readDeployment({ file: 'deploy.yaml', text: out }, { name: 'web' }).replicas).toBe(next);
      expect(lineChanges(text, out)).toEqual({ changed: next === l.replicas ? 0 : 1, added: 0 });
      const a = text.split(/(?<=\n)/);
      const b = out.split(/(?<=\n)/);
      a.forEach((s, k) => {
        if (k !== line) expect(b[k]).toBe(s);
      });
      expect(b[line]).toBe(a[line]!.replace(`replicas: ${l.replicas}`, `replicas: ${next}`));
    }),
    { numRuns: 300 },
  );
});
