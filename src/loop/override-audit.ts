import { parsePerson } from '../core/commit-message';
import type { OverrideView } from './events';
import type { HistorySource, PastCommit } from './ports';

/**
 * The audit trail of human overrides (GET /api/overrides): who asked for what, when, why, and the
 * commit that carries it. Git is the record: on start the trail is rebuilt from the
 * `Maestro-Override` trailers of the followed branch (the same history reading the loop uses to
 * rebuild its memory), and overrides made through this agent are added as they happen, so the
 * trail survives restarts and replica changes (a global pause/resume is a commit of the pause file,
 * target `*`). Overrides that make no commit (a forced rollback acting through the gate, shadow mode)
 * are kept only in memory.
 */
export interface OverrideAuditEntry {
  /** ms since epoch (commit time for entries read from git) */
  readonly at: number;
  /** the person's name */
  readonly by: string;
  readonly email?: string;
  /** target name, `*` for all targets */
  readonly target: string;
  /** pause, resume, promote, rollback, replicas */
  readonly action: string;
  /** the `Maestro-Action` text, e.g. `replicas +2`, when read from git */
  readonly detail?: string;
  readonly replicas?: number;
  readonly reason?: string;
  readonly sha?: string;
  /** `git`: rebuilt from history; `live`: made through this agent since it started */
  readonly source: 'git' | 'live';
}

/** How far back the trail is rebuilt on start: 30 days (older overrides stay in git log). */
export const OVERRIDE_AUDIT_LOOKBACK_MS = 30 * 24 * 3_600_000;
/** Entries kept in memory, oldest dropped first. */
export const OVERRIDE_AUDIT_CAPACITY = 1000;

/** An override entry from one past commit, or undefined when the commit is not a person's override. */
export function auditEntryOf(c: PastCommit): OverrideAuditEntry | undefined {
  if (!c.override || c.overrideBy === undefined) return undefined;
  const person = parsePerson(c.overrideBy);
  const action =
    c.action?.type === 'replicas'
      ? 'replicas'
      : c.action?.type === 'canary'
        ? c.action.verb
        : (c.actionText ?? 'override').split(/[\s=]/)[0]!;
  // an absolute replica count is written `replicas=6` (src/loop/override-plan.ts)
  const absolute = /^replicas=(\d+)$/.exec(c.actionText ?? '');
  return {
    at: c.at,
    by: person?.name ?? c.overrideBy,
    ...(person ? { email: person.email } : {}),
    target: c.target,
    action,
    ...(c.actionText ? { detail: c.actionText } : {}),
    ...(absolute ? { replicas: Number(absolute[1]) } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    sha: c.sha,
    source: 'git',
  };
}

export class OverrideAudit {
  /** oldest first */
  private entries: OverrideAuditEntry[] = [];

  constructor(private readonly capacity = OVERRIDE_AUDIT_CAPACITY) {}

  /** Adds the overrides recorded in git since `sinceMs`; commits already known (by sha) are skipped. */
  async rebuild(history: HistorySource, sinceMs: number): Promise<number> {
    const past = await history.pastCommits(sinceMs);
    const known = new Set(this.entries.map((e) => e.sha));
    const found = past
      .map(auditEntryOf)
      .filter((e): e is OverrideAuditEntry => e !== undefined && !known.has(e.sha));
    this.entries = [...found, ...this.entries].sort((a, b) => a.at - b.at);
    this.trim();
    return found.length;
  }

  /** An override made through this agent (the loop's `override` event). */
  record(o: OverrideView): void {
    if (o.sha !== undefined && this.entries.some((e) => e.sha === o.sha)) return;
    this.entries.push({
      at: o.at,
      by: o.by,
      target: o.target,
      action: o.action,
      ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ...(o.sha !== undefined ? { sha: o.sha } : {}),
      source: 'live',
    });
    this.trim();
  }

  /** newest first; `target` filters to one target */
  list(query: { readonly target?: string; readonly limit: number }): OverrideAuditEntry[] {
    const out: OverrideAuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < query.limit; i--) {
      const e = this.entries[i]!;
      if (query.target === undefined || e.target === query.target) out.push(e);
    }
    return out;
  }

  private trim(): void {
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }
}
