import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { parseLease } from '../../loop/leader-election';
import { DEFAULT_LEASE_FILE } from '../../loop/leader-git-lease';
import type { LoopTarget } from '../../loop/ports';

/**
 * What the soak counts, read after the run from the server's bare repo with the real `git` CLI (the
 * branch's first-parent history, its reflog, file contents at each commit) — the agents' own
 * bookkeeping is only used to map a decision id to when it was decided.
 */
export interface ServerCommit {
  readonly sha: string;
  readonly parent: string;
  readonly authorEmail: string;
  readonly subject: string;
  readonly decisionIds: readonly string[];
}

export function gitCli(repoPath: string, ...args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(
      'git',
      ['-C', repoPath, ...args],
      {
        maxBuffer: 256 << 20,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
        },
      },
      (err, stdout, stderr) =>
        err ? fail(new Error(`git ${args.join(' ')}: ${stderr || err.message}`)) : ok(stdout),
    );
  });
}

const FIELD = '\x1f';
const RECORD = '\x1e';

export async function firstParentHistory(repoPath: string, branch: string): Promise<ServerCommit[]> {
  const out = await gitCli(
    repoPath,
    'log',
    '--first-parent',
    '--reverse',
    `--format=%H${FIELD}%P${FIELD}%ae${FIELD}%s${FIELD}%B${RECORD}`,
    branch,
  );
  return out
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim() !== '')
    .map((r) => {
      const [sha = '', parents = '', authorEmail = '', subject = '', body = ''] = r.split(FIELD);
      return {
        sha,
        parent: parents.split(' ')[0] ?? '',
        authorEmail,
        subject,
        decisionIds: [...body.matchAll(/^Maestro-Decision-Id: (\S+)$/gm)].map((m) => m[1]!),
      };
    });
}

/** Reflog updates of the branch whose old value is not an ancestor of the new one (forced). */
export async function forcedUpdates(repoPath: string, branch: string): Promise<string[]> {
  const text = await readFile(join(repoPath, 'logs', 'refs', 'heads', branch), 'utf8');
  const parents = new Map<string, string[]>();
  for (const line of (await gitCli(repoPath, 'rev-list', '--parents', '--all', '--reflog')).split('\n')) {
    const [sha, ...ps] = line.trim().split(' ');
    if (sha) parents.set(sha, ps);
  }
  const isAncestor = (a: string, c: string) => {
    const seen = new Set<string>();
    const todo = [c];
    while (todo.length > 0) {
      const x = todo.pop()!;
      if (x === a) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      todo.push(...(parents.get(x) ?? []));
    }
    return false;
  };
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ', 2) as [string, string])
    .filter(([prev, next]) => !/^0{40}$/.test(prev) && !isAncestor(prev, next))
    .map(([prev, next]) => `${prev.slice(0, 7)} -> ${next.slice(0, 7)}`);
}

/** Commits (by sha) that are not reachable from the branch head. */
export async function unreachable(
  repoPath: string,
  branch: string,
  shas: readonly string[],
): Promise<string[]> {
  const reachable = new Set((await gitCli(repoPath, 'rev-list', branch)).split('\n').filter(Boolean));
  return shas.filter((s) => !reachable.has(s));
}

async function fileAt(repoPath: string, sha: string, path: string): Promise<string | undefined> {
  return gitCli(repoPath, 'show', `${sha}:${path}`).catch(() => undefined);
}

/** One `<target> replicas A→B` / `<target> min replicas A→B` change named in an agent commit subject. */
interface SubjectChange {
  readonly target: string;
  readonly field: 'replicas' | 'min replicas';
  readonly from: number;
  readonly to: number;
}

function subjectChanges(subject: string): SubjectChange[] {
  return [...subject.matchAll(/([\w.-]+) (min replicas|replicas) (\d+)→(\d+)/g)].map((m) => ({
    target: m[1]!,
    field: m[2] as SubjectChange['field'],
    from: Number(m[3]),
    to: Number(m[4]),
  }));
}

function declared(text: string | undefined, field: SubjectChange['field']): number | undefined {
  if (text === undefined) return undefined;
  const re = field === 'replicas' ? /^\s{2}replicas:\s*(\d+)/m : /^\s{2}minReplicas:\s*(\d+)/m;
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface AgentCommitFindings {
  /** decision ids on the branch more than once */
  readonly duplicateDecisionIds: string[];
  /** decision commits made by a replica that did not hold the lease recorded in the parent */
  readonly notLeaseHolder: string[];
  /** replica changes whose `from` is not what the parent declares (a delta on a stale read) */
  readonly staleDeltas: string[];
  /** decision commits whose parent had a managed file that is not valid YAML */
  readonly onUnparseable: string[];
  /** changes outside min/max replicas or beyond the step limits */
  readonly guardrailViolations: string[];
}

/**
 * Checks every agent decision commit against its parent. `leaseHolderOf` maps a commit author's
 * email to the replica identity in the lease file (undefined: no leader election in this run).
 */
export async function checkAgentCommits(
  repoPath: string,
  commits: readonly ServerCommit[],
  targets: readonly LoopTarget[],
  leaseHolderOf?: (email: string) => string | undefined,
): Promise<AgentCommitFindings> {
  const counts = new Map<string, number>();
  for (const c of commits) for (const id of c.decisionIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  const findings: AgentCommitFindings = {
    duplicateDecisionIds: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    notLeaseHolder: [],
    staleDeltas: [],
    onUnparseable: [],
    guardrailViolations: [],
  };
  const byName = new Map(targets.map((t) => [t.ref.name, t]));
  for (const c of commits) {
    if (c.decisionIds.length === 0) continue;
    const short = c.sha.slice(0, 7);
    if (leaseHolderOf) {
      const lease = parseLease(await fileAt(repoPath, c.parent, DEFAULT_LEASE_FILE));
      if (lease?.holder !== leaseHolderOf(c.authorEmail)) {
        findings.notLeaseHolder.push(
          `${short} by ${c.authorEmail}; parent's lease: ${lease?.holder ?? 'none'}`,
        );
      }
    }
    for (const t of targets) {
      const text = await fileAt(repoPath, c.parent, t.ref.file);
      if (text !== undefined && parseDocument(text).errors.length > 0) {
        findings.onUnparseable.push(`${short} "${c.subject}": ${t.ref.file} did not parse in its parent`);
      }
    }
    for (const ch of subjectChanges(c.subject)) {
      const t = byName.get(ch.target);
      if (!t) continue;
      const before = declared(await fileAt(repoPath, c.parent, t.ref.file), ch.field);
      const after = declared(await fileAt(repoPath, c.sha, t.ref.file), ch.field);
      if (before !== ch.from || after !== ch.to) {
        findings.staleDeltas.push(`${short} "${c.subject}": parent declares ${before}, commit ${after}`);
      }
      const l = t.limits;
      const step = ch.to - ch.from;
      if (ch.to < l.minReplicas || ch.to > l.maxReplicas) {
        findings.guardrailViolations.push(
          `${short}: ${ch.target} ${ch.field} ${ch.to} outside ${l.minReplicas}..${l.maxReplicas}`,
        );
      }
      // a forced scale-up (hard p95) may step by forcedScaleUpStep when that exceeds maxStepUp
      if (step > Math.max(l.maxStepUp, l.forcedScaleUpStep) || -step > l.maxStepDown) {
        findings.guardrailViolations.push(
          `${short}: ${ch.target} ${ch.field} step ${step} beyond the step limits`,
        );
      }
    }
  }
  return findings;
}
