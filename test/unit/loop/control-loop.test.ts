import { MaestroError } from '../../../src/core/errors';
import type { Action } from '../../../src/core/action';
import type { LoopEvent } from '../../../src/loop/events';
import { ControlLoop, type ControlLoopDeps } from '../../../src/loop/control-loop';
import type { LoopTarget, PolicyPair } from '../../../src/loop/ports';
import {
  FakeMetrics,
  ManualClock,
  MemoryRepo,
  fixedPolicy,
  jsonManifests,
  passGuard,
  plainMessages,
  target,
} from '../../support/loop-doubles';

const hold: Action = { type: 'hold' };

function setup(
  targets: LoopTarget[],
  files: Record<string, string>,
  actions: Record<string, () => Action>,
  opts: { shadow?: boolean; applyTimeoutSeconds?: number } = {},
  extra: Partial<ControlLoopDeps> = {},
) {
  const clock = new ManualClock();
  const repo = new MemoryRepo(files);
  const metrics = new FakeMetrics();
  const events: LoopEvent[] = [];
  const policies = (t: LoopTarget): PolicyPair => ({
    primary: fixedPolicy('primary', actions[t.ref.name] ?? (() => hold)),
    fallback: fixedPolicy('fallback', () => hold, ['fallback held']),
  });
  let n = 0;
  const loop = new ControlLoop(
    targets,
    {
      clock,
      repo,
      metrics,
      policies,
      guard: passGuard,
      manifests: jsonManifests,
      messages: plainMessages,
      newId: () => `d${++n}`,
      ...extra,
    },
    {
      cycleIntervalSeconds: 15,
      applyTimeoutSeconds: opts.applyTimeoutSeconds ?? 300,
      shadow: opts.shadow ?? false,
      metricsSource: 'test',
      agent: { name: 'maestro', email: 'maestro@localhost' },
    },
  );
  loop.state.subscribe((e) => events.push(e));
  return { clock, repo, metrics, loop, events };
}

const decisions = (events: LoopEvent[]) => events.flatMap((e) => (e.type === 'decision' ? [e.decision] : []));

describe('ControlLoop.runCycle', () => {
  it('commits the changes of all targets of one cycle in a single commit', async () => {
    const { repo, metrics, loop, events } = setup(
      [target('web'), target('api')],
      { 'apps/web.json': '{"replicas":3}', 'apps/api.json': '{"replicas":5}' },
      { web: () => ({ type: 'replicas', delta: 2 }), api: () => ({ type: 'replicas', delta: -1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    metrics.readings.set('api', { specReplicas: 5 });
    await loop.runCycle();
    expect(repo.commits).toHaveLength(2);
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":5}');
    expect(repo.head.files['apps/api.json']).toBe('{"replicas":4}');
    const ds = decisions(events);
    expect(ds.map((d) => [d.target, d.final, d.commit?.sha])).toEqual([
      ['web', 'scale-up +2', repo.head.sha],
      ['api', 'scale-down -1', repo.head.sha],
    ]);
    expect(events.filter((e) => e.type === 'commit')).toHaveLength(1);
    expect(loop.ready).toBe(false); // not restored yet
  });

  it('reads metrics while git answers the snapshot, at most 4 targets at a time, and still decides every target', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const files = Object.fromEntries(names.map((n) => [`apps/${n}.json`, '{"replicas":3}']));
    const { repo, metrics, loop, events } = setup(
      names.map((n) => target(n)),
      files,
      Object.fromEntries(names.map((n) => [n, () => ({ type: 'replicas', delta: 1 }) as Action])),
    );
    let inFlight = 0;
    let most = 0;
    const started: string[] = [];
    const read = metrics.read.bind(metrics);
    metrics.read = async (t, now) => {
      started.push(t.name);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      if (t.name === 't3') throw new Error('t3 metrics broke');
      return read(t, now);
    };
    let readsBeforeSnapshot = -1;
    const snapshot = repo.snapshot.bind(repo);
    repo.snapshot = async () => {
      await new Promise((r) => setTimeout(r, 5));
      readsBeforeSnapshot = started.length;
      return snapshot();
    };
    await loop.runCycle();
    expect(readsBeforeSnapshot).toBeGreaterThan(0);
    expect(most).toBe(4);
    expect(started).toEqual(names);
    // the failing read costs only its own target
    expect(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.target)).toEqual([
      't3',
    ]);
    expect(decisions(events).map((d) => d.target)).toEqual(names.filter((n) => n !== 't3'));
    expect(repo.head.files['apps/t0.json']).toBe('{"replicas":4}');
    expect(repo.head.files['apps/t3.json']).toBe('{"replicas":3}');
  });

  it('holds while Flux has not applied the last commit, then decides again once it has', async () => {
    const { repo, metrics, loop, events, clock } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3, appliedRevision: `main@sha1:${repo.head.sha}` });
    await loop.runCycle();
    const first = repo.head.sha;
    expect(repo.commits).toHaveLength(2);
    clock.advance(15_000);
    await loop.runCycle(); // cluster still shows 3 and the old revision
    expect(repo.commits).toHaveLength(2);
    const waiting = decisions(events).at(-1)!;
    expect(waiting.final).toBe('hold');
    expect(waiting.reasons.at(-1)).toMatch(new RegExp(`^waiting for Flux to apply ${first.slice(0, 7)}`));
    expect(loop.state.target('web')!.state).toBe('waiting');
    metrics.readings.set('web', { specReplicas: 3, appliedRevision: `main@sha1:${first}` });
    clock.advance(15_000);
    await loop.runCycle();
    expect(repo.commits).toHaveLength(3);
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":5}');
  });

  it('treats the declared replicas showing up in the cluster as applied', async () => {
    const { repo, metrics, loop, clock } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    metrics.readings.set('web', { specReplicas: 4 });
    clock.advance(15_000);
    await loop.runCycle();
    expect(repo.commits).toHaveLength(3);
  });

  it('raises an event when a commit stays unapplied past applyTimeoutSeconds, then stops waiting', async () => {
    const { repo, metrics, loop, events, clock } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
      { applyTimeoutSeconds: 60 },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    for (let i = 0; i < 4; i++) {
      clock.advance(15_000);
      await loop.runCycle();
    }
    expect(repo.commits).toHaveLength(2);
    clock.advance(15_000);
    await loop.runCycle();
    const timeouts = events.filter((e) => e.type === 'error' && e.code === 'TIMEOUT');
    expect(timeouts).toHaveLength(1);
    expect(repo.commits).toHaveLength(3);
  });

  it('in shadow mode decides and publishes but never commits', async () => {
    const { repo, metrics, loop, events } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 2 }) },
      { shadow: true },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    expect(repo.commits).toHaveLength(1);
    const d = decisions(events)[0]!;
    expect(d.final).toBe('scale-up +2');
    expect(d.pushed).toBe(false);
    expect(loop.state.target('web')!.state).toBe('shadow');
  });

  it('re-plans on fresh content after losing a push race, applying the delta to the new value', async () => {
    const { repo, metrics, loop } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 2 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    repo.beforePush = (attempt) => {
      if (attempt === 1) repo.external('apps/web.json', '{"replicas":6}', 'a person scaled to 6');
    };
    await loop.runCycle();
    expect(repo.commits.map((c) => c.message.split('\n')[0])).toEqual([
      'initial',
      'a person scaled to 6',
      'maestro: web {"type":"replicas","delta":2}',
    ]);
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":8}');
  });

  it('publishes a push failure as an error event and keeps going', async () => {
    const { repo, metrics, loop, events } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 2 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    repo.failNext = new MaestroError('GIT_NETWORK', 'connection refused');
    await loop.runCycle();
    expect(events.some((e) => e.type === 'error' && e.code === 'GIT_NETWORK')).toBe(true);
    expect(decisions(events)[0]!.pushed).toBe(false);
    await loop.runCycle();
    expect(repo.commits).toHaveLength(2);
  });

  it('falls back to the baseline when the policy throws, and says so', async () => {
    const { repo, metrics, loop, events } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      {
        web: () => {
          throw new Error('model file corrupt');
        },
      },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    const d = decisions(events)[0]!;
    expect(d.policy).toEqual({
      name: 'fallback',
      fallback: { from: 'primary', reason: 'model file corrupt' },
    });
    expect(d.reasons[0]).toMatch(/primary failed \(model file corrupt\); fallback decided/);
    expect(repo.commits).toHaveLength(1);
  });

  it('publishes a missing target file as an error for that target and decides for the others', async () => {
    const { repo, metrics, loop, events } = setup(
      [target('gone'), target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    expect(events.find((e) => e.type === 'error')).toMatchObject({
      target: 'gone',
      code: 'MANIFEST_TARGET_NOT_FOUND',
    });
    expect(repo.commits).toHaveLength(2);
    expect(loop.state.target('gone')!.state).toBe('error');
  });

  it('holds a target paused by its annotation in git, and all targets when paused globally', async () => {
    const { repo, metrics, loop } = setup(
      [target('web'), target('api')],
      { 'apps/web.json': '{"replicas":3,"paused":true}', 'apps/api.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }), api: () => ({ type: 'replicas', delta: 1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    metrics.readings.set('api', { specReplicas: 3 });
    await loop.runCycle();
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":3,"paused":true}');
    expect(repo.head.files['apps/api.json']).toBe('{"replicas":4}');
    expect(loop.state.target('web')!.state).toBe('paused');
    await loop.override({ action: 'pause' }, { name: 'Ada', email: 'ada@example.com' });
    metrics.readings.set('api', { specReplicas: 4 });
    await loop.runCycle();
    expect(repo.commits).toHaveLength(2);
    expect(loop.state.status().globallyPaused).toBe(true);
  });

  it('rebuilds cooldown times and an unapplied commit from git history on start', async () => {
    const guardSeen: Array<{ lastScaleUpAt?: number; commits: number }> = [];
    const clock0 = new ManualClock();
    const { repo, metrics, loop } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
      {},
      {
        history: {
          pastCommits: async () => [
            {
              sha: 'a'.repeat(40),
              at: clock0.now() - 30_000,
              target: 'web',
              action: { type: 'replicas', delta: 2 },
            },
          ],
        },
        guard: (p, _o, h) => {
          guardSeen.push({
            ...(h.lastScaleUpAt !== undefined ? { lastScaleUpAt: h.lastScaleUpAt } : {}),
            commits: h.commitTimes.length,
          });
          return { action: p, interventions: [] };
        },
      },
    );
    await loop.restore();
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    expect(guardSeen[0]).toEqual({ lastScaleUpAt: clock0.now() - 30_000, commits: 1 });
    expect(repo.commits).toHaveLength(1); // waiting for aaaaaaa to be applied
    expect(loop.ready).toBe(true);
  });
});

describe('ControlLoop overrides', () => {
  const ada = { name: 'Ada', email: 'ada@example.com' };

  it('sets replicas as a commit authored by the person', async () => {
    const { repo, metrics, loop, events } = setup([target('web')], { 'apps/web.json': '{"replicas":3}' }, {});
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.runCycle();
    const r = await loop.override({ target: 'web', action: 'replicas', replicas: 7 }, ada);
    expect(r.sha).toBe(repo.head.sha);
    expect(repo.head.author).toEqual(ada);
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":7}');
    expect(events.find((e) => e.type === 'override')).toMatchObject({
      override: { by: 'Ada', action: 'replicas', replicas: 7 },
    });
  });

  it('refuses replicas outside the bounds and unknown targets', async () => {
    const { loop } = setup([target('web')], { 'apps/web.json': '{"replicas":3}' }, {});
    await expect(
      loop.override({ target: 'web', action: 'replicas', replicas: 99 }, ada),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(loop.override({ target: 'nope', action: 'pause' }, ada)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('pauses a target through an annotation commit the next cycle reads back', async () => {
    const { repo, metrics, loop } = setup(
      [target('web')],
      { 'apps/web.json': '{"replicas":3}' },
      { web: () => ({ type: 'replicas', delta: 1 }) },
    );
    metrics.readings.set('web', { specReplicas: 3 });
    await loop.override({ target: 'web', action: 'pause' }, ada);
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":3,"paused":true}');
    expect(repo.head.author).toEqual(ada);
    metrics.readings.set('web', { specReplicas: 3, appliedRevision: repo.head.sha });
    await loop.runCycle();
    expect(repo.commits).toHaveLength(2);
    await loop.override({ target: 'web', action: 'resume' }, ada);
    metrics.readings.set('web', { specReplicas: 3, appliedRevision: repo.head.sha });
    await loop.runCycle();
    expect(repo.head.files['apps/web.json']).toBe('{"replicas":4,"paused":false}');
  });

  it('force promote opens the gates for the checksum, commits skipAnalysis and resets it after Succeeded', async () => {
    const t = target('checkout', 'flagger-canary');
    const { repo, metrics, loop } = setup(
      [t],
      { 'apps/checkout.json': '{"stepWeight":10,"skipAnalysis":false}' },
      {
        checkout: () => ({ type: 'canary', verb: 'hold' }),
      },
    );
    metrics.readings.set('checkout', { canary: { weight: 20, phase: 'Progressing', checksum: 'abc' } });
    await loop.runCycle();
    const call = { name: 'checkout', namespace: 'shop', checksum: 'abc' };
    expect(loop.gates.answer('confirm-traffic-increase', call, Date.now(), false).allowed).toBe(false);
    await loop.override({ target: 'checkout', action: 'promote' }, ada);
    expect(repo.head.files['apps/checkout.json']).toBe('{"stepWeight":10,"skipAnalysis":true}');
    expect(repo.head.author).toEqual(ada);
    // the loop's own hold does not override the person's forced verdict for this checksum
    await loop.runCycle();
    expect(loop.gates.answer('confirm-promotion', call, 0, false)).toMatchObject({ allowed: true });
    expect(loop.gates.answer('rollback', call, 0, false).allowed).toBe(false);
    metrics.readings.set('checkout', {
      canary: { weight: 0, phase: 'Succeeded', checksum: 'abc' },
      appliedRevision: repo.head.sha,
    });
    await loop.runCycle();
    expect(repo.head.files['apps/checkout.json']).toBe('{"stepWeight":10,"skipAnalysis":false}');
    expect(repo.head.author).toBeUndefined();
  });

  it('force rollback answers the rollback gate for the current checksum only', async () => {
    const t = target('checkout', 'flagger-canary');
    const { metrics, loop } = setup(
      [t],
      { 'apps/checkout.json': '{"stepWeight":10}' },
      {
        checkout: () => ({ type: 'canary', verb: 'advance' }),
      },
    );
    metrics.readings.set('checkout', { canary: { weight: 20, phase: 'Progressing', checksum: 'abc' } });
    await loop.runCycle();
    const call = { name: 'checkout', namespace: 'shop', checksum: 'abc' };
    expect(loop.gates.answer('rollback', call, 0, false).allowed).toBe(false);
    await loop.override({ target: 'checkout', action: 'rollback' }, ada);
    expect(loop.gates.answer('rollback', call, 0, false)).toMatchObject({
      allowed: true,
      reason: expect.stringContaining('forced by Ada'),
    });
    expect(loop.gates.answer('rollback', { ...call, checksum: 'next' }, 0, false).allowed).toBe(false);
  });

  it('after a forced rollback, reverts the pod template to the last promoted one, authored by the person', async () => {
    const t = target('checkout', 'flagger-canary');
    const { repo, metrics, loop, clock } = setup(
      [t],
      { 'apps/checkout.json': '{"stepWeight":10}', 'apps/deployment.json': '{"template":"v1"}' },
      { checkout: () => ({ type: 'canary', verb: 'advance' }) },
    );
    // the canary file is apps/checkout.json, so its Deployment is apps/deployment.yaml by convention
    repo.external('apps/deployment.yaml', '{"template":"v1"}', 'promoted v1');
    metrics.readings.set('checkout', { canary: { weight: 0, phase: 'Succeeded', checksum: 'v1' } });
    await loop.runCycle();
    repo.external('apps/deployment.yaml', '{"template":"v2-bad"}', 'release v2');
    // git runs ahead of the cluster: the release is committed while Flagger still says Succeeded
    clock.advance(15_000);
    await loop.runCycle();
    metrics.readings.set('checkout', { canary: { weight: 10, phase: 'Progressing', checksum: 'v2' } });
    clock.advance(15_000);
    await loop.runCycle();
    await loop.override({ target: 'checkout', action: 'rollback' }, ada);
    metrics.readings.set('checkout', { canary: { weight: 0, phase: 'Failed', checksum: 'v2' } });
    clock.advance(15_000);
    await loop.runCycle();
    expect(repo.head.files['apps/deployment.yaml']).toBe('{"template":"v1"}');
    expect(repo.head.author).toEqual(ada);
    expect(repo.head.message).toMatch(/revert the pod template/);
    const commits = repo.commits.length;
    clock.advance(15_000);
    await loop.runCycle();
    expect(repo.commits).toHaveLength(commits); // reverted once
  });

  it("reverts after Flagger's own rollback too, as the agent's decision", async () => {
    const t = target('checkout', 'flagger-canary');
    const { repo, metrics, loop, clock } = setup([t], { 'apps/checkout.json': '{"stepWeight":10}' }, {});
    repo.external('apps/deployment.yaml', '{"template":"v1"}', 'promoted v1');
    metrics.readings.set('checkout', { canary: { weight: 0, phase: 'Succeeded', checksum: 'v1' } });
    await loop.runCycle();
    repo.external('apps/deployment.yaml', '{"template":"v2-bad"}', 'release v2');
    metrics.readings.set('checkout', { canary: { weight: 10, phase: 'Progressing', checksum: 'v2' } });
    clock.advance(15_000);
    await loop.runCycle();
    metrics.readings.set('checkout', { canary: { weight: 0, phase: 'Failed', checksum: 'v2' } });
    clock.advance(15_000);
    await loop.runCycle();
    expect(repo.head.files['apps/deployment.yaml']).toBe('{"template":"v1"}');
    expect(repo.head.author).toBeUndefined();
    expect(repo.head.message).toBe(
      'maestro: checkout {"type":"canary","verb":"rollback"}\n\nMaestro-Decision-Id: d4',
    );
  });

  it('refuses promote/rollback when no canary analysis is running', async () => {
    const t = target('checkout', 'flagger-canary');
    const { metrics, loop } = setup([t], { 'apps/checkout.json': '{"stepWeight":10}' }, {});
    metrics.readings.set('checkout', { canary: { weight: 0, phase: 'Succeeded', checksum: 'abc' } });
    await loop.runCycle();
    await expect(loop.override({ target: 'checkout', action: 'rollback' }, ada)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });
});
