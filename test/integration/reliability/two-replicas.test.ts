import { join } from 'node:path';
import { GitRepoSession } from '../../../src/adapters/git/repo-session';
import { gitHistorySource } from '../../../src/cli/wiring/history-source';
import { loopTarget } from '../../../src/cli/wiring/loop-targets';
import { yamlTargetManifests } from '../../../src/cli/wiring/target-manifests';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { configSchema } from '../../../src/config/schema';
import type { Action } from '../../../src/core/action';
import { guard } from '../../../src/core/guardrails/guard';
import { ControlLoop } from '../../../src/loop/control-loop';
import { parseLease } from '../../../src/loop/leader-election';
import { LeaderGatedLoop } from '../../../src/loop/leader-gated-loop';
import { DEFAULT_LEASE_FILE, GitLeaseElector, fencedRepo } from '../../../src/loop/leader-git-lease';
import { createRng } from '../../../src/sim/rng';
import { FakeMetrics, ManualClock, fixedPolicy } from '../../support/loop-doubles';
import { nonFastForwardUpdates, startGitServer, type TestGitServer } from '../../support/git-server';
import { decisionCounts, replicasAt, serverHistory, staleDeltas } from './agent-evidence';

/**
 * Acceptance (issue 10, HA): two agent replicas against one repo for 500 cycles. No decision is
 * applied twice, no replica delta is stacked on a stale read, and only the lease holder of the
 * commit's parent ever commits a decision.
 *
 * Each round both replicas tick at the same time (real concurrency through the git server), and
 * now and then one replica stalls for a few rounds (a GC pause, a partition) so its lease expires and
 * the other takes over while it may still be mid-decision; the fence inside the commit planner must
 * stop the stale leader. Flux "applies" the head between rounds (the metrics show git's replicas).
 */
/** each round both replicas run one cycle: 500 agent cycles */
const ROUNDS = 250;
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
      guardrails: { scaleUpCooldownSeconds: 0, scaleDownCooldownSeconds: 0, maxCommitsPerHour: 1000 },
    },
  ],
});
const web = loopTarget(config.targets[0]!, '', 120);

let git: TestGitServer;
beforeAll(async () => {
  git = await startGitServer({ files });
});
afterAll(() => git.stop());

describe('two agent replicas, one repo', () => {
  test(`${ROUNDS * 2} agent cycles: no decision applied twice, no delta on a stale read, only the lease holder commits`, async () => {
    const clock = new ManualClock(Date.now());
    // the simulator's seeded source, so a failing schedule can be replayed
    const rng = createRng(10);
    const random = () => rng.next();
    const metrics = new FakeMetrics();
    let direction = 1;
    let act = true;
    // every other round: a cycle that acts, then one that holds (fewer pushes, same races)
    const policyAction = (): Action => (act ? { type: 'replicas', delta: direction } : { type: 'hold' });

    const replica = (name: string) => {
      const email = `${name}@localhost`;
      const session = new GitRepoSession({
        url: git.url,
        branch: 'main',
        dir: join(git.tmp, name),
        author: { name, email },
        backoff: { baseMs: 1, maxMs: 5, maxAttempts: 20 },
        random,
        sleep: async () => undefined,
        now: () => clock.now(),
      });
      const elector = new GitLeaseElector(session, { identity: name, durationMs: 120_000 });
      const repo = fencedRepo(session, elector, () => clock.now());
      const gated = new LeaderGatedLoop(
        elector,
        () =>
          new ControlLoop(
            [web],
            {
              clock,
              repo,
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
              agent: { name, email },
            },
          ),
        clock,
      );
      return { name, email, gated, repo, stalledUntil: -1, leaderTicks: 0, takeovers: 0 };
    };
    const replicas = [replica('maestro-a'), replica('maestro-b')];

    for (let round = 0; round < ROUNDS; round++) {
      const head = (await git.gitCli('rev-parse', 'main')).trim();
      const declared = await replicasAt(git, head, FILE);
      if (declared >= 10) direction = -1;
      if (declared <= 3) direction = 1;
      act = round % 2 === 0;
      metrics.readings.set('web', {
        specReplicas: declared,
        readyReplicas: declared,
        rps: 300,
        p95: 200,
        appliedRevision: `main@sha1:${head}`,
      });
      if (random() < 0.04) {
        const r = replicas[Math.floor(random() * 2)]!;
        r.stalledUntil = round + 8 + Math.floor(random() * 4); // 120–180 s: past the 120 s lease
      }
      await Promise.all(
        replicas
          .filter((r) => r.stalledUntil < round)
          .map(async (r) => {
            const t = await r.gated.tick();
            if (t.role === 'leader') {
              r.leaderTicks++;
              if (t.fresh) r.takeovers++;
            }
          }),
      );
      clock.advance(15_000);
    }

    const history = await serverHistory(git);
    const decisions = history.filter((c) => c.decisionIds.length > 0);
    // the schedule exercised what it claims to: both replicas led, leadership changed hands
    for (const r of replicas) {
      expect(r.leaderTicks).toBeGreaterThan(10);
      expect(decisions.filter((c) => c.authorEmail === r.email).length).toBeGreaterThan(3);
    }
    expect(replicas[0]!.takeovers + replicas[1]!.takeovers).toBeGreaterThan(2);

    expect([...decisionCounts(history)].filter(([, n]) => n > 1)).toEqual([]);
    expect(await staleDeltas(git, history, FILE)).toEqual([]);
    // fencing: each decision commit was made by the holder of the lease its parent records
    const notHolder: string[] = [];
    for (const c of decisions) {
      const lease = parseLease(await git.gitCli('show', `${c.parent}:${DEFAULT_LEASE_FILE}`));
      if (lease?.holder !== c.authorEmail.replace(/@localhost$/, '')) {
        notHolder.push(`${c.sha.slice(0, 7)} by ${c.authorEmail}, lease ${lease?.holder ?? 'none'}`);
      }
    }
    expect(notHolder).toEqual([]);
    // no double action: between two decision commits, Flux applied the first (a round passed)
    for (let i = 1; i < decisions.length; i++) {
      expect(decisions[i]!.at).toBeGreaterThan(decisions[i - 1]!.at);
    }
    expect((await nonFastForwardUpdates(git)).forced).toEqual([]);
  }, 240_000);
});
