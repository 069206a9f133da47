import type { CanaryPhase } from '../../core/observation';
import { maxWeightOf, type CanarySpec, type CanaryWebhook, type WebhookType } from './canary-spec';

/**
 * A Flagger-like canary controller (Flagger v1.44 pkg/controller/scheduler.go `advanceCanary`,
 * `runCanary`, `runBlueGreen`, `nextStepWeight`, `rollback`; webhook.go), as short named steps
 * over an injected target, metric reader and webhook caller. `tick(now)` is one analysis
 * interval: the runtime calls it every `analysis.interval`; tests call it once per step.
 *
 * Per tick, in Flagger's order:
 * 1. not running: a new template hash starts a run (after `confirm-rollout`); a hash equal to
 *    lastPromotedSpec starts none;
 * 2. template changed during the run: restart (weight 0, failed checks 0);
 * 3. canary pods not ready: wait (roll back after progressDeadlineSeconds);
 * 4. skipAnalysis: promote at once;
 * 5. a `rollback` webhook answering 2xx rolls back (Progressing, Waiting, WaitingPromotion);
 *    Waiting is checked before the confirm-rollout gate;
 * 6. Promoting → all traffic to primary → Finalising → canary to zero → Succeeded;
 * 7. failedChecks >= threshold: roll back;
 * 8. analysis: first tick of a run runs `pre-rollout` hooks, later ticks the metric checks and
 *    `rollout` hooks; a failure adds one failed check and ends the tick;
 * 9. iterations (blue/green): count up, then `confirm-promotion` and promote;
 * 10. otherwise `confirm-traffic-increase` (non-2xx holds, no failed check; not asked again while
 *    WaitingPromotion), then below maxWeight step the weight, at or above it `confirm-promotion`
 *    (non-2xx → WaitingPromotion) and promote.
 * The hazards of shared/DESIGN-NOTES.md follow from these steps: a maxWeight lowered to the
 * current weight promotes on the next passing tick; a stepWeights list lacking the current weight
 * jumps to 100 % (nextStepWeight returns 100 − weight).
 */

/** What the controller drives: the canary and primary Deployments and the traffic split. */
export interface CanaryTarget {
  /** hash of the target Deployment's pod template as applied from git */
  templateHash(): string;
  /** scale the canary Deployment up with that template (weight stays 0) */
  startCanary(hash: string): void;
  setWeight(weight: number): void;
  /** copy the canary template to the primary */
  promote(): void;
  primaryReady(): boolean;
  canaryReady(): boolean;
  scaleCanaryToZero(): void;
  /** a metric of the canary over the last windowSeconds; undefined = no data */
  metric(name: string, windowSeconds: number): number | undefined;
}

export interface WebhookPayload {
  readonly name: string;
  readonly namespace: string;
  readonly phase: CanaryPhase;
  readonly checksum: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** POSTs the payload; rejects or returns a status. Real HTTP in real time, a function in virtual time. */
export type WebhookCaller = (url: string, payload: WebhookPayload) => Promise<{ status: number }>;

export interface CanaryStatus {
  phase: CanaryPhase;
  canaryWeight: number;
  failedChecks: number;
  iterations: number;
  lastAppliedSpec: string;
  lastPromotedSpec: string;
  /** simulated time (s) the current run started */
  runStartedAt: number;
  lastTransitionTime: number;
}

export interface CanaryEvent {
  readonly at: number;
  readonly message: string;
  readonly warning?: boolean;
}

/** flagger_canary_status: 0 running, 1 ok, 2 failed (Flagger's recorder.SetStatus). */
export function statusMetricValue(phase: CanaryPhase): number {
  if (phase === 'Progressing') return 0;
  if (phase === 'Failed') return 2;
  return 1;
}

const RUNNING: ReadonlySet<CanaryPhase> = new Set<CanaryPhase>([
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
]);

export class CanaryController {
  readonly status: CanaryStatus = {
    phase: 'Initializing',
    canaryWeight: 0,
    failedChecks: 0,
    iterations: 0,
    lastAppliedSpec: '',
    lastPromotedSpec: '',
    runStartedAt: 0,
    lastTransitionTime: 0,
  };
  readonly events: CanaryEvent[] = [];
  /** the last value each metric check read (flagger_canary_metric_analysis) */
  readonly lastMetricValues: Record<string, number> = {};
  /** keep at most this many events (oldest dropped) */
  private readonly maxEvents = 200;

  constructor(
    public spec: CanarySpec,
    private readonly target: CanaryTarget,
    private readonly callWebhook: WebhookCaller,
  ) {}

  /** One analysis interval. Returns the events it recorded. */
  async tick(now: number): Promise<CanaryEvent[]> {
    const before = this.events.length;
    await this.advance(now);
    return this.events.slice(before);
  }

  private async advance(now: number): Promise<void> {
    const st = this.status;
    const hash = this.target.templateHash();
    if (st.phase === 'Initializing' || st.lastAppliedSpec === '') {
      st.lastAppliedSpec = hash;
      st.lastPromotedSpec = hash;
      this.setPhase('Initialized', now);
      this.event(now, `Initialization done! ${this.spec.name}.${this.spec.namespace}`);
      return;
    }
    if (!RUNNING.has(st.phase) && st.phase !== 'Waiting') {
      if (hash === st.lastAppliedSpec) return;
      if (hash === st.lastPromotedSpec) {
        st.lastAppliedSpec = hash;
        this.event(now, 'template equals the last promoted spec: no new run');
        return;
      }
    }
    if (st.phase !== 'Progressing' && !RUNNING.has(st.phase)) {
      // new revision (or still Waiting for confirm-rollout)
      if (st.phase === 'Waiting' && (await this.anyRollbackHook(now))) {
        // Flagger's SyncStatus records the template it gave up on, so it does not wait again
        st.lastAppliedSpec = hash;
        this.event(now, `Rolling back ${this.spec.name}.${this.spec.namespace} manual webhook invoked`, true);
        await this.rollback(now);
        return;
      }
      if (!(await this.gates('confirm-rollout', now))) {
        if (st.phase !== 'Waiting') this.setPhase('Waiting', now);
        return;
      }
      this.startRun(
        hash,
        now,
        `New revision detected! Scaling up ${this.spec.targetName}.${this.spec.namespace}`,
      );
      return;
    }
    if ((st.phase === 'Progressing' || st.phase === 'WaitingPromotion') && hash !== st.lastAppliedSpec) {
      this.startRun(
        hash,
        now,
        `New revision detected! Restarting analysis for ${this.spec.targetName}.${this.spec.namespace}`,
      );
      return;
    }
    if (st.phase === 'Progressing' || st.phase === 'WaitingPromotion') {
      if (!this.target.canaryReady()) {
        if (now - st.runStartedAt > this.spec.progressDeadlineSeconds) {
          this.event(
            now,
            `Rolling back ${this.spec.name}.${this.spec.namespace} progress deadline exceeded`,
            true,
          );
          await this.rollback(now);
        } else this.event(now, `canary deployment ${this.spec.targetName}.${this.spec.namespace} not ready`);
        return;
      }
    }
    if (this.spec.skipAnalysis && (st.phase === 'Progressing' || st.phase === 'WaitingPromotion')) {
      this.target.promote();
      this.target.setWeight(0);
      st.canaryWeight = 0;
      this.target.scaleCanaryToZero();
      st.lastPromotedSpec = st.lastAppliedSpec;
      this.setPhase('Succeeded', now);
      this.event(now, 'Promotion completed! Canary analysis was skipped');
      await this.gates('post-rollout', now);
      return;
    }
    if (st.phase === 'Progressing' || st.phase === 'WaitingPromotion') {
      if (await this.anyRollbackHook(now)) {
        this.event(now, `Rolling back ${this.spec.name}.${this.spec.namespace} manual webhook invoked`, true);
        await this.rollback(now);
        return;
      }
    }
    if (st.phase === 'Promoting') {
      if (!this.target.primaryReady()) {
        this.event(now, `primary ${this.spec.targetName}-primary not ready yet`);
        return;
      }
      this.target.setWeight(0);
      st.canaryWeight = 0;
      this.setPhase('Finalising', now);
      this.event(now, 'Promotion completed! Routing all traffic to primary');
      return;
    }
    if (st.phase === 'Finalising') {
      this.target.scaleCanaryToZero();
      st.lastPromotedSpec = st.lastAppliedSpec;
      this.setPhase('Succeeded', now);
      this.event(now, `Promotion completed! ${this.spec.targetName}.${this.spec.namespace} scaled to zero`);
      await this.gates('post-rollout', now);
      return;
    }
    if (st.failedChecks >= this.spec.analysis.threshold) {
      this.event(
        now,
        `Rolling back ${this.spec.name}.${this.spec.namespace} failed checks threshold reached ${st.failedChecks}`,
        true,
      );
      await this.rollback(now);
      return;
    }
    if (!(await this.analysis(now))) return;
    await this.strategy(now);
  }

  private startRun(hash: string, now: number, message: string): void {
    const st = this.status;
    st.lastAppliedSpec = hash;
    st.canaryWeight = 0;
    st.failedChecks = 0;
    st.iterations = 0;
    st.runStartedAt = now;
    this.target.setWeight(0);
    this.target.startCanary(hash);
    this.setPhase('Progressing', now);
    this.event(now, message);
  }

  /** Step 8: pre-rollout hooks on the first tick, metric checks and rollout hooks after. */
  private async analysis(now: number): Promise<boolean> {
    const st = this.status;
    if (st.canaryWeight === 0 && st.iterations === 0) {
      this.event(now, `Starting canary analysis for ${this.spec.targetName}.${this.spec.namespace}`);
      if (!(await this.gates('pre-rollout', now))) {
        st.failedChecks++;
        this.event(now, 'Pre-rollout webhooks error', true);
        return false;
      }
      return true;
    }
    for (const m of this.spec.analysis.metrics) {
      const v = this.target.metric(m.name, m.intervalSeconds);
      if (v !== undefined && !Number.isNaN(v)) this.lastMetricValues[m.name] = v;
      if (v === undefined || Number.isNaN(v)) {
        st.failedChecks++;
        this.event(now, `Halt advancement no values found for ${m.name} metric`, true);
        return false;
      }
      if (m.min !== undefined && v < m.min) {
        st.failedChecks++;
        this.event(
          now,
          `Halt advancement ${this.spec.name}.${this.spec.namespace} ${m.name} ${round(v)} < ${m.min}`,
          true,
        );
        return false;
      }
      if (m.max !== undefined && v > m.max) {
        st.failedChecks++;
        this.event(
          now,
          `Halt advancement ${this.spec.name}.${this.spec.namespace} ${m.name} ${round(v)} > ${m.max}`,
          true,
        );
        return false;
      }
    }
    if (!(await this.gates('rollout', now))) {
      st.failedChecks++;
      this.event(now, 'Rollout webhook failed', true);
      return false;
    }
    return true;
  }

  /** Steps 9-10. */
  private async strategy(now: number): Promise<void> {
    const st = this.status;
    const a = this.spec.analysis;
    if (a.iterations !== undefined && a.iterations > 0) {
      if (a.iterations > st.iterations) {
        st.iterations++;
        this.event(
          now,
          `Advance ${this.spec.name}.${this.spec.namespace} canary iteration ${st.iterations}/${a.iterations}`,
        );
        return;
      }
      await this.promoteIfConfirmed(now);
      return;
    }
    if (this.nextStepWeight(st.canaryWeight) <= 0) return;
    if (st.phase !== 'WaitingPromotion' && !(await this.gates('confirm-traffic-increase', now))) {
      this.event(now, `Gate confirm-traffic-increase closed: holding weight ${st.canaryWeight}`);
      return;
    }
    const maxWeight = maxWeightOf(a);
    if (st.canaryWeight < maxWeight && st.canaryWeight < 100) {
      st.canaryWeight = Math.min(100, st.canaryWeight + this.nextStepWeight(st.canaryWeight));
      this.target.setWeight(st.canaryWeight);
      this.event(now, `Advance ${this.spec.name}.${this.spec.namespace} canary weight ${st.canaryWeight}`);
      return;
    }
    await this.promoteIfConfirmed(now);
  }

  private async promoteIfConfirmed(now: number): Promise<void> {
    if (!(await this.gates('confirm-promotion', now))) {
      if (this.status.phase !== 'WaitingPromotion') this.setPhase('WaitingPromotion', now);
      this.event(now, 'Gate confirm-promotion closed: waiting for approval');
      return;
    }
    this.target.promote();
    this.setPhase('Promoting', now);
    this.event(
      now,
      `Copying ${this.spec.targetName}.${this.spec.namespace} template spec to ${this.spec.targetName}-primary`,
    );
  }

  /** Flagger's nextStepWeight (scheduler.go). */
  nextStepWeight(canaryWeight: number): number {
    const a = this.spec.analysis;
    if ((a.stepWeight ?? 0) > 0 || !a.stepWeights || a.stepWeights.length === 0) return a.stepWeight ?? 0;
    const maxStep = 100 - canaryWeight;
    if (maxStep <= 0) return 1;
    const sw = a.stepWeights;
    if (canaryWeight === 0) return Math.min(sw[0] as number, maxStep);
    for (let i = 0; i < sw.length - 1; i++) {
      if (sw[i] === canaryWeight) return Math.min((sw[i + 1] as number) - canaryWeight, maxStep);
    }
    return maxStep;
  }

  private async rollback(now: number): Promise<void> {
    const st = this.status;
    st.canaryWeight = 0;
    this.target.setWeight(0);
    this.target.scaleCanaryToZero();
    this.setPhase('Failed', now);
    this.event(now, `Canary failed! Scaling down ${this.spec.targetName}.${this.spec.namespace}`, true);
    await this.gates('post-rollout', now);
  }

  private payload(w: CanaryWebhook): WebhookPayload {
    return {
      name: this.spec.name,
      namespace: this.spec.namespace,
      phase: this.status.phase,
      checksum: this.status.lastAppliedSpec,
      ...(w.metadata ? { metadata: w.metadata } : {}),
    };
  }

  /** All webhooks of a type must answer 2xx (status 200..202, as Flagger's callWebhook); none = open. */
  private async gates(type: WebhookType, now: number): Promise<boolean> {
    for (const w of this.spec.analysis.webhooks) {
      if (w.type !== type) continue;
      if (!(await this.call(w, now))) return false;
    }
    return true;
  }

  /** Rollback hooks: any one answering 2xx asks for a rollback; failures mean "no". */
  private async anyRollbackHook(now: number): Promise<boolean> {
    for (const w of this.spec.analysis.webhooks) {
      if (w.type === 'rollback' && (await this.call(w, now))) return true;
    }
    return false;
  }

  private async call(w: CanaryWebhook, now: number): Promise<boolean> {
    try {
      const r = await this.callWebhook(w.url, this.payload(w));
      return r.status >= 200 && r.status <= 202;
    } catch (e) {
      this.event(now, `webhook ${w.name} (${w.type}) failed: ${(e as Error).message}`, true);
      return false;
    }
  }

  private setPhase(phase: CanaryPhase, now: number): void {
    this.status.phase = phase;
    this.status.lastTransitionTime = now;
  }

  private event(at: number, message: string, warning = false): void {
    this.events.push(warning ? { at, message, warning } : { at, message });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
