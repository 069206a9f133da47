import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { canarySchemaProblems } from '../../../src/manifests';
import { FLAGGER_CRD_SHA256, FLAGGER_CRD_YAML } from '../../../src/manifests/flagger-crd';

function canary(analysis: Record<string, unknown>, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis,
      ...spec,
    },
  };
}
const base = { interval: '1m', threshold: 5 };

test('the vendored CRD is the recorded text and parses as three CRDs', () => {
  expect(createHash('sha256').update(FLAGGER_CRD_YAML).digest('hex')).toBe(FLAGGER_CRD_SHA256);
  const docs = parseAllDocuments(FLAGGER_CRD_YAML);
  expect(docs.map((d) => d.errors.length)).toEqual([0, 0, 0]);
  expect(docs.map((d) => d.getIn(['metadata', 'name']))).toEqual([
    'canaries.flagger.app',
    'metrictemplates.flagger.app',
    'alertproviders.flagger.app',
  ]);
});

test('a canary with exactly one of iterations, stepWeight, stepWeights is valid', () => {
  expect(canarySchemaProblems(canary({ ...base, stepWeight: 10, maxWeight: 50 }))).toEqual([]);
  expect(canarySchemaProblems(canary({ ...base, stepWeights: [5, 10, 50] }))).toEqual([]);
  expect(canarySchemaProblems(canary({ ...base, iterations: 10 }))).toEqual([]);
});

test('oneOf: two of them, or none, is refused with one clear problem', () => {
  expect(canarySchemaProblems(canary({ ...base, stepWeight: 10, stepWeights: [5, 10] }))).toEqual([
    {
      path: 'spec.analysis',
      at: ['spec', 'analysis'],
      message:
        'must set exactly one of iterations, stepWeight, stepWeights together with interval and threshold, but sets stepWeight and stepWeights',
    },
  ]);
  expect(canarySchemaProblems(canary({ ...base, iterations: 3, stepWeight: 10 }))[0]?.message).toContain(
    'but sets iterations and stepWeight',
  );
  const none = canarySchemaProblems(canary({ interval: '1m', stepWeight: 10 }));
  expect(none).toHaveLength(1);
  expect(none[0]?.message).toContain('sets none of them or lacks a required field');
});

test('types, patterns, enums and required fields from the CRD', () => {
  const problems = canarySchemaProblems(
    canary(
      {
        interval: 'soon',
        threshold: 5,
        stepWeight: '10',
        webhooks: [{ name: 'g', type: 'confirm-everything', url: 'http://x' }, { name: 'no-url' }],
      },
      { skipAnalysis: 'yes' },
    ),
  );
  expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
    expect.arrayContaining([
      'spec.analysis.interval: must match pattern "^[0-9]+(m|s)"',
      'spec.analysis.stepWeight: must be number',
      expect.stringMatching(/^spec\.analysis\.webhooks\[0\]\.type: must be one of "", "confirm-rollout"/),
      'spec.analysis.webhooks[1].url: is required',
      'spec.skipAnalysis: must be boolean',
    ]),
  );
  const noTarget = canarySchemaProblems({
    kind: 'Canary',
    metadata: { name: 'x' },
    spec: { analysis: base },
  });
  expect(noTarget.map((p) => p.path)).toContain('spec.targetRef');
});

test('x-kubernetes-int-or-string accepts an integer or a string only', () => {
  const withPort = (targetPort: unknown) =>
    canarySchemaProblems(canary({ ...base, stepWeight: 5 }, { service: { port: 80, targetPort } }));
  expect(withPort(8080)).toEqual([]);
  expect(withPort('http')).toEqual([]);
  expect(withPort(80.5)).toEqual([
    {
      path: 'spec.service.targetPort',
      at: ['spec', 'service', 'targetPort'],
      message: 'must be an integer or a string',
    },
  ]);
});

test("MAESTRO's weight rules: percentages, stepWeight > 0, stepWeights increasing", () => {
  const messages = (analysis: Record<string, unknown>) =>
    canarySchemaProblems(canary({ ...base, ...analysis })).map((p) => `${p.path}: ${p.message}`);
  expect(messages({ stepWeight: 10, maxWeight: 101 })).toEqual([
    'spec.analysis.maxWeight: must be a percentage in 0..100, got 101',
  ]);
  expect(messages({ stepWeight: 0 })).toEqual([
    'spec.analysis.stepWeight: must be a percentage in 1..100, got 0',
  ]);
  expect(messages({ stepWeight: -5 })).toEqual([
    'spec.analysis.stepWeight: must be a percentage in 1..100, got -5',
  ]);
  expect(messages({ stepWeights: [10, 5, 120] })).toEqual([
    'spec.analysis.stepWeights[1]: must be greater than the step before it (10), got 5',
    'spec.analysis.stepWeights[2]: must be a percentage in 1..100, got 120',
  ]);
  expect(messages({ stepWeight: 100, maxWeight: 100 })).toEqual([]);
});
