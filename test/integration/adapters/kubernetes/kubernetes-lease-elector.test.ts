import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../../src/cli/main';
import { isMaestroError } from '../../../../src/core/errors';
import type { Clock } from '../../../../src/core/ports';
import {
  KubernetesLeaseElector,
  checkLeaseTimings,
  type LeaseElectorEvent,
} from '../../../../src/adapters/kubernetes/kubernetes-lease-elector';
import {
  coordinationLeaseApi,
  defaultKubeConfigSource,
  loadKubeConfig,
} from '../../../../src/adapters/kubernetes/lease-api';
import { createRng } from '../../../../src/sim/rng';
import type { RunningAgent } from '../../../../src/cli/wiring/start-agent';
import { loadTemplateFiles } from '../../../../src/cli/wiring/template-files';
import { DEFAULT_LEASE_FILE } from '../../../../src/loop/leader-git-lease';
import { startGitServer, type TestGitServer } from '../../../support/git-server';
import {
  eventually,
  expectFollowerHolds,
  gateCall,
  leadership,
  overrideReplicas,
  startRunAgent,
} from '../../../support/run-agent';
import {
  STANDIN_NAMESPACE,
  startKubernetesLeaseStandIn,
  type KubernetesLeaseStandIn,
} from '../../../support/kubernetes-lease-server';

/**
 * The Kubernetes Lease elector (src/adapters/kubernetes) against an in-process stand-in of the
 * Lease REST endpoints, reached through a kubeconfig file, so @kubernetes/client-node's real
 * KubeConfig / CoordinationV1Api / HTTP code runs. Time: the electors' clock runs SPEED× faster than
 * the wall clock (a 3 s lease lasts 750 ms here); the stand-in keeps no time of its own, exactly
 * like the API server, which stores renewTime as written and never expires a Lease.
 */
const SPEED = 4;
const LEASE_S = 3;
const RENEW_DEADLINE_MS = 2000;
const RETRY_MS = 500;
const LEASE_NAME = 'maestro-leader';

/** one clock for all electors: the same rate, as client-go assumes of the nodes' clocks */
function scaledClock(): Clock {
  const t0 = Date.now();
  return {
    now: () => t0 + (Date.now() - t0) * SPEED,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms / SPEED))),
  };
}

/** the same clock for one replica whose process stalls: some sleeps last longer (GC, SIGSTOP) */
function pausingClock(base: Clock, extraPause: () => number): Clock & { frozen: boolean } {
  const c = {
    frozen: false,
    now: () => base.now(),
    sleep: async (ms: number) => {
      await base.sleep(ms + extraPause());
      // a frozen replica never wakes again (a process stopped without releasing)
      while (c.frozen) await new Promise((r) => setTimeout(r, 20));
    },
  };
  return c;
}

let k8s: KubernetesLeaseStandIn;
const started: KubernetesLeaseElector[] = [];

// On a cold jest cache the library's HTTP stack is transformed on its first request (seconds):
// pay that here, outside the timed leases, with one GET/POST/PUT round trip.
beforeAll(async () => {
  const standIn = await startKubernetesLeaseStandIn();
  try {
    const api = coordinationLeaseApi(loadKubeConfig({ kind: 'file', path: standIn.kubeconfig }).kc, {
      namespace: STANDIN_NAMESPACE,
      name: 'warm-up',
    });
    const record = {
      holderIdentity: 'w',
      leaseDurationSeconds: 1,
      acquireTime: 0,
      renewTime: 0,
      leaseTransitions: 0,
    };
    expect((await api.get()).kind).toBe('absent');
    const created = await api.create(record);
    if (created.kind !== 'written') throw new Error(created.message);
    expect((await api.update(created.lease, record)).kind).toBe('written');
  } finally {
    await standIn.stop();
  }
}, 180_000);

interface Replica {
  elector: KubernetesLeaseElector;
  events: LeaseElectorEvent[];
}

function replica(identity: string, clock: Clock, random: () => number = Math.random): Replica {
  const { kc, namespace } = loadKubeConfig({ kind: 'file', path: k8s.kubeconfig });
  expect(namespace).toBe(STANDIN_NAMESPACE);
  const events: LeaseElectorEvent[] = [];
  const elector = new KubernetesLeaseElector(
    coordinationLeaseApi(kc, { namespace: namespace!, name: LEASE_NAME }),
    {
      identity,
      leaseDurationSeconds: LEASE_S,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      clock,
      random,
      onEvent: (e) => events.push(e),
    },
  );
  started.push(elector);
  return { elector, events };
}

const spec = () => k8s.lease(STANDIN_NAMESPACE, LEASE_NAME)?.spec as Record<string, unknown> | undefined;
const wall = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await wall(10);
  }
}

/** who acts at the clock's now, per isLeader (what holdsAt and tick rest on) */
const leadersNow = (rs: Replica[], clock: Clock) => rs.filter((r) => r.elector.isLeader(clock.now()));

describe('KubernetesLeaseElector (client-go leaderelection on a coordination.k8s.io/v1 Lease)', () => {
  beforeEach(async () => {
    k8s = await startKubernetesLeaseStandIn();
  });
  afterEach(async () => {
    for (const e of started.splice(0)) await e.stop();
    await k8s.stop();
  });

  test('refuses timings client-go refuses', () => {
    expect(
      checkLeaseTimings({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }),
    ).toEqual([]);
    expect(
      checkLeaseTimings({ leaseDurationSeconds: 10, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }),
    ).toEqual(['leaseDuration must be greater than renewDeadline']);
    expect(
      checkLeaseTimings({ leaseDurationSeconds: 15, renewDeadlineMs: 2400, retryPeriodMs: 2000 }),
    ).toEqual(['renewDeadline must be greater than retryPeriod × 1.2']);
    expect(
      checkLeaseTimings({ leaseDurationSeconds: 1.5, renewDeadlineMs: 1000, retryPeriodMs: 100 }),
    ).toEqual([expect.stringMatching(/whole number of seconds/)]);
  });

  test('one leader among three; the Lease carries client-go fields; followers name the holder', async () => {
    const clock = scaledClock();
    const rs = ['a', 'b', 'c'].map((id) => replica(`maestro-${id}`, clock));
    const first = await Promise.all(rs.map((r) => r.elector.tick(clock.now())));
    expect(first.filter((l) => l.leader).length).toBeLessThanOrEqual(1);
    // the creator leads (its first try may outlast its renew deadline on a loaded machine: then
    // its next renewal makes it leader)
    const leader = await until('a leader', 3000, () => {
      const now = leadersNow(rs, clock);
      return now.length === 1 ? now[0] : undefined;
    });
    const id = leader.elector.identity;
    const reported = [first[rs.indexOf(leader)]!, await leader.elector.tick(clock.now())].filter(
      (l) => l.leader,
    );
    // the first report of leadership says it was acquired, later ones do not
    expect(reported[0]).toEqual(expect.objectContaining({ leader: true, term: 0, acquired: true }));
    // a follower that lost the create race (409 AlreadyExists) names the holder after its next try
    for (const r of rs.filter((x) => x !== leader)) {
      const l = await until('the follower to read the Lease', 2000, () =>
        r.events.some((e) => e.type === 'new-leader' && e.holder === id) ? true : undefined,
      ).then(() => r.elector.tick(clock.now()));
      expect(l).toEqual(
        expect.objectContaining({
          leader: false,
          holder: id,
          reason: `Lease ${STANDIN_NAMESPACE}/${LEASE_NAME} held by ${id}`,
        }),
      );
    }
    const s0 = spec()!;
    expect(s0).toEqual(
      expect.objectContaining({ holderIdentity: id, leaseDurationSeconds: LEASE_S, leaseTransitions: 0 }),
    );
    expect(s0.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/);

    // two lease durations later: still the same holder, renewed (renewTime moved, acquireTime kept)
    await wall((2 * LEASE_S * 1000) / SPEED);
    const s1 = spec()!;
    expect(s1.holderIdentity).toBe(id);
    expect(s1.acquireTime).toBe(s0.acquireTime);
    expect(Date.parse(String(s1.renewTime))).toBeGreaterThan(Date.parse(String(s0.renewTime)));
    expect(s1.leaseTransitions).toBe(0);
    expect(leadersNow(rs, clock)).toEqual([leader]);
    const again = await leader.elector.tick(clock.now());
    expect(again).toEqual(expect.objectContaining({ leader: true, term: 0, acquired: false }));
    // every accepted write came from the leader
    expect(new Set(k8s.writes.map((w) => w.spec.holderIdentity))).toEqual(new Set([id]));
  });

  test('a leader that stops renewing is replaced one lease duration after its last renewal', async () => {
    const clock = scaledClock();
    const stalled = pausingClock(clock, () => 0);
    const a = replica('maestro-a', stalled);
    expect((await a.elector.tick(clock.now())).leader).toBe(true);
    const b = replica('maestro-b', clock);
    expect(await b.elector.tick(clock.now())).toEqual(
      expect.objectContaining({ leader: false, holder: 'maestro-a' }),
    );

    stalled.frozen = true; // a's loop never runs again: no renewals, no release
    const taken = await until('b to take over', (4 * LEASE_S * 1000) / SPEED, () =>
      b.events.find((e) => e.type === 'leading'),
    );
    const takeoverAt = taken.type === 'leading' ? taken.from : 0;
    const lastRenewal = Date.parse(
      String(k8s.writes.filter((w) => w.spec.holderIdentity === 'maestro-a').at(-1)!.spec.renewTime),
    );
    // not before a lease duration since the last change b saw, and not much after
    expect(takeoverAt - lastRenewal).toBeGreaterThanOrEqual(LEASE_S * 1000);
    expect(takeoverAt - lastRenewal).toBeLessThanOrEqual(LEASE_S * 1000 + 3 * RETRY_MS * (1 + 1.2));
    expect(spec()).toEqual(expect.objectContaining({ holderIdentity: 'maestro-b', leaseTransitions: 1 }));
    // a, stalled, acts no more: its renew deadline passed long before b took over
    expect(a.elector.isLeader(clock.now())).toBe(false);
    expect(await a.elector.holdsAt(undefined as never, clock.now())).toBe(false);
    expect(await a.elector.tick(clock.now())).toEqual(expect.objectContaining({ leader: false }));
    stalled.frozen = false;
  });

  test('no two leaders at any instant under a seeded schedule of pauses and slow answers', async () => {
    const clock = scaledClock();
    const rng = createRng(20261123);
    const net = rng.fork();
    // stalled processes: 1 sleep in 6 of any replica lasts up to 0.9 lease durations longer (past
    // its renew deadline, not its lease: a leader must stop acting on its own) ...
    const shortStalls = () => {
      const r = rng.fork();
      return () => (r.next() < 1 / 6 ? r.next() * 0.9 * LEASE_S * 1000 : 0);
    };
    // ... and every 1.5 s the replica leading then freezes for 3–4 lease durations, so it is
    // replaced while it sleeps (candidates need a lease duration without a change, plus their
    // jittered retries) and wakes up as a stale leader
    const freezes = rng.fork();
    // a slow API server: 1 request in 8 is held up to a renew deadline before it is applied
    k8s.delay = () => (net.next() < 1 / 8 ? (net.next() * RENEW_DEADLINE_MS) / SPEED : 0);
    const clocks = ['a', 'b', 'c'].map(() => pausingClock(clock, shortStalls()));
    const rs = clocks.map((c, i) => replica(`maestro-${'abc'[i]}`, c, () => rng.next()));
    await Promise.all(rs.map((r) => r.elector.tick(clock.now())));

    // sample who leads every few ms as well as checking every claimed interval afterwards
    let samples = 0;
    let overlapAt: number | undefined;
    let freezeAt = Date.now() + 600;
    const thaws: { clock: { frozen: boolean }; at: number }[] = [];
    // at least 5 s, and on until three takeovers (a loaded machine slows the schedule), at most 15 s
    const transitions = () => Number(spec()?.leaseTransitions ?? 0);
    const minEnd = Date.now() + 5000;
    const maxEnd = Date.now() + 15_000;
    while (Date.now() < minEnd || (transitions() < 3 && Date.now() < maxEnd)) {
      if (Date.now() >= freezeAt) {
        const i = rs.findIndex((r) => r.elector.isLeader(clock.now()));
        const c = clocks[i];
        if (c && !c.frozen) {
          c.frozen = true;
          thaws.push({ clock: c, at: Date.now() + ((3 + freezes.next()) * LEASE_S * 1000) / SPEED });
        }
        freezeAt = Date.now() + 1500;
      }
      for (const t of thaws) if (t.at <= Date.now()) t.clock.frozen = false;
      if (leadersNow(rs, clock).length > 1) overlapAt ??= clock.now();
      samples += 1;
      await wall(3);
    }
    for (const c of clocks) c.frozen = false;
    expect(overlapAt).toBeUndefined();
    expect(samples).toBeGreaterThan(300);

    // every claim: [won, renew deadline), cut short when the replica stopped leading
    const claims = rs.flatMap((r) =>
      r.events.flatMap((e, i) => {
        if (e.type !== 'leading') return [];
        const stop = r.events.slice(i + 1).find((x) => x.type === 'stopped-leading');
        const cut = stop?.type === 'stopped-leading' ? Math.min(stop.at, e.until) : e.until;
        return [{ id: r.elector.identity, from: e.from, until: cut }];
      }),
    );
    for (const x of claims) {
      for (const y of claims) {
        if (x.id === y.id) continue;
        const overlap = Math.min(x.until, y.until) - Math.max(x.from, y.from);
        if (overlap > 0)
          throw new Error(`${x.id} and ${y.id} both led for ${overlap} ms at ${Math.max(x.from, y.from)}`);
      }
    }
    // not vacuous: the stalls forced takeovers and step-downs at the renew deadline
    const leaders = new Set(claims.map((c) => c.id));
    expect(leaders.size).toBeGreaterThanOrEqual(2);
    expect(transitions()).toBeGreaterThanOrEqual(3);
    const stops = rs.flatMap((r) => r.events).filter((e) => e.type === 'stopped-leading');
    expect(stops.length).toBeGreaterThanOrEqual(1);
  });

  test('stop() releases the Lease: the holder is cleared and a follower takes over at once', async () => {
    const clock = scaledClock();
    const a = replica('maestro-a', clock);
    const b = replica('maestro-b', clock);
    expect((await a.elector.tick(clock.now())).leader).toBe(true);
    expect((await b.elector.tick(clock.now())).leader).toBe(false);
    const before = spec()!;
    await a.elector.stop();
    const released = k8s.writes.at(-1)!;
    expect(released.spec).toEqual(
      expect.objectContaining({
        holderIdentity: '',
        leaseDurationSeconds: 1,
        leaseTransitions: before.leaseTransitions,
      }),
    );
    expect(a.events.filter((e) => e.type === 'released')).toHaveLength(1);
    expect(a.elector.isLeader(clock.now())).toBe(false);
    const releasedAt = clock.now();
    const taken = await until('b to take the released Lease', 2000, () =>
      b.events.find((e) => e.type === 'leading'),
    );
    // well before the 3 s lease would have run out: at b's next jittered retry
    expect(taken.type === 'leading' && taken.from - releasedAt).toBeLessThan(
      RETRY_MS * (1 + 1.2) + 300 * SPEED,
    );
    expect(spec()).toEqual(expect.objectContaining({ holderIdentity: 'maestro-b', leaseTransitions: 1 }));
  });

  test('409: racing creates and racing takeovers have one winner; a leader whose update conflicts re-reads', async () => {
    const clock = scaledClock();
    const a = replica('maestro-a', clock);
    const b = replica('maestro-b', clock);
    // both read "absent" before either creates: one POST wins, the other gets 409 AlreadyExists
    k8s.delay = ({ method }) => (method === 'GET' ? 60 : 0);
    const created = await Promise.all([a.elector.tryAcquireOrRenew(), b.elector.tryAcquireOrRenew()]);
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(
      k8s.log
        .filter((l) => l.method === 'POST')
        .map((l) => l.status)
        .sort(),
    ).toEqual([201, 409]);
    const winner = created[0] ? a : b;
    const loser = created[0] ? b : a;
    expect(loser.events).toContainEqual({
      type: 'error',
      message: expect.stringMatching(/^create: HTTP 409 AlreadyExists/),
    });

    // the holder goes away; once the Lease expired for both candidates, they race to take it
    const c = replica('maestro-c', clock);
    expect(await c.elector.tryAcquireOrRenew()).toBe(false); // c observes the holder now
    expect(await loser.elector.tryAcquireOrRenew()).toBe(false);
    await wall((LEASE_S * 1000) / SPEED + 50);
    const raced = await Promise.all([loser.elector.tryAcquireOrRenew(), c.elector.tryAcquireOrRenew()]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    const puts = k8s.log.filter((l) => l.method === 'PUT').map((l) => l.status);
    expect(puts.slice(-2).sort()).toEqual([200, 409]);
    const newLeader = raced[0] ? loser : c;
    expect(spec()).toEqual(
      expect.objectContaining({ holderIdentity: newLeader.elector.identity, leaseTransitions: 1 }),
    );
    // the old holder, back after the lease ran out, reads the new one and stays a follower
    expect(await winner.elector.tryAcquireOrRenew()).toBe(false);
    expect(await winner.elector.tick(clock.now())).toEqual(
      expect.objectContaining({ leader: false, holder: newLeader.elector.identity }),
    );
    expect(spec()!.holderIdentity).toBe(newLeader.elector.identity);
  });

  test('holdsAt reads the Lease: an edit naming someone else fences the leader at once', async () => {
    const clock = scaledClock();
    const a = replica('maestro-a', clock);
    expect((await a.elector.tick(clock.now())).leader).toBe(true);
    expect(await a.elector.holdsAt(undefined as never, clock.now())).toBe(true);
    k8s.setSpec(STANDIN_NAMESPACE, LEASE_NAME, { ...spec()!, holderIdentity: 'someone-else' });
    expect(await a.elector.holdsAt(undefined as never, clock.now())).toBe(false);
    // its next renewal: the fast path's cached resourceVersion is stale (409 Conflict), the re-read
    // names someone else, so it stops leading at once rather than at its renew deadline
    const stopped = await until('a to stop leading', 2000, () =>
      a.events.find((e) => e.type === 'stopped-leading'),
    );
    expect(stopped).toEqual(
      expect.objectContaining({ reason: `Lease ${STANDIN_NAMESPACE}/${LEASE_NAME} taken by someone-else` }),
    );
    expect(a.events).toContainEqual({
      type: 'error',
      message: expect.stringMatching(/^fast-path update: HTTP 409 Conflict: Operation cannot be fulfilled/),
    });
    expect(a.elector.isLeader(clock.now())).toBe(false);
    expect(await a.elector.tick(clock.now())).toEqual(
      expect.objectContaining({ leader: false, holder: 'someone-else' }),
    );
  });

  test('an unreachable API server is "not leader" with the reason, never a throw', async () => {
    const clock = scaledClock();
    k8s.down = true;
    const a = replica('maestro-a', clock);
    const l = await a.elector.tick(clock.now());
    expect(l).toEqual({
      leader: false,
      reason: expect.stringMatching(
        /^lease arbiter unreachable \(Lease maestro-test\/maestro-leader: get: HTTP 503 ServiceUnavailable/,
      ),
    });
    k8s.down = false;
    await until('a to lead once the API server is back', 3000, () =>
      a.elector.isLeader(clock.now()) ? true : undefined,
    );
  });
});

/**
 * `maestro run` with `ha.elector: kubernetes`: two agents wired as `run` wires them (the adapter is
 * required lazily by src/cli/wiring/leader-elector.ts; in this file, already loaded by the imports
 * above, so one jest worker transforms the library once), one git repo, one Lease on the API
 * stand-in reached through a kubeconfig. As with the git lease: exactly one leads and commits; the
 * follower stays ready, holds every Flagger gate and refuses overrides naming the leader. Unlike
 * it: no lease commits in git, and a leader that stops releases the Lease, so the follower takes
 * over at its next retry instead of after the lease duration.
 */
const haConfig = (identity: string) => ({
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

const override = (agent: RunningAgent, replicas: number) =>
  overrideReplicas(agent, replicas, 'kubernetes ha test');

const leaseSpec = () => k8s.lease(STANDIN_NAMESPACE, LEASE_NAME)?.spec as Record<string, unknown> | undefined;

describe('maestro run with ha.elector kubernetes: two replicas, one Lease', () => {
  let git: TestGitServer;
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

  test('one leads and commits; the follower fails closed; stopping the leader releases and hands over', async () => {
    const a = await startRunAgent(git, 'maestro-a', haConfig('maestro-a'));
    running.add(a);
    const b = await startRunAgent(git, 'maestro-b', haConfig('maestro-b'));
    running.add(b);
    const agents = [a, b];
    expect(a.electorDescription).toBe(`the Kubernetes Lease ${STANDIN_NAMESPACE}/${LEASE_NAME}`);

    const views = await eventually('both replicas to read the Lease', 20_000, async () => {
      const v = await Promise.all(agents.map(leadership));
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
    await expectFollowerHolds(leader, follower, leaderId, 'kubernetes ha test');

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
      const s = await leadership(follower);
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

describe('Kubernetes client configuration', () => {
  const configError = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(isMaestroError(e, 'CONFIG_INVALID')).toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected a CONFIG_INVALID error');
  };

  test('in a pod the service account, elsewhere the kubeconfig search', () => {
    expect(defaultKubeConfigSource({ KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toEqual({ kind: 'in-cluster' });
    expect(defaultKubeConfigSource({})).toEqual({ kind: 'default' });
  });

  test('a missing kubeconfig or service account token is a clear CONFIG_INVALID', () => {
    expect(configError(() => loadKubeConfig({ kind: 'file', path: '/nonexistent/kubeconfig' }))).toBe(
      'ha.kubernetes.kubeconfig: no file at /nonexistent/kubeconfig',
    );
    const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
    if (!existsSync(token)) {
      expect(configError(() => loadKubeConfig({ kind: 'in-cluster' }))).toMatch(
        /^ha\.elector kubernetes: KUBERNETES_SERVICE_HOST is set but there is no service account token at .*serviceaccount\/token; mount one \(automountServiceAccountToken\) or set ha\.kubernetes\.kubeconfig$/,
      );
    }
  });

  test('maestro run exits 2 naming the field, before serving anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maestro-k8s-run-'));
    try {
      const file = join(dir, 'maestro.yaml');
      writeFileSync(
        file,
        [
          'git: { url: "http://127.0.0.1:1/config.git" }',
          'prometheus: { url: "http://127.0.0.1:1" }',
          'server: { port: 0 }',
          `ha: { enabled: true, elector: kubernetes, leaseSeconds: 15, kubernetes: { kubeconfig: ${join(dir, 'missing')} } }`,
          'targets:',
          '  - { name: web, kind: deployment-replicas, file: a.yaml, minReplicas: 1, maxReplicas: 4, slo: { p95Ms: 200 } }',
          '',
        ].join('\n'),
      );
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = '';
      let out = '';
      stderr.on('data', (b: Buffer) => (err += b.toString()));
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      const code = await main(
        [
          'node',
          'maestro',
          'run',
          '--config',
          file,
          '--state-dir',
          join(dir, 'state'),
          '--log-level',
          'silent',
        ],
        {
          stdout,
          stderr,
          stdin: new PassThrough(),
          env: {},
          cwd: dir,
        },
      );
      expect(code).toBe(2);
      expect(err).toContain(`ha.kubernetes.kubeconfig: no file at ${join(dir, 'missing')}`);
      expect(out).not.toContain('agent running');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
