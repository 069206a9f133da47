import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepoSession } from '../../../src/adapters/git/repo-session';
import { gitHistorySource } from '../../../src/cli/wiring/history-source';
import { loopTarget } from '../../../src/cli/wiring/loop-targets';
import { pauseDocument } from '../../../src/cli/wiring/pause-document';
import { yamlTargetManifests } from '../../../src/cli/wiring/target-manifests';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { configSchema } from '../../../src/config/schema';
import type { Action } from '../../../src/core/action';
import { guard } from '../../../src/core/guardrails/guard';
import { ControlLoop } from '../../../src/loop/control-loop';
import type { LoopEvent } from '../../../src/loop/events';
import { FakeMetrics, ManualClock, fixedPolicy } from '../../support/loop-doubles';
import { runGit, startGitServer, type TestGitServer } from '../../support/git-server';

/**
 * The loop against the real pieces: a real git server (git http-backend), the git adapter, the YAML
 * adapter over the template's files, the real guardrails and commit messages. Metrics and the policy
 * are set by the test (the decision under test is the loop's, not the policy's).
 */
const files = loadTemplateFiles();
const config = configSchema.parse({
  git: { url: 'http://127.0.0.1:1/config.git' },
  prometheus: { url: 'http://127.0.0.1:9090' },
  targets: [
    {
      name: 'web',
      kind: 'deployment-replicas',
      file: 'apps/web/deployment.yaml',
      namespace: 'shop',
      minReplicas: 2,
      maxReplicas: 20,
      slo: { p95Ms: 250 },
    },
  ],
});
const web = loopTarget(config.targets[0]!, '', 120);

let git: TestGitServer;
beforeAll(async () => {
  git = await startGitServer({ files });
});
afterAll(async () => {
  await git.stop();
});

function agentFor(
  clock: ManualClock,
  metrics: FakeMetrics,
  dir: string,
  action: () => Action,
  beforePush?: () => Promise<void>,
) {
  const session = new GitRepoSession({
    url: git.url,
    branch: 'main',
    dir: join(git.tmp, dir),
    author: { name: 'maestro', email: 'maestro@localhost' },
    random: () => 0.5,
    sleep: async () => undefined,
    now: () => clock.now(),
    ...(beforePush ? { beforePush } : {}),
  });
  const loop = new ControlLoop(
    [web],
    {
      clock,
      repo: session,
      history: gitHistorySource(session),
      metrics,
      policies: () => ({
        primary: fixedPolicy('hpa', action),
        fallback: fixedPolicy('hpa', () => ({ type: 'hold' })),
      }),
      guard,
      manifests: yamlTargetManifests(),
      pauseDocument: pauseDocument('maestro-pause.yaml'),
    },
    {
      cycleIntervalSeconds: 15,
      applyTimeoutSeconds: 300,
      shadow: false,
      metricsSource: 'test',
      agent: { name: 'maestro', email: 'maestro@localhost' },
    },
  );
  const events: LoopEvent[] = [];
  loop.state.subscribe((e) => events.push(e));
  return { loop, events, session };
}

/** A person's commit made with the git CLI in their own clone, pushed over HTTP. */
let handCommits = 0;
async function handCommit(path: string, content: string, subject: string): Promise<void> {
  const dir = join(git.tmp, `hand-${++handCommits}`);
  await runGit(['clone', '-q', git.url, dir]);
  writeFileSync(join(dir, path), content);
  await runGit(['-C', dir, 'add', path]);
  await runGit([
    '-C',
    dir,
    '-c',
    'user.name=Ada',
    '-c',
    'user.email=ada@example.com',
    'commit',
    '-qm',
    subject,
  ]);
  await runGit(['-C', dir, 'push', '-q', 'origin', 'HEAD:main']);
}

const replicasInGit = async () =>
  Number(/^\s{2}replicas: (\d+)/m.exec(await git.gitCli('show', 'main:apps/web/deployment.yaml'))?.[1]);

describe('ControlLoop with real git', () => {
  it('commits with trailers, and after a restart holds on the unapplied commit and keeps the cooldown', async () => {
    const clock = new ManualClock(Date.now());
    const metrics = new FakeMetrics();
    const start = await replicasInGit();
    metrics.readings.set('web', { specReplicas: start, readyReplicas: start, rps: 300, p95: 200 });
    const first = agentFor(clock, metrics, 'agent-1', () => ({ type: 'replicas', delta: 2 }));
    await first.loop.restore();
    await first.loop.runCycle();
    expect(await replicasInGit()).toBe(start + 2);
    const message = await git.gitCli('log', '-1', '--format=%an%n%B', 'main');
    expect(message).toMatch(/^maestro\nmaestro: web replicas \d+→\d+ \(scale-up\)/);
    expect(message).toMatch(/^Maestro-Target: web$/m);
    expect(message).toMatch(/^Maestro-Action: replicas \+2$/m);

    // crash: a new agent process with a fresh local copy rebuilds its memory from the trailers
    clock.advance(20_000);
    const second = agentFor(clock, metrics, 'agent-2', () => ({ type: 'replicas', delta: 2 }));
    await second.loop.restore();
    await second.loop.runCycle();
    expect(await replicasInGit()).toBe(start + 2); // not applied twice
    const d = second.events.flatMap((e) => (e.type === 'decision' ? [e.decision] : []))[0]!;
    expect(d.final).toBe('hold');
    expect(d.reasons.join('\n')).toMatch(/waiting for Flux to apply [0-9a-f]{7}/);

    // Flux applies it; the cooldown (60 s after the last scale-up, rebuilt from git) still holds
    const head = (await git.gitCli('rev-parse', 'main')).trim();
    metrics.readings.set('web', {
      specReplicas: start + 2,
      readyReplicas: start + 2,
      rps: 300,
      p95: 200,
      appliedRevision: `main@sha1:${head}`,
    });
    clock.advance(15_000);
    await second.loop.runCycle();
    const d2 = second.events.flatMap((e) => (e.type === 'decision' ? [e.decision] : [])).at(-1)!;
    expect(d2.interventions.map((i) => i.rule)).toContain('cooldown');
    expect(await replicasInGit()).toBe(start + 2);
    clock.advance(60_000);
    await second.loop.runCycle();
    expect(await replicasInGit()).toBe(start + 4);
  });

  it('re-plans on the new head after losing a push race to a person', async () => {
    const clock = new ManualClock(Date.now() + 3_600_000);
    const metrics = new FakeMetrics();
    const before = await replicasInGit();
    metrics.readings.set('web', { specReplicas: before, readyReplicas: before, rps: 300, p95: 200 });
    const person = agentFor(clock, metrics, 'person', () => ({ type: 'hold' }));
    let override: Promise<unknown> | undefined;
    const agent = agentFor(
      clock,
      metrics,
      'agent-3',
      () => {
        // a person scales to 12 between the agent's snapshot and its push
        override ??= person.loop.override(
          { target: 'web', action: 'replicas', replicas: 12 },
          { name: 'Ada', email: 'ada@example.com' },
        );
        return { type: 'replicas', delta: 1 };
      },
      // her commit lands before the agent's first push leaves
      async () => {
        await override;
      },
    );
    await person.loop.runCycle();
    await agent.loop.runCycle();
    const log = await git.gitCli('log', '-2', '--format=%an|%s', 'main');
    // the agent's push on its stale head lost; it re-planned its +1 on the person's 12
    expect(log).toMatch(/^maestro\|maestro: web replicas 12→13 \(scale-up\)\nAda\|/);
    expect(await replicasInGit()).toBe(13);
    const commits = agent.events.flatMap((e) => (e.type === 'commit' ? [e.commit] : []));
    expect(commits).toHaveLength(1);
    expect(commits[0]!.attempts).toBe(2);
    expect(before).not.toBe(12);
  });

  it("a global pause is a commit in the person's name: a restarted agent stays paused until a resume commit", async () => {
    const clock = new ManualClock(Date.now() + 7_200_000);
    const metrics = new FakeMetrics();
    const before = await replicasInGit();
    metrics.readings.set('web', { specReplicas: before, readyReplicas: before, rps: 300, p95: 200 });
    const ada = { name: 'Ada', email: 'ada@example.com' };
    const first = agentFor(clock, metrics, 'agent-pause-1', () => ({ type: 'replicas', delta: 1 }));
    await first.loop.restore();
    const paused = await first.loop.override({ action: 'pause', reason: 'incident 42' }, ada);
    expect(paused.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await git.gitCli('log', '-1', '--format=%an <%ae>|%cn|%s', 'main')).toMatch(
      /^Ada <ada@example\.com>\|maestro\|.*pause all targets/,
    );
    const file = await git.gitCli('show', 'main:maestro-pause.yaml');
    expect(file).toMatch(/^kind: "ConfigMap"$/m);
    expect(file).toMatch(/^ {2}paused: "true"$/m);
    expect(file).toMatch(/^ {2}by: "Ada <ada@example\.com>"$/m);
    expect(file).toMatch(/^ {2}reason: "incident 42"$/m);
    // the same pause again: git already says so, no commit
    expect((await first.loop.override({ action: 'pause' }, ada)).sha).toBeUndefined();

    // a new process (restart, or another replica taking the lead) reads the pause from git
    clock.advance(15_000);
    const second = agentFor(clock, metrics, 'agent-pause-2', () => ({ type: 'replicas', delta: 1 }));
    await second.loop.restore();
    await second.loop.runCycle();
    expect(second.loop.paused).toBe(true);
    expect(await replicasInGit()).toBe(before);
    const held = second.events.flatMap((e) => (e.type === 'decision' ? [e.decision] : [])).at(-1)!;
    expect(held.final).toBe('hold');
    expect(held.interventions.map((i) => i.rule)).toContain('pause');

    const resumed = await second.loop.override({ action: 'resume' }, ada);
    expect(resumed.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await git.gitCli('show', 'main:maestro-pause.yaml')).toMatch(/^ {2}paused: "false"$/m);
    clock.advance(15_000);
    await second.loop.runCycle();
    expect(second.loop.paused).toBe(false);
    expect(await replicasInGit()).toBe(before + 1);
  });

  it('a pause file it cannot read holds every target and reports which file to fix', async () => {
    const clock = new ManualClock(Date.now() + 10_800_000);
    const metrics = new FakeMetrics();
    const before = await replicasInGit();
    metrics.readings.set('web', { specReplicas: before, readyReplicas: before, rps: 300, p95: 200 });
    await handCommit('maestro-pause.yaml', 'data:\n  paused: maybe\n', 'hand edit');
    const agent = agentFor(clock, metrics, 'agent-pause-3', () => ({ type: 'replicas', delta: 1 }));
    await agent.loop.restore();
    await agent.loop.runCycle();
    expect(agent.loop.paused).toBe(true);
    expect(await replicasInGit()).toBe(before);
    const errors = agent.events.flatMap((e) => (e.type === 'error' ? [e] : []));
    expect(errors.map((e) => e.message).join('\n')).toMatch(/^maestro-pause\.yaml: data\.paused is "maybe"/m);
    await handCommit('maestro-pause.yaml', 'data:\n  paused: false\n', 'fixed by hand');
    clock.advance(15_000);
    await agent.loop.runCycle();
    expect(agent.loop.paused).toBe(false);
  });
});
