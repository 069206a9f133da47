import type {
  AgentStatus,
  CommitView,
  DecisionView,
  LoopEvent,
  ObservationPoint,
  OverrideView,
  Publisher,
  TargetView,
} from './events';

/**
 * The agent's live state as the API and dashboard see it: the latest view of every target, a
 * bounded decision log, recent observations per target for the charts, recent commits. It is the
 * loop's Publisher: every event updates the state first, then goes to subscribers (the WS hub and
 * the metrics). Bounded so a long run cannot grow memory without limit.
 */
export interface AgentStateLimits {
  /** decisions kept for /api/decisions (default 2000) */
  readonly decisions: number;
  /** observation points kept per target for the charts (default 720: 3 h at 15 s) */
  readonly pointsPerTarget: number;
  /** commits kept (default 500) */
  readonly commits: number;
}

const DEFAULT_LIMITS: AgentStateLimits = { decisions: 2000, pointsPerTarget: 720, commits: 500 };

export type Listener = (event: LoopEvent) => void;

export class AgentState implements Publisher {
  private readonly targetViews = new Map<string, TargetView>();
  private readonly decisionLog: DecisionView[] = [];
  private readonly points = new Map<string, ObservationPoint[]>();
  private readonly commitLog: CommitView[] = [];
  private readonly overrideLog: OverrideView[] = [];
  private readonly listeners = new Set<Listener>();
  private agentStatus: AgentStatus;
  private readonly limits: AgentStateLimits;

  constructor(status: AgentStatus, targets: readonly TargetView[], limits: Partial<AgentStateLimits> = {}) {
    this.agentStatus = status;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    for (const t of targets) this.targetViews.set(t.name, t);
  }

  publish(event: LoopEvent): void {
    switch (event.type) {
      case 'observation': {
        const list = this.points.get(event.target) ?? [];
        list.push(event.point);
        trim(list, this.limits.pointsPerTarget);
        this.points.set(event.target, list);
        const t = this.targetViews.get(event.target);
        if (t) this.targetViews.set(t.name, { ...t, last: event.point });
        break;
      }
      case 'decision': {
        const i = this.decisionLog.findIndex((d) => d.id === event.decision.id);
        if (i >= 0) this.decisionLog[i] = event.decision;
        else {
          this.decisionLog.push(event.decision);
          trim(this.decisionLog, this.limits.decisions);
        }
        const t = this.targetViews.get(event.decision.target);
        if (t) this.targetViews.set(t.name, { ...t, lastDecisionId: event.decision.id });
        break;
      }
      case 'commit':
        this.commitLog.push(event.commit);
        trim(this.commitLog, this.limits.commits);
        break;
      case 'override':
        this.overrideLog.push(event.override);
        trim(this.overrideLog, this.limits.commits);
        break;
      case 'target':
        this.targetViews.set(event.target.name, event.target);
        break;
      case 'status':
        this.agentStatus = event.status;
        break;
      case 'error':
        if (event.target) {
          const t = this.targetViews.get(event.target);
          if (t) {
            this.targetViews.set(t.name, {
              ...t,
              lastError: { code: event.code, message: event.message, at: event.at },
            });
          }
        }
        break;
      case 'guardrail':
      case 'cycle':
        break;
    }
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a failing subscriber (a closed socket) must not stop the loop or the other subscribers
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): AgentStatus {
    return this.agentStatus;
  }

  targets(): TargetView[] {
    return [...this.targetViews.values()];
  }

  target(name: string): TargetView | undefined {
    return this.targetViews.get(name);
  }

  /** newest first */
  decisions(filter: { target?: string; limit?: number } = {}): DecisionView[] {
    const limit = filter.limit ?? 100;
    const out: DecisionView[] = [];
    for (let i = this.decisionLog.length - 1; i >= 0 && out.length < limit; i--) {
      const d = this.decisionLog[i]!;
      if (filter.target === undefined || d.target === filter.target) out.push(d);
    }
    return out;
  }

  decision(id: string): DecisionView | undefined {
    return this.decisionLog.find((d) => d.id === id);
  }

  /** oldest first */
  history(target: string, limit = this.limits.pointsPerTarget): ObservationPoint[] {
    const list = this.points.get(target) ?? [];
    return list.slice(Math.max(0, list.length - limit));
  }

  /** newest first */
  commits(limit = 50): CommitView[] {
    return this.commitLog.slice(-limit).reverse();
  }

  overrides(limit = 50): OverrideView[] {
    return this.overrideLog.slice(-limit).reverse();
  }
}

function trim<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}
