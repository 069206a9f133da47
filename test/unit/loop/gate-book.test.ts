import { GateBook } from '../../../src/loop/gate-book';

const call = { name: 'checkout', namespace: 'shop', checksum: 'c1' };

describe('GateBook', () => {
  it('fails closed without a decision for the checksum, and opens by verb', () => {
    const g = new GateBook(60_000);
    expect(g.answer('confirm-traffic-increase', call, 0, false)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/no decision yet/),
    });
    g.record('shop', 'checkout', 'c1', { verb: 'advance', decisionId: 'd1', at: 0 });
    expect(g.answer('confirm-traffic-increase', call, 1000, false).allowed).toBe(true);
    expect(g.answer('confirm-promotion', call, 1000, false).allowed).toBe(true);
    expect(g.answer('rollback', call, 1000, false).allowed).toBe(false);
    g.record('shop', 'checkout', 'c1', { verb: 'hold', decisionId: 'd2', at: 2000 });
    expect(g.answer('confirm-traffic-increase', call, 2000, false)).toMatchObject({
      allowed: false,
      decisionId: 'd2',
    });
    g.record('shop', 'checkout', 'c1', { verb: 'rollback', decisionId: 'd3', at: 3000 });
    expect(g.answer('rollback', call, 3000, false).allowed).toBe(true);
    expect(g.answer('confirm-promotion', call, 3000, false).allowed).toBe(false);
  });

  it('never carries an answer over to another checksum or canary', () => {
    const g = new GateBook(60_000);
    g.record('shop', 'checkout', 'c1', { verb: 'rollback', decisionId: 'd1', at: 0 });
    expect(g.answer('rollback', { ...call, checksum: 'c2' }, 0, false).allowed).toBe(false);
    expect(g.answer('rollback', { ...call, name: 'other' }, 0, false).allowed).toBe(false);
    expect(g.answer('rollback', { ...call, namespace: 'prod' }, 0, false).allowed).toBe(false);
  });

  it('holds when the latest decision is too old (the agent stopped deciding)', () => {
    const g = new GateBook(60_000);
    g.record('shop', 'checkout', 'c1', { verb: 'advance', decisionId: 'd1', at: 0 });
    expect(g.answer('confirm-traffic-increase', call, 60_000, false).allowed).toBe(true);
    expect(g.answer('confirm-traffic-increase', call, 60_001, false)).toMatchObject({
      allowed: false,
      reason: 'latest decision d1 is 60s old: hold',
    });
  });

  it("keeps a person's forced verdict for the release against the loop's later verdicts", () => {
    const g = new GateBook(60_000);
    g.record('shop', 'checkout', 'c1', { verb: 'rollback', decisionId: 'o1', at: 0, forced: { by: 'Ada' } });
    g.record('shop', 'checkout', 'c1', { verb: 'advance', decisionId: 'd9', at: 500_000 });
    expect(g.answer('rollback', call, 900_000, false)).toMatchObject({
      allowed: true,
      reason: expect.stringMatching(/forced by Ada/),
    });
  });

  it('remembers the checksum Flagger last sent, and in shadow mode never asks for a rollback', () => {
    const g = new GateBook(60_000);
    expect(g.lastSeen('shop', 'checkout')).toBeUndefined();
    expect(g.answer('rollback', { ...call, phase: 'Progressing' }, 5, true).allowed).toBe(false);
    expect(g.answer('confirm-promotion', call, 6, true).allowed).toBe(true);
    expect(g.lastSeen('shop', 'checkout')).toEqual({ checksum: 'c1', at: 6 });
  });
});
