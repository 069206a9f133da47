/**
 * `maestro hpa-recommend`, run in-process through the real CLI (commander, zod, stdin/stdout).
 * Cases are Kubernetes replica_calculator_test.go cases (see test/unit/core/policies/hpa).
 */
import { runMaestro } from '../../support/run-maestro';

async function run(stdin: string, args: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const r = await runMaestro(['hpa-recommend', ...args], { stdin });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const pod = (i: number, usage: number, extra: Record<string, unknown> = {}) => ({
  name: `test-pod-${i}`,
  ready: true,
  phase: 'Running',
  deleting: false,
  hasMetric: true,
  usage,
  request: 2000,
  ...extra,
});

describe('maestro hpa-recommend', () => {
  it('TestReplicaCalcScaleUp: 3 pods at 50 % of a 30 % target -> 5', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: 3,
        target: { type: 'Utilization', averageUtilization: 30 },
        pods: [pod(0, 600), pod(1, 1000), pod(2, 1400)],
      }),
    );
    expect(r).toEqual({ code: 0, out: '5\n', err: '' });
  });

  it('TestReplicaCalcScaleUpUnreadyLessScale with --json', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: 3,
        target: { type: 'Utilization', averageUtilization: 30 },
        pods: [pod(0, 600, { ready: false }), pod(1, 1000), pod(2, 1400)],
      }),
      ['--json'],
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ replicas: 4, utilization: 60, value: 1200, reason: 'computed' });
  });

  it('TestReplicaCalcScaleDownPerPodCMExternal: AverageValue with metricTotal -> 3', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: 5,
        target: { type: 'AverageValue', averageValue: 2867 },
        pods: [],
        metricTotal: 8600,
      }),
    );
    expect(r.out).toBe('3\n');
  });

  it('TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods: Value -> 2', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: 3,
        target: { type: 'Value', value: 4400 },
        metricTotal: 8600,
        pods: [pod(0, 0, { ready: false }), pod(1, 0), pod(2, 0, { ready: false })],
      }),
    );
    expect(r.out).toBe('2\n');
  });

  it('tolerance from the input', async () => {
    const c = {
      currentReplicas: 4,
      target: { type: 'Utilization', averageUtilization: 50 },
      pods: [0, 1, 2, 3].map((i) => pod(i, 1120)),
    };
    expect((await run(JSON.stringify(c))).out).toBe('5\n');
    expect((await run(JSON.stringify({ ...c, tolerance: 0.2 }))).out).toBe('4\n');
  });

  it('no metrics: keeps the current count and says why', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: 4,
        target: { type: 'Utilization', averageUtilization: 50 },
        pods: [pod(0, 0, { hasMetric: false })],
      }),
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe('4\n');
    expect(r.err).toMatch(/no change: did not receive metrics/);
  });

  it('bad JSON -> exit 2', async () => {
    const r = await run('{"currentReplicas": 3,');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^stdin: invalid JSON/);
    expect(r.out).toBe('');
  });

  it('invalid fields -> exit 2 with the field path', async () => {
    const r = await run(
      JSON.stringify({
        currentReplicas: -1,
        target: { type: 'Utilization', averageUtilization: 70 },
        pods: [pod(0, 100), { ...pod(1, 100), ready: 'yes' }, { ...pod(2, 100), phase: 'Done' }],
      }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^currentReplicas: /m);
    expect(r.err).toMatch(/^pods\[1\]\.ready: /m);
    expect(r.err).toMatch(/^pods\[2\]\.phase: /m);
    expect(r.out).toBe('');
  });

  it('missing and contradictory fields name their path', async () => {
    const missing = await run(
      JSON.stringify({ target: { type: 'Utilization', averageUtilization: 70 }, pods: [] }),
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^currentReplicas: is required$/m);
    const value = await run(
      JSON.stringify({ currentReplicas: 2, target: { type: 'Value', value: 3 }, pods: [] }),
    );
    expect(value.code).toBe(2);
    expect(value.err).toMatch(/^target\.type: a Value target needs an external metric/m);
    const noRequest = await run(
      JSON.stringify({
        currentReplicas: 1,
        target: { type: 'Utilization', averageUtilization: 70 },
        pods: [pod(0, 100, { request: 0 })],
      }),
    );
    expect(noRequest.err).toMatch(/^pods\[0\]\.request: must be > 0/m);
  });
});
