import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LoopEvent } from '../../loop/events';
import type { DemoStack } from './demo-stack';

const run = promisify(execFile);

/**
 * What `maestro demo --headless --summary FILE` writes: the agent's decisions and commits, the
 * repo's real history (read with git from the bare repo), SLO minutes and pod-minutes per target
 * from the simulator's per-minute figures, and how each canary release ended.
 */
export interface DemoSummary {
  readonly scenario: string;
  readonly speed: number;
  readonly wallSeconds: number;
  readonly virtualSeconds: number;
  readonly metricsSource: string;
  readonly repo: { readonly url: string; readonly path: string };
  readonly decisions: {
    readonly total: number;
    readonly byTarget: Record<string, Record<string, number>>;
    readonly guardrailInterventions: number;
    readonly fallbacks: number;
  };
  readonly commits: {
    readonly byAgent: number;
    readonly history: ReadonlyArray<{
      readonly sha: string;
      readonly author: string;
      readonly subject: string;
    }>;
  };
  readonly targets: Record<
    string,
    {
      readonly minutes: number;
      readonly sloMinutes: number;
      readonly violationMinutes: number;
      readonly podMinutes: number;
      readonly minSpecReplicas: number | null;
      readonly maxSpecReplicas: number | null;
      readonly peakRps: number | null;
    }
  >;
  readonly canary: {
    readonly releases: ReadonlyArray<{
      readonly atSeconds: number;
      readonly image: string;
      readonly sha: string;
    }>;
    readonly phases: ReadonlyArray<{ readonly at: number; readonly phase: string; readonly weight: number }>;
    readonly outcomes: ReadonlyArray<string>;
  };
  readonly errors: Record<string, number>;
}

interface TargetAcc {
  minutes: number;
  sloMinutes: number;
  violationMinutes: number;
  podMinutes: number;
  minSpec: number | null;
  maxSpec: number | null;
  peakRps: number | null;
  lastMinuteEnd: number;
}

export class DemoSummaryCollector {
  private readonly startedWall = Date.now();
  private readonly acc = new Map<string, TargetAcc>();
  private readonly byTarget: Record<string, Record<string, number>> = {};
  private decisions = 0;
  private interventions = 0;
  private fallbacks = 0;
  private agentCommits = 0;
  private readonly errors: Record<string, number> = {};
  private readonly phases: Array<{ at: number; phase: string; weight: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(private readonly stack: DemoStack) {
    this.unsubscribe = stack.agent.loop.state.subscribe((e) => this.onEvent(e));
    this.timer = setInterval(() => this.sample(), 250);
  }

  private onEvent(e: LoopEvent): void {
    if (e.type === 'decision') {
      this.decisions++;
      const t = (this.byTarget[e.decision.target] ??= {});
      t[e.decision.final] = (t[e.decision.final] ?? 0) + 1;
      this.interventions += e.decision.interventions.length;
      if (e.decision.policy.fallback) this.fallbacks++;
    } else if (e.type === 'commit') this.agentCommits++;
    else if (e.type === 'error') this.errors[e.code] = (this.errors[e.code] ?? 0) + 1;
  }

  /** Takes each simulated minute once, from the simulator's own per-minute figures. */
  private sample(): void {
    const state = this.stack.sim.cluster.state();
    for (const t of this.stack.config.targets) {
      const svc = state.services.find(
        (s) => s.name === (t.resource ?? t.name) && s.namespace === t.namespace,
      );
      if (!svc) continue;
      const a = this.acc.get(t.name) ?? {
        minutes: 0,
        sloMinutes: 0,
        violationMinutes: 0,
        podMinutes: 0,
        minSpec: null,
        maxSpec: null,
        peakRps: null,
        lastMinuteEnd: -1,
      };
      this.acc.set(t.name, a);
      a.minSpec = a.minSpec === null ? svc.specReplicas : Math.min(a.minSpec, svc.specReplicas);
      a.maxSpec = a.maxSpec === null ? svc.specReplicas : Math.max(a.maxSpec, svc.specReplicas);
      const m = svc.lastMinute;
      if (!m || m.endedAt <= a.lastMinuteEnd) continue;
      a.lastMinuteEnd = m.endedAt;
      a.minutes++;
      a.podMinutes += svc.readyReplicas;
      a.peakRps = Math.max(a.peakRps ?? 0, m.rps);
      const ok = m.p95Ms !== null && m.p95Ms <= t.slo.p95Ms && (m.errorRate ?? 0) <= t.slo.errorRate;
      if (ok) a.sloMinutes++;
      else a.violationMinutes++;
    }
    for (const c of state.canaries) {
      const last = this.phases[this.phases.length - 1];
      if (!last || last.phase !== c.phase || last.weight !== c.weight) {
        this.phases.push({ at: Math.round(state.t), phase: c.phase, weight: c.weight });
      }
    }
  }

  async finish(): Promise<DemoSummary> {
    clearInterval(this.timer);
    this.unsubscribe();
    this.sample();
    const { stdout } = await run('git', [
      '-C',
      this.stack.repoPath,
      'log',
      '--format=%H%x09%an%x09%s',
      'main',
    ]);
    const history = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha, author, ...subject] = l.split('\t');
        return { sha: sha ?? '', author: author ?? '', subject: subject.join('\t') };
      });
    const outcomes = this.phases
      .filter(
        (p, i) => (p.phase === 'Succeeded' || p.phase === 'Failed') && this.phases[i - 1]?.phase !== p.phase,
      )
      .map((p) => `${p.phase} at ${p.at}s`);
    return {
      scenario: this.stack.scenario,
      speed: this.stack.speed,
      wallSeconds: Math.round((Date.now() - this.startedWall) / 1000),
      virtualSeconds: Math.round(this.stack.sim.now),
      metricsSource: this.stack.metricsDescription,
      repo: { url: this.stack.repoUrl, path: this.stack.repoPath },
      decisions: {
        total: this.decisions,
        byTarget: this.byTarget,
        guardrailInterventions: this.interventions,
        fallbacks: this.fallbacks,
      },
      commits: { byAgent: this.agentCommits, history },
      targets: Object.fromEntries(
        [...this.acc.entries()].map(([name, a]) => [
          name,
          {
            minutes: a.minutes,
            sloMinutes: a.sloMinutes,
            violationMinutes: a.violationMinutes,
            podMinutes: a.podMinutes,
            minSpecReplicas: a.minSpec,
            maxSpecReplicas: a.maxSpec,
            peakRps: a.peakRps === null ? null : Math.round(a.peakRps),
          },
        ]),
      ),
      canary: { releases: this.stack.releasesDone, phases: this.phases, outcomes },
      errors: this.errors,
    };
  }
}
