// loaded here, outside any test's timeout: on a cold jest cache transforming @kubernetes/client-node
// (ESM, ~1000 modules) takes tens of seconds; the wiring's lazy require then finds it loaded
import '../../../src/adapters/kubernetes/kubernetes-lease-elector';
import type { RunningAgent } from '../../../src/cli/wiring/start-agent';
import { loadTemplateFiles } from '../../../src/cli/wiring/template-files';
import { DEFAULT_LEASE_FILE } from '../../../src/loop/leader-git-lease';
import type { LeadershipView } from '../../../src/server/app';
import { startGitServer, type TestGitServer } from '../../support/git-server';
import {
  STANDIN_NAMESPACE,
  startKubernetesLeaseStandIn,
  type KubernetesLeaseStandIn,
} from '../../support/kubernetes-lease-server';
import {
  RUN_OPERATOR_TOKEN,
  RUN_VIEWER_TOKEN,
  bearer,
  eventually,
  startRunAgent,
} from '../../support/run-agent';

/**
 * `maestro run` with `ha.elector: kubernetes`: two agents wired as `run` wires them (the adapter is
 * required lazily by src/cli/wiring/leader-elector.ts), one git repo, one Lease on the API
 * stand-in reached through a kubeconfig. As with the git lease: exactly one leads and commits; the
 * follower stays ready, holds every Flagger gate and refuses overrides naming the leader. Unlike
 * it: no lease commits in git, and a leader that stops releases the Lease, so the follower takes
 * over at its next retry instead of after the lease duration.
 */
const LEASE_NAME = 'maestro-leader';

let git: TestGitServer;
let k8s: KubernetesLeaseStandIn;
const running = new Set<RunningAgent>();

beforeAll(async () => {
  git = await startGitServer({ files: loadTemplateFiles() });
  k8s = await startKubernetesLeaseStandIn();
});
afterAll(async () => {
  for (const a of running) await a.stop();
  await k8s.stop();
  await git.stop();
});

const ha = (identity: string) => ({
  ha: {
    enabled: true,
    elector: 'kubernetes',
    identity,
    leaseSeconds: 3,
    kubernetes: {
      kubeconfig: k8s.kubeconfig,
      name: LEASE_NAME,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.25,
    },
  },
});

async function status(agent: RunningAgent): Promise<LeadershipView> {
  const r = await fetch(`${agent.server.url}/api/status`, { headers: bearer(RUN_VIEWER_TOKEN) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { ha: LeadershipView }).ha;
}

const gateCall = (agent: RunningAgent) =>
  fetch(`${agent.server.url}/gate/confirm-promotion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'checkout', namespace: 'shop', checksum: 'abc123', phase: 'Progressing' }),
  });

const override = (agent: RunningAgent, replicas: number) =>
  fetch(`${agent.server.url}/api/targets/web/override`, {
    method: 'POST',
    headers: bearer(RUN_OPERATOR_TOKEN),
    body: JSON.stringify({ action: 'replicas', replicas, reason: 'kubernetes ha test' }),
  });

const leaseSpec = () => k8s.lease(STANDIN_NAMESPACE, LEASE_NAME)?.spec as Record<string, unknown> | undefined;

describe('maestro run with ha.elector kubernetes: two replicas, one Lease', () => {
  test('one leads and commits; the follower fails closed; stopping the leader releases and hands over', async () => {
    const a = await startRunAgent(git, 'maestro-a', ha('maestro-a'));
    running.add(a);
    const b = await startRunAgent(git, 'maestro-b', ha('maestro-b'));
    running.add(b);
    const agents = [a, b];
    expect(a.electorDescription).toBe(`the Kubernetes Lease ${STANDIN_NAMESPACE}/${LEASE_NAME}`);

    const views = await eventually('both replicas to read the Lease', 20_000, async () => {
      const v = await Promise.all(agents.map(status));
      return v.every((s) => s.leader || s.holder !== undefined) ? v : undefined;
    });
    expect(views.filter((v) => v.leader)).toHaveLength(1);
    const li = views.findIndex((v) => v.leader);
    const leader = agents[li]!;
    const follower = agents[1 - li]!;
    const leaderId = views[li]!.identity;
    const followerId = views[1 - li]!.identity;
    expect(views[1 - li]).toEqual(expect.objectContaining({ leader: false, holder: leaderId }));
    expect(leaseSpec()).toEqual(
      expect.objectContaining({ holderIdentity: leaderId, leaseDurationSeconds: 3 }),
    );

    // the follower is ready but holds every gate and refuses overrides, naming the leader
    await eventually('the leader to be ready', 20_000, async () =>
      (await fetch(`${leader.server.url}/readyz`)).status === 200 ? true : undefined,
    );
    const ready = await fetch(`${follower.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual(expect.objectContaining({ ready: true, leader: false }));
    const gate = await gateCall(follower);
    expect(gate.status).toBe(403);
    expect(((await gate.json()) as { reason: string }).reason).toMatch(
      new RegExp(`not the leader \\(${leaderId} is\\): hold`),
    );
    const refused = await override(follower, 7);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      `send overrides to ${leaderId}`,
    );

    // the leader's commit passes the fence (a fresh read of the Lease names it)
    const accepted = await override(leader, 5);
    expect(accepted.status).toBe(200);
    const sha = ((await accepted.json()) as { sha: string }).sha;
    const log = await git.gitCli('log', '--format=%H %ce', 'main');
    expect(log).toContain(`${sha} ${leaderId}@localhost`);
    // the lease lives in the cluster, not in git: no lease file, no lease commits
    await expect(git.gitCli('show', `main:${DEFAULT_LEASE_FILE}`)).rejects.toThrow();
    expect(log.trim().split('\n')).toHaveLength(2); // the seed and the override

    // stop the leader: it releases the Lease, the follower takes it at its next retry
    await leader.stop();
    running.delete(leader);
    expect(k8s.writes.at(-1)?.spec).toEqual(
      expect.objectContaining({ holderIdentity: '', leaseDurationSeconds: 1 }),
    );
    const releasedAt = Date.now();
    const taken = await eventually('the follower to take over', 10_000, async () => {
      const s = await status(follower);
      return s.leader ? s : undefined;
    });
    // well inside the 3 s lease: a release, not an expiry (retry 0.25 s with jitter, plus a cycle)
    expect(Date.now() - releasedAt).toBeLessThan(2500);
    expect(taken.identity).toBe(followerId);
    expect(leaseSpec()).toEqual(expect.objectContaining({ holderIdentity: followerId, leaseTransitions: 1 }));
    const gate2 = await gateCall(follower);
    expect(gate2.status).toBe(403); // no verdict yet: holds, as the leader would
    expect(((await gate2.json()) as { reason: string }).reason).toMatch(/no decision yet/);
    // only the two replicas ever wrote the Lease, and only as themselves or to release it
    expect(new Set(k8s.writes.map((w) => w.spec.holderIdentity))).toEqual(
      new Set([leaderId, followerId, '']),
    );
  }, 60_000);
});
