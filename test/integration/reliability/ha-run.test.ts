import type { RunningAgent } from '../../../src/cli/wiring/start-agent';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { parseLease } from '../../../src/loop/leader-election';
import { DEFAULT_LEASE_FILE } from '../../../src/loop/leader-git-lease';
import { startGitServer, type TestGitServer } from '../../support/git-server';
import {
  RUN_VIEWER_TOKEN,
  bearer,
  eventually,
  expectFollowerHolds,
  gateCall,
  leadership,
  overrideReplicas,
  startRunAgent,
} from '../../support/run-agent';
import { serverHistory } from './agent-evidence';

/**
 * `maestro run` with `ha.enabled` (issue 10): two agents wired as `run` wires them, on one repo of
 * a real git server. Exactly one leads; only it commits (the lease and a person's override); the
 * follower stays ready, holds every Flagger gate and refuses overrides naming the leader; when the
 * leader stops, the follower takes the lease once it expires and acts from then on.
 */
// 4 s, not 2: under CI load a git lease renewal (a commit + push) can take over a second, and a
// 2 s lease then expired under a live leader, handing over mid-test
const LEASE_SECONDS = 4;
const ha = (identity: string) => ({ ha: { enabled: true, leaseSeconds: LEASE_SECONDS, identity } });

let git: TestGitServer;
const running = new Set<RunningAgent>();

beforeAll(async () => {
  git = await startGitServer({ files: loadTemplateFiles() });
});
afterAll(async () => {
  for (const a of running) await a.stop();
  await git.stop();
});

const override = (agent: RunningAgent, replicas: number) => overrideReplicas(agent, replicas, 'ha test');

describe('maestro run with ha.enabled: two replicas, one repo', () => {
  test('exactly one leads and commits; the follower fails closed; stopping the leader hands over', async () => {
    const a = await startRunAgent(git, 'maestro-a', ha('maestro-a'));
    running.add(a);
    const b = await startRunAgent(git, 'maestro-b', ha('maestro-b'));
    running.add(b);
    const agents = [a, b];

    // both read the lease; exactly one holds it, the other names it as the holder
    const views = await eventually('both replicas to read the lease', 20_000, async () => {
      const v = await Promise.all(agents.map(async (x) => await leadership(x)));
      return v.every((s) => s.leader || s.holder !== undefined) ? v : undefined;
    });
    expect(views.filter((v) => v.leader)).toHaveLength(1);
    const leaderIndex = views.findIndex((v) => v.leader);
    const leader = agents[leaderIndex]!;
    const follower = agents[1 - leaderIndex]!;
    const leaderId = views[leaderIndex]!.identity;
    const followerView = views[1 - leaderIndex]!;
    expect(followerView).toEqual(expect.objectContaining({ leader: false, holder: leaderId }));

    // the follower is healthy and ready, but holds every gate and refuses overrides
    await expectFollowerHolds(leader, follower, leaderId, 'ha test');

    // the leader acts: the same override through it commits
    const accepted = await override(leader, 5);
    expect(accepted.status).toBe(200);
    const overrideSha = ((await accepted.json()) as { sha: string }).sha;
    expect(overrideSha).toMatch(/^[0-9a-f]{40}$/);

    // the follower's audit trail learns of it from git (re-read once per lease period)
    const followerTrail = await eventually(
      'the follower to list the override',
      4 * LEASE_SECONDS * 1000,
      async () => {
        const r = await fetch(`${follower.server.url}/api/overrides`, { headers: bearer(RUN_VIEWER_TOKEN) });
        const list = ((await r.json()) as { overrides: Array<{ sha?: string }> }).overrides;
        return list.length > 0 ? list : undefined;
      },
    );
    expect(followerTrail).toEqual([expect.objectContaining({ sha: overrideSha, by: 'ada', source: 'git' })]);

    // stop the leader: the follower takes the lease once it expires (at most one lease after the
    // leader's last renewal, plus a cycle to notice)
    const stoppedAt = Date.now();
    await leader.stop();
    running.delete(leader);
    const taken = await eventually('the follower to take over', 4 * LEASE_SECONDS * 1000, async () => {
      const s = await leadership(follower);
      return s.leader ? s : undefined;
    });
    expect(taken.identity).toBe(followerView.identity);
    const lease = parseLease(await git.gitCli('show', `main:${DEFAULT_LEASE_FILE}`));
    expect(lease?.holder).toBe(followerView.identity);
    expect(lease!.renewedAt - stoppedAt).toBeLessThanOrEqual(2 * LEASE_SECONDS * 1000);
    expect((await gateCall(follower)).status).toBe(403); // no verdict yet: holds, as the leader would
    expect(((await (await gateCall(follower)).json()) as { reason: string }).reason).toMatch(
      /no decision yet/,
    );

    // evidence from the server's repo: every commit was made by the lease holder of its parent
    // (the lease in the parent names the committer; the first lease commit had none)
    const history = await git.gitCli('log', '--first-parent', '--reverse', '--format=%H %P %ce', 'main');
    const commits = history
      .trim()
      .split('\n')
      .slice(1) // the seed commit
      .map((line) => {
        const [sha = '', parent = '', committer = ''] = line.split(' ');
        return { sha, parent, committer };
      });
    expect(commits.length).toBeGreaterThanOrEqual(3);
    for (const c of commits) {
      const before = parseLease(
        await git.gitCli('show', `${c.parent}:${DEFAULT_LEASE_FILE}`).catch(() => undefined),
      );
      const after = parseLease(await git.gitCli('show', `${c.sha}:${DEFAULT_LEASE_FILE}`));
      const committerId = c.committer.replace(/@localhost$/, '');
      // a lease commit is written by its new holder; any other commit by the holder in its base
      if (after?.holder !== before?.holder || after?.renewedAt !== before?.renewedAt) {
        expect(after?.holder).toBe(committerId);
      } else expect(before?.holder).toBe(committerId);
    }
    const overrideCommit = commits.find((c) => c.sha === overrideSha);
    expect(overrideCommit?.committer).toBe(`${leaderId}@localhost`);
    // the new leader's trail still lists it once (the takeover re-read merges by sha)
    const trail = await fetch(`${follower.server.url}/api/overrides`, { headers: bearer(RUN_VIEWER_TOKEN) });
    expect(((await trail.json()) as { overrides: unknown[] }).overrides).toEqual([
      expect.objectContaining({ sha: overrideSha, source: 'git' }),
    ]);
    expect((await serverHistory(git)).filter((c) => /Maestro-Decision-Id/.test(c.body))).toEqual([]);
  }, 60_000);
});
