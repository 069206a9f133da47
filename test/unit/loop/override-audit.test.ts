import { OverrideAudit, auditEntryOf } from '../../../src/loop/override-audit';
import type { HistorySource, PastCommit } from '../../../src/loop/ports';

const history = (past: PastCommit[]): HistorySource => ({
  pastCommits: (since) => Promise.resolve(past.filter((c) => c.at >= since)),
});

const pause: PastCommit = {
  sha: 'a'.repeat(40),
  at: 1_000,
  target: 'web',
  override: true,
  overrideBy: 'Ada Lovelace <ada@example.com>',
  actionText: 'pause',
  reason: 'investigating',
};
const scale: PastCommit = {
  sha: 'b'.repeat(40),
  at: 2_000,
  target: 'api',
  override: true,
  overrideBy: 'Bob <bob@example.com>',
  actionText: 'replicas=6',
};
const decision: PastCommit = {
  sha: 'c'.repeat(40),
  at: 3_000,
  target: 'web',
  action: { type: 'replicas', delta: 2 },
  actionText: 'replicas +2',
  override: false,
};

describe('override audit trail', () => {
  it('reads who, what and why from an override commit and ignores the agent’s own decisions', () => {
    expect(auditEntryOf(pause)).toEqual({
      at: 1_000,
      by: 'Ada Lovelace',
      email: 'ada@example.com',
      target: 'web',
      action: 'pause',
      detail: 'pause',
      reason: 'investigating',
      sha: pause.sha,
      source: 'git',
    });
    expect(auditEntryOf(scale)).toEqual(
      expect.objectContaining({ action: 'replicas', replicas: 6, by: 'Bob' }),
    );
    expect(auditEntryOf(decision)).toBeUndefined();
  });

  it('merges git history with live overrides by sha, newest first, filtered by target', async () => {
    const audit = new OverrideAudit();
    audit.record({
      target: 'web',
      action: 'pause',
      by: 'Ada Lovelace',
      at: 1_000,
      sha: pause.sha,
      result: 'x',
    });
    audit.record({ target: '*', action: 'resume', by: 'Ada Lovelace', at: 4_000, result: 'all resumed' });
    expect(await audit.rebuild(history([pause, scale, decision]), 0)).toBe(1); // pause already known
    expect(audit.list({ limit: 10 }).map((e) => [e.target, e.action, e.source])).toEqual([
      ['*', 'resume', 'live'],
      ['api', 'replicas', 'git'],
      ['web', 'pause', 'live'],
    ]);
    expect(audit.list({ target: 'api', limit: 10 })).toHaveLength(1);
    expect(audit.list({ limit: 1 })[0]!.action).toBe('resume');
    // a second rebuild adds nothing
    expect(await audit.rebuild(history([pause, scale]), 0)).toBe(0);
  });

  it('keeps at most its capacity, dropping the oldest', async () => {
    const audit = new OverrideAudit(2);
    await audit.rebuild(history([pause, scale]), 0);
    audit.record({ target: 'web', action: 'resume', by: 'Ada', at: 5_000, sha: 'd'.repeat(40), result: 'x' });
    expect(audit.list({ limit: 10 }).map((e) => e.at)).toEqual([5_000, 2_000]);
  });
});
