import type { Clock } from '../../../../src/core/ports';
import {
  KubernetesLeaseElector,
  checkLeaseTimings,
  type LeaseElectorEvent,
} from '../../../../src/adapters/kubernetes/kubernetes-lease-elector';
import { coordinationLeaseApi, loadKubeConfig } from '../../../../src/adapters/kubernetes/lease-api';
import { createRng } from '../../../../src/sim/rng';
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

beforeEach(async () => {
  k8s = await startKubernetesLeaseStandIn();
});
afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
  await k8s.stop();
});

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
    expect(first.filter((l) => l.leader)).toHaveLength(1);
    const leader = rs[first.findIndex((l) => l.leader)]!;
    const id = leader.elector.identity;
    expect(first.find((l) => l.leader)).toEqual(
      expect.objectContaining({ leader: true, term: 0, acquired: true }),
    );
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
    const pauses = rng.fork();
    const net = rng.fork();
    // a stalled process: 1 sleep in 6 lasts up to two lease durations longer
    const stall = () => (pauses.next() < 1 / 6 ? pauses.next() * 2 * LEASE_S * 1000 : 0);
    // a slow API server: 1 request in 8 is held up to a renew deadline before it is applied
    k8s.delay = () => (net.next() < 1 / 8 ? (net.next() * RENEW_DEADLINE_MS) / SPEED : 0);
    const rs = ['a', 'b', 'c'].map((id) =>
      replica(`maestro-${id}`, pausingClock(clock, stall), () => rng.next()),
    );
    await Promise.all(rs.map((r) => r.elector.tick(clock.now())));

    // sample who leads every few ms as well as checking every claimed interval afterwards
    let samples = 0;
    let overlapAt: number | undefined;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      if (leadersNow(rs, clock).length > 1) overlapAt ??= clock.now();
      samples += 1;
      await wall(3);
    }
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
    // not vacuous: the pauses forced takeovers, and someone led most of the time
    const leaders = new Set(claims.map((c) => c.id));
    expect(leaders.size).toBeGreaterThanOrEqual(2);
    expect(spec()!.leaseTransitions as number).toBeGreaterThanOrEqual(1);
    expect(k8s.log.some((l) => l.status === 409)).toBe(true);
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
