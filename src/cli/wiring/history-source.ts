import type { GitRepoSession } from '../../adapters/git/repo-session';
import type { HistorySource, PastCommit } from '../../loop/ports';

/** The loop's memory after a restart, read from the git adapter's parsed commit trailers. */
export function gitHistorySource(session: Pick<GitRepoSession, 'pastCommits'>): HistorySource {
  return {
    async pastCommits(sinceMs: number): Promise<readonly PastCommit[]> {
      const past = await session.pastCommits(sinceMs);
      return past.map((c) => ({
        sha: c.sha,
        at: c.at,
        target: c.target,
        ...(c.action ? { action: c.action } : {}),
        ...(c.decisionId ? { decisionId: c.decisionId } : {}),
        override: c.override,
        ...(c.overrideBy !== undefined ? { overrideBy: c.overrideBy } : {}),
        ...(c.actionText ? { actionText: c.actionText } : {}),
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
      }));
    },
  };
}
