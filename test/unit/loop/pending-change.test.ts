import type { Observation } from '../../../src/core/observation';
import { noData, value } from '../../../src/core/sample';
import { appliedSha, checkPending } from '../../../src/loop/pending-change';

const SHA = 'a'.repeat(40);
const LATER = 'b'.repeat(40);

function obs(applied?: string, spec?: number): Observation {
  const s = (v?: number) => (v === undefined ? noData('missing') : value(v, 0));
  return {
    target: 'web',
    kind: 'deployment-replicas',
    at: 0,
    service: {
      cpuUtilization: s(),
      memoryBytes: s(),
      readyReplicas: s(spec),
      specReplicas: s(spec),
      rps: s(),
      p95LatencyMs: s(),
      p99LatencyMs: s(),
      errorRate: s(),
    },
    declared: { revision: SHA },
    ...(applied ? { appliedRevision: applied } : {}),
  };
}

describe('checkPending', () => {
  const pending = { sha: SHA, since: 0, expectSpecReplicas: { equals: 5 } };

  it('reads Flux revisions', () => {
    expect(appliedSha(`main@sha1:${SHA}`)).toBe(SHA);
    expect(appliedSha(SHA.toUpperCase())).toBe(SHA);
    expect(appliedSha('main/abc')).toBeUndefined();
    expect(appliedSha(undefined)).toBeUndefined();
  });

  it('is applied when Flux reports the commit or a later head, or the cluster shows the replicas', () => {
    expect(checkPending(pending, obs(`main@sha1:${SHA}`), new Set(), 1000, 300_000).state).toBe('applied');
    expect(checkPending(pending, obs(`main@sha1:${LATER}`), new Set([LATER]), 1000, 300_000).state).toBe(
      'applied',
    );
    expect(checkPending(pending, obs(`main@sha1:${LATER}`), new Set(), 1000, 300_000).state).toBe('waiting');
    expect(checkPending(pending, obs(undefined, 5), new Set(), 1000, 300_000)).toEqual({
      state: 'applied',
      how: 'cluster shows 5 replicas',
    });
    expect(
      checkPending(
        { sha: SHA, since: 0, expectSpecReplicas: { atLeast: 4 } },
        obs(undefined, 6),
        new Set(),
        1,
        9,
      ).state,
    ).toBe('applied');
  });

  it('waits with a reason, then times out with an explanation', () => {
    expect(checkPending(pending, obs(undefined, 3), new Set(), 30_000, 300_000)).toEqual({
      state: 'waiting',
      reason: 'waiting for Flux to apply aaaaaaa (30s)',
    });
    const t = checkPending(pending, obs('main@sha1:' + LATER), new Set(), 300_001, 300_000);
    expect(t.state).toBe('timed-out');
    expect(t.state === 'timed-out' && t.reason).toMatch(
      /not applied aaaaaaa after 300s .* applied revision is main@sha1:b{40}/,
    );
  });
});
