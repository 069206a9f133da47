import type { TestGitServer } from '../../support/git-server';

/**
 * What the server's repo says the agents did, read with the real `git` CLI on the bare repo — the
 * evidence the reliability tests count from (never the agents' own bookkeeping).
 */
export interface ServerCommit {
  readonly sha: string;
  readonly parent: string;
  readonly authorEmail: string;
  readonly subject: string;
  readonly body: string;
  /** committer time, s since epoch */
  readonly at: number;
  readonly decisionIds: string[];
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** First-parent history of `branch`, oldest first. */
export async function serverHistory(git: TestGitServer, branch = git.branch): Promise<ServerCommit[]> {
  const out = await git.gitCli(
    'log',
    '--first-parent',
    '--reverse',
    `--format=%H${FIELD}%P${FIELD}%ae${FIELD}%ct${FIELD}%s${FIELD}%B${RECORD}`,
    branch,
  );
  return out
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim() !== '')
    .map((r) => {
      const [sha = '', parents = '', authorEmail = '', at = '0', subject = '', body = ''] = r.split(FIELD);
      return {
        sha,
        parent: parents.split(' ')[0] ?? '',
        authorEmail,
        at: Number(at),
        subject,
        body,
        decisionIds: [...body.matchAll(/^Maestro-Decision-Id: (\S+)$/gm)].map((m) => m[1]!),
      };
    });
}

/** The Deployment's `spec.replicas` at a commit (first 2-space indented `replicas:`). */
export async function replicasAt(git: TestGitServer, sha: string, file: string): Promise<number> {
  const text = await git.gitCli('show', `${sha}:${file}`);
  const m = /^\s{2}replicas: (\d+)/m.exec(text);
  if (!m) throw new Error(`no replicas in ${file} at ${sha}`);
  return Number(m[1]);
}

/** How often each decision id occurs on the branch; ids seen more than once are double applies. */
export function decisionCounts(commits: readonly ServerCommit[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of commits) for (const id of c.decisionIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/**
 * Agent commits whose replica change was not made against their parent: the subject says
 * `replicas A→B` but the parent declares something other than A, or the commit's file is not B.
 */
export async function staleDeltas(
  git: TestGitServer,
  commits: readonly ServerCommit[],
  file: string,
): Promise<string[]> {
  const bad: string[] = [];
  for (const c of commits) {
    const m = /replicas (\d+)→(\d+)/.exec(c.subject);
    if (!m || c.decisionIds.length === 0) continue;
    const [from, to] = [Number(m[1]), Number(m[2])];
    const before = await replicasAt(git, c.parent, file);
    const after = await replicasAt(git, c.sha, file);
    if (before !== from || after !== to) {
      bad.push(`${c.sha.slice(0, 7)} "${c.subject}": parent declares ${before}, commit declares ${after}`);
    }
  }
  return bad;
}
