import { join } from 'node:path';
import { GitRepoSession, type GitSessionEvent } from '../../../src/adapters/git/repo-session';
import { gitHistorySource } from '../../../src/cli/wiring/history-source';
import { loopTarget } from '../../../src/cli/wiring/loop-targets';
import { yamlTargetManifests } from '../../../src/cli/wiring/target-manifests';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { configSchema } from '../../../src/config/schema';
import type { Action } from '../../../src/core/action';
import { MaestroError } from '../../../src/core/errors';
import { guard } from '../../../src/core/guardrails/guard';
import { ControlLoop } from '../../../src/loop/control-loop';
import type { LoopEvent } from '../../../src/loop/events';
import { FakeMetrics, ManualClock, fixedPolicy } from '../../support/loop-doubles';
import { nonFastForwardUpdates, runGit, startGitServer, type TestGitServer } from '../../support/git-server';
import { decisionCounts, replicasAt, serverHistory, staleDeltas } from './agent-evidence';

/**
 * Acceptance (issue 10, restart safety): the agent is killed between commit and push 50 times and
 * exactly one commit per decision reaches the server.
 *
 * The kill happens inside GitRepoSession's `beforePush` hook, after the commit is written to the
 * local copy on disk. Two kinds of death alternate:
 * - `before-push`: the process dies with the commit only local. The restarted agent (a new session on
 *   the same directory, a new loop) must discard it and decide again from git and metrics alone.
 * - `after-push`: the push reaches the server (sent with the real git CLI from the local copy) and the
 *   process dies before it learns the answer. The restarted agent must find the commit through its
 *   trailers and hold on it instead of pushing the same change again.
 * Evidence is read from the server's bare repo with the git CLI: decision-id trailers, the replicas
 * in every commit and its parent, and the branch reflog.
 */
const KILLS = 50;
const FILE = 'apps/web/deployment.yaml';
const files = loadTemplateFiles();
const config = configSchema.parse({
  git: { url: 'http://127.0.0.1:1/config.git' },
  prometheus: { url: 'http://127.0.0.1:9090' },
  targets: [
    {
      name: 'web',
      kind: 'deployment-replicas',
      file: FILE,
      namespace: 'shop',
      minReplicas: 2,
      maxReplicas: 20,
      slo: { p95Ms: 250 },
    },
  ],
});
const web = loopTarget(config.targets[0]!, '', 120);
const agent = { name: 'maestro', email: 'maestro@localhost' };

class SimulatedKill extends MaestroError {
  constructor() {
    super('INTERNAL', 'simulated SIGKILL between commit and push', { retryable: false });
  }
}

let git: TestGitServer;
beforeAll(async () => {
  git = await startGitServer({ files });
});
afterAll(() => git.stop());

describe('agent killed between commit and push', () => {
  test(`${KILLS} kills: one commit per decision on the server, unpushed local commits discarded`, async () => {
    const clock = new ManualClock(Date.now());
    const metrics = new FakeMetrics();
    const dir = join(git.tmp, 'agent'); // one disk: every restart finds the previous process's local copy
    let declared = await replicasAt(git, 'main', FILE);
    let direction = 1;
    const policyAction = (): Action => ({ type: 'replicas', delta: direction });

    /** Flux has applied the head: the cluster shows what git declares */
    const fluxApplies = async () => {
      const head = (await git.gitCli('rev-parse', 'main')).trim();
      declared = await replicasAt(git, head, FILE);
      if (declared >= 10) direction = -1;
      if (declared <= 3) direction = 1;
      metrics.readings.set('web', {
        specReplicas: declared,
        readyReplicas: declared,
        rps: 300,
        p95: 200,
        appliedRevision: `main@sha1:${head}`,
      });
    };

    const start = (kill?: 'before-push' | 'after-push') => {
      const events: GitSessionEvent[] = [];
      const session = new GitRepoSession({
        url: git.url,
        branch: 'main',
        dir,
        author: agent,
        random: () => 0.5,
        sleep: async () => undefined,
        now: () => clock.now(),
        onEvent: (e) => events.push(e),
        ...(kill
          ? {
              beforePush: async (c) => {
                if (kill === 'after-push') {
                  await runGit([
                    '--git-dir',
                    c.gitdir,
                    'push',
                    '-q',
                    'origin',
                    `${c.sha}:refs/heads/${c.branch}`,
                  ]);
                }
                throw new SimulatedKill();
              },
            }
          : {}),
      });
      const loop = new ControlLoop(
        [web],
        {
          clock,
          repo: session,
          history: gitHistorySource(session),
          metrics,
          policies: () => ({
            primary: fixedPolicy('zigzag', policyAction),
            fallback: fixedPolicy('hpa', () => ({ type: 'hold' })),
          }),
          guard,
          manifests: yamlTargetManifests(),
        },
        {
          cycleIntervalSeconds: 15,
          applyTimeoutSeconds: 300,
          shadow: false,
          metricsSource: 'test',
          agent,
        },
      );
      const loopEvents: LoopEvent[] = [];
      loop.state.subscribe((e) => loopEvents.push(e));
      return { loop, events, loopEvents };
    };
    const decisionsOf = (events: LoopEvent[]) =>
      events.flatMap((e) =>
        e.type === 'decision' && e.decision.finalAction?.type === 'replicas' ? [e.decision] : [],
      );

    const killedLocal: string[] = []; // decisions whose commit died on disk
    const killedPushed: string[] = []; // decisions whose commit reached the server as the agent died
    const committedAfterRestart: string[] = [];
    let discards = 0;
    for (let i = 0; i < KILLS; i++) {
      const mode = i % 2 === 0 ? 'before-push' : 'after-push';
      await fluxApplies();
      clock.advance(6 * 60_000); // past both cooldowns: every run wants to act
      const doomed = start(mode);
      await doomed.loop.restore();
      await doomed.loop.runCycle();
      const killed = decisionsOf(doomed.loopEvents);
      expect(killed).toHaveLength(1); // it did decide, and died pushing it
      expect(doomed.loopEvents.some((e) => e.type === 'error' && /simulated SIGKILL/.test(e.message))).toBe(
        true,
      );
      (mode === 'before-push' ? killedLocal : killedPushed).push(killed[0]!.id);

      // restart: nothing but git and metrics; Flux has not applied anything new yet
      clock.advance(15_000);
      const next = start();
      await next.loop.restore();
      await next.loop.runCycle();
      discards += next.events.filter((e) => e.type === 'discarded-local-commit').length;
      const decided = decisionsOf(next.loopEvents);
      for (const d of decided) if (d.commit) committedAfterRestart.push(d.id);
      if (mode === 'after-push') {
        // the pushed change is found through its trailers and waited for, never pushed again
        expect(decided.filter((d) => d.commit)).toEqual([]);
        const all = next.loopEvents.flatMap((e) => (e.type === 'decision' ? [e.decision] : []));
        expect(all.map((d) => d.reasons.join(' '))).toEqual([
          expect.stringMatching(/waiting for Flux to apply/),
        ]);
      }
    }

    const history = await serverHistory(git);
    const counts = decisionCounts(history);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    expect(killedLocal.filter((id) => counts.has(id))).toEqual([]); // discarded, never pushed later
    expect(killedPushed.filter((id) => counts.get(id) !== 1)).toEqual([]); // pushed exactly once
    expect(committedAfterRestart.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // every agent commit on the server is one of the decisions above: nothing extra was replayed
    expect(counts.size).toBe(killedPushed.length + committedAfterRestart.length);
    expect(killedPushed).toHaveLength(KILLS / 2);
    expect(committedAfterRestart).toHaveLength(KILLS / 2); // each local-only kill was decided again once
    expect(discards).toBe(KILLS / 2); // the restarted session saw and dropped each unpushed local commit
    expect(await staleDeltas(git, history, FILE)).toEqual([]);
    expect((await nonFastForwardUpdates(git)).forced).toEqual([]);
  }, 90_000);
});
