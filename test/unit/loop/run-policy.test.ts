import type { Observation } from '../../../src/core/observation';
import type { Policy, PolicyContext } from '../../../src/core/policy';
import { noData } from '../../../src/core/sample';
import { runPolicy } from '../../../src/loop/run-policy';

const missing = noData('missing');
const observation: Observation = {
  target: 'web',
  kind: 'deployment-replicas',
  at: 0,
  service: {
    cpuUtilization: missing,
    memoryBytes: missing,
    readyReplicas: missing,
    specReplicas: missing,
    rps: missing,
    p95LatencyMs: missing,
    p99LatencyMs: missing,
    errorRate: missing,
  },
  declared: { replicas: 3, revision: 'a'.repeat(40) },
};
const context: PolicyContext = {
  nowMs: 0,
  minReplicas: 1,
  maxReplicas: 10,
  sloP95Ms: 250,
  sloErrorRate: 0.01,
};
const hpa: Policy = {
  name: 'hpa',
  decide: () => ({ action: { type: 'replicas', delta: 1 }, explanation: ['hpa'] }),
};

describe('runPolicy', () => {
  it("records a model policy's own fallback (low confidence) as the decision's policy ref", async () => {
    const model: Policy = {
      name: 'onnx:m.onnx',
      decide: () => ({
        action: { type: 'replicas', delta: 1 },
        explanation: ['confidence 0.31 < 0.5: hpa decided'],
        ref: { name: 'hpa', fallback: { from: 'onnx:m.onnx', reason: 'confidence 0.31 < 0.5' } },
      }),
    };
    const r = await runPolicy({ primary: model, fallback: hpa }, observation, context);
    expect(r.ref).toEqual({
      name: 'hpa',
      fallback: { from: 'onnx:m.onnx', reason: 'confidence 0.31 < 0.5' },
    });
  });

  it('names the primary policy when it decided itself', async () => {
    const r = await runPolicy({ primary: hpa, fallback: hpa }, observation, context);
    expect(r.ref).toEqual({ name: 'hpa' });
  });

  it('lets the baseline decide when the primary throws, and says why', async () => {
    const broken: Policy = {
      name: 'onnx:m.onnx',
      decide: () => {
        throw new Error('session closed');
      },
    };
    const r = await runPolicy({ primary: broken, fallback: hpa }, observation, context);
    expect(r.ref).toEqual({ name: 'hpa', fallback: { from: 'onnx:m.onnx', reason: 'session closed' } });
    expect(r.output.action).toEqual({ type: 'replicas', delta: 1 });
  });
});
