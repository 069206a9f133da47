import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LoopEvent } from '../loop/events';

/**
 * The agent's own Prometheus metrics, in a Registry of its own (never prom-client's global one, so
 * two agents in one process — tests — do not collide). Fed from the loop's events.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly decisions: Counter<'target' | 'policy'>;
  private readonly actions: Counter<'target' | 'kind'>;
  private readonly interventions: Counter<'target' | 'rule' | 'effect'>;
  private readonly fallbacks: Counter<'target' | 'from'>;
  private readonly commitLatency: Histogram<never>;
  private readonly pushRetries: Counter<never>;
  private readonly cycleDuration: Histogram<never>;
  private readonly errors: Counter<'code'>;
  private readonly gateAnswers: Counter<'gate' | 'allowed'>;
  private readonly overrides: Counter<'action'>;
  readonly wsClients: Gauge<never>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.decisions = new Counter({
      name: 'maestro_decisions_total',
      help: 'Decisions made, per target and deciding policy',
      labelNames: ['target', 'policy'],
      registers,
    });
    this.actions = new Counter({
      name: 'maestro_actions_total',
      help: 'Final actions by kind (hold, scale-up, scale-down, canary-<verb>)',
      labelNames: ['target', 'kind'],
      registers,
    });
    this.interventions = new Counter({
      name: 'maestro_guardrail_interventions_total',
      help: 'Guardrail interventions by rule and effect',
      labelNames: ['target', 'rule', 'effect'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'maestro_policy_fallbacks_total',
      help: 'Decisions where the fallback policy took over',
      labelNames: ['target', 'from'],
      registers,
    });
    this.commitLatency = new Histogram({
      name: 'maestro_commit_push_duration_seconds',
      help: 'Time from planning a commit to a landed push, retries included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.pushRetries = new Counter({
      name: 'maestro_push_retries_total',
      help: 'Push attempts beyond the first (lost races)',
      registers,
    });
    this.cycleDuration = new Histogram({
      name: 'maestro_cycle_duration_seconds',
      help: 'Duration of one control-loop cycle over all targets',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers,
    });
    this.errors = new Counter({
      name: 'maestro_errors_total',
      help: 'Errors published by the loop, by code',
      labelNames: ['code'],
      registers,
    });
    this.gateAnswers = new Counter({
      name: 'maestro_gate_answers_total',
      help: 'Flagger webhook gate answers',
      labelNames: ['gate', 'allowed'],
      registers,
    });
    this.overrides = new Counter({
      name: 'maestro_overrides_total',
      help: 'Human overrides by action',
      labelNames: ['action'],
      registers,
    });
    this.wsClients = new Gauge({
      name: 'maestro_ws_clients',
      help: 'Connected dashboard WebSockets',
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'maestro_' });
  }

  observe(event: LoopEvent): void {
    switch (event.type) {
      case 'decision': {
        const d = event.decision;
        this.decisions.inc({ target: d.target, policy: d.policy.name });
        const a = d.finalAction;
        const kind =
          a.type === 'hold'
            ? 'hold'
            : a.type === 'replicas'
              ? a.delta > 0
                ? 'scale-up'
                : a.delta < 0
                  ? 'scale-down'
                  : 'hold'
              : `canary-${a.verb}`;
        this.actions.inc({ target: d.target, kind });
        if (d.policy.fallback) this.fallbacks.inc({ target: d.target, from: d.policy.fallback.from });
        break;
      }
      case 'guardrail':
        for (const i of event.interventions)
          this.interventions.inc({ target: event.target, rule: i.rule, effect: i.effect });
        break;
      case 'commit':
        this.commitLatency.observe(event.commit.durationMs / 1000);
        if (event.commit.attempts > 1) this.pushRetries.inc(event.commit.attempts - 1);
        break;
      case 'cycle':
        this.cycleDuration.observe(event.durationMs / 1000);
        break;
      case 'error':
        this.errors.inc({ code: event.code });
        break;
      case 'override':
        this.overrides.inc({ action: event.override.action });
        break;
      default:
        break;
    }
  }

  gateAnswered(gate: string, allowed: boolean): void {
    this.gateAnswers.inc({ gate, allowed: String(allowed) });
  }
}
