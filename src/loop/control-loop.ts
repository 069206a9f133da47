import { describeAction, type Action } from '../core/action';
import type { DecisionRecord } from '../core/decision';
import { MaestroError, isMaestroError } from '../core/errors';
import type { ActionHistory } from '../core/guardrail-types';
import type { Observation } from '../core/observation';
import type {
  Clock,
  CommitOutcome,
  ConfigRepo,
  MetricsReading,
  MetricsSource,
  Person,
  PlannedCommit,
  RepoSnapshot,
} from '../core/ports';
import { AgentState } from './agent-state';
import { decideTarget, editFor, type TargetStep } from './decide-target';
import type { AgentStatus, CommitView, DecisionView, OverrideAction, TargetView } from './events';
import { GateBook } from './gate-book';
import { toPoint } from './observation-point';
import { checkPending, short, type PendingChange } from './pending-change';
import {
  canaryDeploymentFile,
  type CommitMessages,
  type DeclaredFields,
  type GuardFn,
  type HistorySource,
  type LoopTarget,
  type ManifestEdit,
  type PauseDocument,
  type PolicyResolver,
  type TargetManifests,
} from './ports';
import { runPolicy } from './run-policy';
import { globalPausePlanner, overrideEdit, overridePlanner } from './override-plan';
import { coreCommitMessages } from './commit-messages';

/**
 * The control loop: every `cycleIntervalSeconds`, for every target, observe → decide (policy with
 * fallback) → guard → edit → one batched commit → push → publish. Everything it touches is a port
 * (src/core/ports.ts, ./ports.ts); `runCycle()` runs exactly one tick, so tests advance it tick by
 * tick without sleeping (as Flagger's scheduler tests do).
 *
 * Crash safety: all durable state is in git. Declared values are re-read from the repo every cycle,
 * edits are applied to the snapshot being committed to (a lost push race re-plans on fresh content),
 * and on start the commit history (times, last scale up/down, the last unapplied commit) is rebuilt
 * from the commit trailers. A decision is a delta against what git declares and is held while an
 * earlier commit is not applied, so no decision is applied twice.
 */
export interface ControlLoopOptions {
  readonly cycleIntervalSeconds: number;
  readonly applyTimeoutSeconds: number;
  /** decide and publish, never push */
  readonly shadow: boolean;
  /** shown on the dashboard, e.g. the embedded git server URL */
  readonly repoUrl?: string;
  /** a human description of where metrics come from */
  readonly metricsSource: string;
  /** link to a commit, e.g. `https://github.com/o/r/commit/{sha}` */
  readonly commitUrl?: (sha: string) => string | undefined;
  /** the agent's identity, named in messages of housekeeping commits it makes on its own */
  readonly agent: Person;
}

export interface ControlLoopDeps {
  readonly clock: Clock;
  readonly repo: ConfigRepo;
  readonly metrics: MetricsSource;
  readonly policies: PolicyResolver;
  readonly guard: GuardFn;
  readonly manifests: TargetManifests;
  /** default: src/core/commit-message.ts (no redaction) */
  readonly messages?: CommitMessages;
  readonly history?: HistorySource;
  readonly state?: AgentState;
  readonly gates?: GateBook;
  readonly newId?: () => string;
  /** the global pause in git; without it a global pause lives in agent memory only */
  readonly pauseDocument?: PauseDocument;
}

export interface OverrideRequest {
  /** undefined: all targets (global pause/resume only) */
  readonly target?: string;
  readonly action: OverrideAction;
  readonly replicas?: number;
  readonly reason?: string;
}

export interface OverrideResult {
  readonly target: string;
  readonly action: OverrideAction;
  readonly sha?: string;
  readonly message: string;
}

interface TargetRuntime {
  readonly target: LoopTarget;
  policyState?: unknown;
  pending?: PendingChange;
  headsSince: Set<string>;
  commitTimes: number[];
  lastScaleUpAt?: number;
  lastScaleDownAt?: number;
  paused: boolean;
  lastObservation?: Observation;
  lastError?: { code: string; message: string; at: number };
  /** a person asked for a rollback of this checksum; the template is reverted after Failed */
  forcedRollback?: { checksum: string; by: Person };
  /**
   * The canary's Deployment file, each distinct version seen since the last promotion, oldest
   * first: versions[0] is the promoted one (git runs ahead of the cluster, so "the file while the
   * phase was Succeeded" may already hold the next release; the version before the release commit
   * does not). Reset to the current file when the canary becomes Succeeded. Memory only: after a
   * restart the first file seen is the base.
   */
  templateVersions: Array<{ text: string; revision: string }>;
  lastPhase?: string;
  /** the checksum whose rollback was already reverted in git (once per release) */
  revertedChecksum?: string;
  /** a forced promote set skipAnalysis; reset after Succeeded */
  forcedPromote?: { checksum: string; by: Person };
}

const HOUR_MS = 3_600_000;
/**
 * Targets whose metrics are read at once. A read is itself a freshness query and then 8 parallel
 * PromQL queries (src/adapters/prometheus/metrics-source.ts), so 4 keeps Prometheus at no more than
 * 32 queries in flight.
 */
const METRICS_READS_IN_FLIGHT = 4;

export class ControlLoop {
  readonly state: AgentState;
  readonly gates: GateBook;
  private readonly runtimes = new Map<string, TargetRuntime>();
  private readonly newId: () => string;
  private readonly messages: CommitMessages;
  /** what git's pause file says, read every cycle */
  private pauseInGit = false;
  /**
   * A person's pause/resume of all targets not yet seen in git (its commit has not landed, e.g. in
   * pull-request mode or shadow mode, or there is no pause file): it wins until git agrees.
   */
  private pauseRequested: boolean | undefined;

  private get globallyPaused(): boolean {
    return this.pauseRequested ?? this.pauseInGit;
  }
  private cycles = 0;
  private readonly startedAt: number;
  private lastCycleAt?: number;
  private lastCycleDurationMs?: number;
  private head?: string;
  private running = false;
  private current?: Promise<void>;
  private restored = false;
  /** serialises cycles and overrides: one writer at a time */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly targets: readonly LoopTarget[],
    private readonly deps: ControlLoopDeps,
    private readonly options: ControlLoopOptions,
  ) {
    this.startedAt = deps.clock.now();
    this.newId = deps.newId ?? (() => globalThis.crypto.randomUUID());
    this.messages = deps.messages ?? coreCommitMessages();
    for (const t of targets) {
      this.runtimes.set(t.ref.name, {
        target: t,
        headsSince: new Set(),
        commitTimes: [],
        paused: false,
        templateVersions: [],
      });
    }
    this.state =
      deps.state ??
      new AgentState(
        this.status(),
        targets.map((t) => this.view(t.ref.name)),
      );
    this.gates = deps.gates ?? new GateBook(3 * options.cycleIntervalSeconds * 1000 + 30_000);
  }

  /** True once the history is rebuilt and at least one cycle read the repo. */
  get ready(): boolean {
    return this.restored && this.head !== undefined;
  }

  get paused(): boolean {
    return this.globallyPaused;
  }

  get shadow(): boolean {
    return this.options.shadow;
  }

  /** Rebuilds memory from git trailers: commit times, last scale up/down, an unapplied commit. */
  async restore(): Promise<void> {
    const now = this.deps.clock.now();
    if (this.deps.history) {
      const since = now - Math.max(HOUR_MS, this.options.applyTimeoutSeconds * 1000);
      const past = await this.deps.history.pastCommits(since);
      for (const c of past) {
        const rt = this.runtimes.get(c.target);
        if (!rt) continue;
        if (!c.override) rt.commitTimes.push(c.at);
        if (c.action?.type === 'replicas') {
          if (c.action.delta > 0) rt.lastScaleUpAt = c.at;
          if (c.action.delta < 0) rt.lastScaleDownAt = c.at;
        }
        if (now - c.at <= this.options.applyTimeoutSeconds * 1000) {
          rt.pending = { sha: c.sha, since: c.at };
          rt.headsSince = new Set();
        }
      }
    }
    this.restored = true;
  }

  /** Runs cycles until stop(); the first cycle starts at once. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (!this.restored) {
      try {
        await this.restore();
      } catch (e) {
        this.error(e, undefined);
        this.restored = true;
      }
    }
    const loop = async () => {
      while (this.running) {
        const t0 = this.deps.clock.now();
        // a cycle publishes its own failures; this only keeps an unexpected bug from ending the loop
        await this.runCycle().catch((e: unknown) => this.error(e, undefined));
        if (!this.running) break;
        const wait = Math.max(0, this.options.cycleIntervalSeconds * 1000 - (this.deps.clock.now() - t0));
        await this.deps.clock.sleep(wait);
      }
    };
    this.current = loop();
  }

  /** Stops after the cycle in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.current;
  }

  /** One tick over all targets. Never throws: failures are published as error events. */
  runCycle(): Promise<void> {
    const run = this.queue.then(() => this.cycle());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async cycle(): Promise<void> {
    const t0 = this.deps.clock.now();
    // metrics and git are independent: ask Prometheus while git answers
    const readings = this.readMetrics(t0);
    let snapshot: RepoSnapshot;
    try {
      snapshot = await this.deps.repo.snapshot();
    } catch (e) {
      this.error(e, undefined);
      this.finishCycle(t0, 0, false);
      return;
    }
    this.head = snapshot.head;
    for (const rt of this.runtimes.values()) if (rt.pending) rt.headsSince.add(snapshot.head);
    await this.readGlobalPause(snapshot).catch((e: unknown) => this.error(e, undefined));

    const steps: Array<{ rt: TargetRuntime; step: TargetStep }> = [];
    for (const rt of this.runtimes.values()) {
      try {
        const step = await this.decideOne(rt, snapshot, readings.get(rt.target.ref.name)!);
        if (step) steps.push({ rt, step });
      } catch (e) {
        this.error(e, rt.target.ref.name);
      }
    }
    let committed = false;
    const published = new Set<string>();
    const toCommit = steps.filter((s) => s.step.edit !== undefined);
    if (toCommit.length > 0 && !this.options.shadow) {
      committed = await this.commitSteps(toCommit, published);
    }
    for (const { step } of steps) {
      if (!published.has(step.decision.id)) this.publishDecision(step.decision, undefined);
    }
    // post-release housekeeping that needs its own commit (forced promote reset, rollback revert)
    for (const rt of this.runtimes.values()) {
      await this.afterRelease(rt, snapshot).catch((e: unknown) => this.error(e, rt.target.ref.name));
    }
    this.finishCycle(t0, steps.length, committed);
  }

  /** The pause file at this snapshot; a file that cannot be read pauses everything and says why. */
  private async readGlobalPause(snapshot: RepoSnapshot): Promise<void> {
    const doc = this.deps.pauseDocument;
    if (!doc) return;
    const r = doc.read(await snapshot.readFile(doc.path));
    if (r.error) {
      this.error(new MaestroError('YAML_PARSE', r.error, { data: { file: doc.path } }), undefined);
    }
    this.pauseInGit = r.paused;
    if (this.pauseRequested === r.paused) this.pauseRequested = undefined;
  }

  private finishCycle(t0: number, decisions: number, committed: boolean): void {
    const now = this.deps.clock.now();
    this.cycles++;
    this.lastCycleAt = now;
    this.lastCycleDurationMs = now - t0;
    this.state.publish({ type: 'cycle', at: now, durationMs: now - t0, decisions, committed });
    this.state.publish({ type: 'status', status: this.status() });
    for (const rt of this.runtimes.values()) this.publishTarget(rt);
  }

  /**
   * Starts every target's metrics read for this cycle (as of `nowMs`), METRICS_READS_IN_FLIGHT at
   * a time in target order. A read that fails rejects only its own target's promise.
   */
  private readMetrics(nowMs: number): Map<string, Promise<MetricsReading>> {
    const refs = [...this.runtimes.values()].map((rt) => rt.target.ref);
    const settle: Array<{ ok: (r: MetricsReading) => void; fail: (e: unknown) => void }> = [];
    const out = new Map<string, Promise<MetricsReading>>();
    for (const ref of refs) {
      const p = new Promise<MetricsReading>((ok, fail) => settle.push({ ok, fail }));
      p.catch(() => undefined); // awaited by decideOne, which publishes the error; not unhandled meanwhile
      out.set(ref.name, p);
    }
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < refs.length; i = next++) {
        try {
          settle[i]!.ok(await this.deps.metrics.read(refs[i]!, nowMs));
        } catch (e) {
          settle[i]!.fail(e);
        }
      }
    };
    for (let k = 0; k < Math.min(METRICS_READS_IN_FLIGHT, refs.length); k++) void worker();
    return out;
  }

  private async observe(
    rt: TargetRuntime,
    snapshot: RepoSnapshot,
    metrics: Promise<MetricsReading>,
  ): Promise<Observation> {
    const ref = rt.target.ref;
    const text = await snapshot.readFile(ref.file);
    if (text === undefined) {
      throw new MaestroError(
        'MANIFEST_TARGET_NOT_FOUND',
        `${ref.file} does not exist at ${short(snapshot.head)}`,
        {
          data: { file: ref.file, target: ref.name },
        },
      );
    }
    const fields = this.deps.manifests.read(ref, text);
    rt.paused = fields.paused;
    const reading = await metrics;
    const now = this.deps.clock.now();
    let canary = reading.canary;
    if (ref.kind === 'flagger-canary' && canary && canary.checksum === undefined) {
      // the checksum is only in Flagger's webhook payloads: take it from the gate calls
      const seen = this.gates.lastSeen(ref.namespace, ref.resourceName);
      if (seen) canary = { ...canary, checksum: seen.checksum };
    }
    const observation: Observation = {
      target: ref.name,
      kind: ref.kind,
      at: now,
      service: reading.service,
      ...(canary ? { canary } : {}),
      declared: { ...declaredOf(fields), revision: snapshot.head },
      ...(reading.appliedRevision !== undefined ? { appliedRevision: reading.appliedRevision } : {}),
    };
    rt.lastObservation = observation;
    this.state.publish({ type: 'observation', target: ref.name, point: toPoint(observation) });
    return observation;
  }

  private async decideOne(
    rt: TargetRuntime,
    snapshot: RepoSnapshot,
    metrics: Promise<MetricsReading>,
  ): Promise<TargetStep | undefined> {
    const observation = await this.observe(rt, snapshot, metrics);
    const now = observation.at;
    let waitingFor: string | undefined;
    if (rt.pending) {
      const check = checkPending(
        rt.pending,
        observation,
        rt.headsSince,
        now,
        this.options.applyTimeoutSeconds * 1000,
      );
      if (check.state === 'waiting') waitingFor = check.reason;
      else {
        if (check.state === 'timed-out') {
          this.state.publish({
            type: 'error',
            at: now,
            target: rt.target.ref.name,
            code: 'TIMEOUT',
            message: check.reason,
          });
        }
        rt.pending = undefined;
        rt.headsSince = new Set();
      }
    }
    const t = rt.target;
    const policy = await runPolicy(this.deps.policies(t), observation, {
      nowMs: now,
      minReplicas: t.minReplicas,
      maxReplicas: t.maxReplicas,
      sloP95Ms: t.slo.p95Ms,
      sloErrorRate: t.slo.errorRate,
      state: rt.policyState,
    });
    rt.policyState = policy.output.state;
    const step = decideTarget({
      id: this.newId(),
      target: t,
      observation,
      policy,
      history: this.historyOf(rt, now),
      paused: rt.paused || this.globallyPaused,
      guard: this.deps.guard,
      ...(waitingFor !== undefined ? { waitingFor } : {}),
      nowMs: now,
    });
    this.recordGate(rt, step.decision);
    if (step.decision.interventions.length > 0) {
      this.state.publish({
        type: 'guardrail',
        target: t.ref.name,
        decisionId: step.decision.id,
        at: now,
        interventions: step.decision.interventions.map((i) => ({
          rule: i.rule,
          effect: i.effect,
          reason: i.reason,
        })),
      });
    }
    return step;
  }

  private recordGate(rt: TargetRuntime, d: DecisionRecord): void {
    const ref = rt.target.ref;
    const checksum = d.observation.canary?.checksum;
    if (ref.kind !== 'flagger-canary' || checksum === undefined) return;
    const verb = d.final.type === 'canary' ? d.final.verb : 'hold';
    this.gates.record(ref.namespace, ref.resourceName, checksum, { verb, decisionId: d.id, at: d.at });
  }

  private historyOf(rt: TargetRuntime, now: number): ActionHistory {
    rt.commitTimes = rt.commitTimes.filter((t) => now - t < HOUR_MS);
    return {
      commitTimes: [...rt.commitTimes],
      ...(rt.lastScaleUpAt !== undefined ? { lastScaleUpAt: rt.lastScaleUpAt } : {}),
      ...(rt.lastScaleDownAt !== undefined ? { lastScaleDownAt: rt.lastScaleDownAt } : {}),
      globallyPaused: this.globallyPaused,
    };
  }

  /** One commit for every target that changes this cycle; the planner re-runs on a lost race. */
  private async commitSteps(
    steps: Array<{ rt: TargetRuntime; step: TargetStep }>,
    published: Set<string>,
  ): Promise<boolean> {
    let included: Array<{ rt: TargetRuntime; decision: DecisionRecord; edit: ManifestEdit }> = [];
    let message = '';
    let outcome: CommitOutcome;
    try {
      outcome = await this.deps.repo.commit(async (snap, attempt) => {
        included = [];
        const files = new Map<string, { before: string; content: string }>();
        for (const { rt, step } of steps) {
          const ref = rt.target.ref;
          const text = files.get(ref.file)?.content ?? (await snap.readFile(ref.file));
          if (text === undefined) continue;
          let decision = step.decision;
          let edit = step.edit;
          if (attempt > 1 || snap.head !== decision.basedOn) {
            // someone else moved the branch: re-derive the edit from fresh content and re-guard it
            const fresh = this.deps.manifests.read(ref, text);
            const observation = {
              ...decision.observation,
              declared: { ...declaredOf(fresh), revision: snap.head },
            };
            const limits = { ...rt.target.limits, paused: rt.target.limits.paused || fresh.paused };
            const g = this.deps.guard(
              decision.final,
              observation,
              this.historyOf(rt, decision.at),
              limits,
              decision.at,
            );
            edit = editFor(rt.target, g.action, observation.declared);
            decision = {
              ...decision,
              basedOn: snap.head,
              observation,
              final: g.action,
              interventions: [...decision.interventions, ...g.interventions],
            };
          }
          if (!edit) continue;
          const content = this.deps.manifests.apply(ref, text, edit);
          if (content === text) continue;
          files.set(ref.file, { before: files.get(ref.file)?.before ?? text, content });
          included.push({ rt, decision, edit });
        }
        if (included.length === 0) return null;
        message = this.messages.forDecisions(included.map((i) => i.decision));
        const planned: PlannedCommit = {
          files: [...files.entries()].map(([path, f]) => ({ path, content: f.content })),
          message,
        };
        return planned;
      });
    } catch (e) {
      this.error(e, undefined);
      return false;
    }
    const now = this.deps.clock.now();
    if (outcome.kind === 'no-change') return false;
    for (const i of included) {
      const rt = i.rt;
      rt.commitTimes.push(now);
      if (i.decision.final.type === 'replicas') {
        if (i.decision.final.delta > 0) rt.lastScaleUpAt = now;
        if (i.decision.final.delta < 0) rt.lastScaleDownAt = now;
      }
      rt.pending = { sha: outcome.sha, since: now, ...expectFor(i.edit) };
      rt.headsSince = new Set();
      this.publishDecision(i.decision, outcome.sha);
      published.add(i.decision.id);
    }
    const subject = message.split('\n')[0] ?? '';
    this.publishCommit(outcome, {
      targets: included.map((i) => i.rt.target.ref.name),
      subject,
      author: 'maestro',
      decisionIds: included.map((i) => i.decision.id),
    });
    return true;
  }

  /**
   * After a release ends: reset a forced skipAnalysis after Succeeded; after a rollback (Failed),
   * write the last promoted pod template back to git so git no longer claims the bad release is
   * deployed (its hash equals Flagger's lastPromotedSpec: no new run starts). A forced rollback's
   * revert is authored by the person who forced it.
   */
  private async afterRelease(rt: TargetRuntime, snapshot: RepoSnapshot): Promise<void> {
    const o = rt.lastObservation;
    const ref = rt.target.ref;
    if (ref.kind !== 'flagger-canary' || !o?.canary || o.declared.revision !== snapshot.head) return;
    const phase = o.canary.phase;
    const deploymentFile = canaryDeploymentFile(ref.file);
    const text = await snapshot.readFile(deploymentFile);
    const versions = rt.templateVersions;
    if (text !== undefined) {
      const becameSucceeded =
        phase === 'Succeeded' && rt.lastPhase !== undefined && rt.lastPhase !== 'Succeeded';
      if (becameSucceeded) rt.templateVersions = [{ text, revision: snapshot.head }];
      else if (versions[versions.length - 1]?.text !== text) {
        versions.push({ text, revision: snapshot.head });
        if (versions.length > 8) versions.splice(1, 1); // keep the promoted base
      }
    }
    rt.lastPhase = phase;
    if (phase === 'Succeeded') rt.forcedRollback = undefined;
    if (this.options.shadow) return;
    if (phase === 'Succeeded' && o.declared.skipAnalysis === true) {
      const by = rt.forcedPromote?.by;
      await this.overrideCommit(
        rt,
        { kind: 'canary-skip-analysis', skipAnalysis: false },
        {
          description: 'reset skipAnalysis after the forced promotion succeeded',
          by: undefined,
          reason: by ? `forced promote by ${by.name} finished` : 'release finished',
        },
      ).catch((e) => this.error(e, ref.name));
      rt.forcedPromote = undefined;
    }
    const base = rt.templateVersions[0];
    // one revert per failed release (identified by Flagger's checksum, else by the failed file)
    const checksum = o.canary.checksum ?? text ?? '';
    if (phase === 'Failed' && base && text !== undefined && !rt.pending && rt.revertedChecksum !== checksum) {
      const reverted = this.deps.manifests.apply(ref, text, { kind: 'pod-template', fromText: base.text });
      rt.revertedChecksum = checksum;
      if (reverted === text) return;
      const forced = rt.forcedRollback;
      await this.overrideCommit(
        rt,
        { kind: 'pod-template', fromText: base.text },
        {
          description: `revert the pod template to the last promoted one (${short(base.revision)}) after the rollback`,
          by: forced?.by,
          reason: forced
            ? `forced rollback of checksum ${forced.checksum} by ${forced.by.name}`
            : 'Flagger rolled the release back',
          action: { type: 'canary', verb: 'rollback', ...(forced ? { forced: true } : {}) },
        },
        deploymentFile,
      ).catch((e) => {
        rt.revertedChecksum = undefined;
        this.error(e, ref.name);
      });
      rt.forcedRollback = undefined;
    }
  }

  // ---------------------------------------------------------------- human overrides

  /**
   * A person's override, as a commit attributed to them (the agent stays the committer). Pause and
   * resume are annotations on the target's object, so a restart keeps them; global pause/resume is
   * agent state (it affects no object).
   */
  override(request: OverrideRequest, by: Person): Promise<OverrideResult> {
    const run = this.queue.then(() => this.applyOverride(request, by));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits the pause file in the person's name (the agent stays the committer). No commit in
   * shadow mode, without a pause file, or when git already says so.
   */
  private async commitGlobalPause(
    paused: boolean,
    by: Person,
    now: number,
    reason: string | undefined,
  ): Promise<string | undefined> {
    const doc = this.deps.pauseDocument;
    if (!doc || this.options.shadow) return undefined;
    const t0 = this.deps.clock.now();
    const description = `${paused ? 'pause' : 'resume'} all targets`;
    const outcome = await this.deps.repo.commit(
      globalPausePlanner({
        doc,
        paused,
        by,
        atMs: now,
        ...(reason !== undefined ? { reason } : {}),
        messages: this.messages,
      }),
    );
    if (outcome.kind !== 'committed') return undefined;
    this.publishCommit(outcome, {
      targets: ['*'],
      subject: `*: ${description}`,
      author: by.name,
      decisionIds: [],
      durationMs: this.deps.clock.now() - t0,
    });
    return outcome.sha;
  }

  private async applyOverride(req: OverrideRequest, by: Person): Promise<OverrideResult> {
    const now = this.deps.clock.now();
    if (req.target === undefined) {
      if (req.action !== 'pause' && req.action !== 'resume') {
        throw new MaestroError('INPUT_INVALID', `${req.action} needs a target`, {
          data: { action: req.action },
        });
      }
      const paused = req.action === 'pause';
      // a pause holds at once, even if its commit then fails (the person sees the error); a resume
      // only once committed, so a failed resume never leaves the agent acting against git's pause
      if (paused) this.pauseRequested = true;
      const sha = await this.commitGlobalPause(paused, by, now, req.reason);
      this.pauseRequested = paused;
      const result = {
        target: '*',
        action: req.action,
        ...(sha ? { sha } : {}),
        message: `all targets ${req.action}d by ${by.name}`,
      };
      this.state.publish({
        type: 'override',
        override: {
          target: '*',
          action: req.action,
          by: by.name,
          at: now,
          result: result.message,
          ...(req.reason ? { reason: req.reason } : {}),
        },
      });
      this.state.publish({ type: 'status', status: this.status() });
      for (const rt of this.runtimes.values()) this.publishTarget(rt);
      return result;
    }
    const rt = this.runtimes.get(req.target);
    if (!rt)
      throw new MaestroError('NOT_FOUND', `no target named ${req.target}`, { data: { target: req.target } });
    const ref = rt.target.ref;
    if (req.action === 'rollback' || req.action === 'promote') {
      if (ref.kind !== 'flagger-canary') {
        throw new MaestroError('INPUT_INVALID', `${ref.name} is not a canary target`, {
          data: { field: 'action', target: ref.name },
        });
      }
      const seen = this.gates.lastSeen(ref.namespace, ref.resourceName);
      const checksum = rt.lastObservation?.canary?.checksum ?? seen?.checksum;
      const phase = rt.lastObservation?.canary?.phase;
      if (
        checksum === undefined ||
        (phase !== undefined && !['Progressing', 'Waiting', 'WaitingPromotion'].includes(phase))
      ) {
        throw new MaestroError(
          'INPUT_INVALID',
          `${ref.name} has no canary analysis in progress (phase ${phase ?? 'unknown'})`,
          { data: { target: ref.name, phase } },
        );
      }
      // the gate acts at once, for this release only
      this.gates.record(ref.namespace, ref.resourceName, checksum, {
        verb: req.action,
        decisionId: this.newId(),
        at: now,
        forced: { by: by.name },
      });
      if (req.action === 'rollback') {
        rt.forcedRollback = { checksum, by };
        return this.noteRollback(rt, by, `force rollback of checksum ${checksum}`, now, req.reason);
      }
      rt.forcedPromote = { checksum, by };
    }
    const { edit, description, action } = overrideEdit(
      rt.target,
      { action: req.action, ...(req.replicas !== undefined ? { replicas: req.replicas } : {}) },
      by.name,
      rt.lastObservation?.declared.maxReplicas,
    );
    const sha = await this.overrideCommit(rt, edit, {
      description,
      by,
      ...(req.reason ? { reason: req.reason } : {}),
      ...(action ? { action } : {}),
    });
    if (req.action === 'pause' || req.action === 'resume') rt.paused = req.action === 'pause';
    const message = `${ref.name}: ${description} by ${by.name}${sha ? ` (${short(sha)})` : ' (no change)'}`;
    this.state.publish({
      type: 'override',
      override: {
        target: ref.name,
        action: req.action,
        ...(req.replicas !== undefined ? { replicas: req.replicas } : {}),
        by: by.name,
        at: now,
        ...(sha ? { sha } : {}),
        result: message,
        ...(req.reason ? { reason: req.reason } : {}),
      },
    });
    this.publishTarget(rt);
    return { target: ref.name, action: req.action, ...(sha ? { sha } : {}), message };
  }

  /** A forced rollback acts through the gate at once; its commit (the template revert) follows the rollback. */
  private noteRollback(
    rt: TargetRuntime,
    by: Person,
    description: string,
    now: number,
    reason?: string,
  ): OverrideResult {
    const target = rt.target.ref.name;
    const message = `${target}: ${description} requested by ${by.name}; Flagger rolls back on its next tick`;
    this.state.publish({
      type: 'override',
      override: {
        target,
        action: 'rollback',
        by: by.name,
        at: now,
        result: message,
        ...(reason ? { reason } : {}),
      },
    });
    this.publishTarget(rt);
    return { target, action: 'rollback', message };
  }

  private async overrideCommit(
    rt: TargetRuntime,
    edit: ManifestEdit,
    info: { description: string; by: Person | undefined; reason?: string; action?: Action },
    file: string = rt.target.ref.file,
  ): Promise<string | undefined> {
    if (this.options.shadow) return undefined;
    const ref = rt.target.ref;
    const t0 = this.deps.clock.now();
    const obs = rt.lastObservation;
    const action = info.action;
    // the agent's own follow-up with an action (the revert after Flagger's rollback) is a decision,
    // recorded as one; a person's change is an override in their name
    const messages: CommitMessages =
      info.by || !obs || !action
        ? this.messages
        : {
            ...this.messages,
            forOverride: (o) =>
              this.messages.forDecisions([
                {
                  id: this.newId(),
                  target: ref.name,
                  at: t0,
                  basedOn: obs.declared.revision,
                  observation: obs,
                  policy: { name: 'maestro' },
                  proposed: action,
                  final: action,
                  interventions: [],
                  reasons: [o.description, ...(o.reason !== undefined ? [o.reason] : [])],
                },
              ]),
          };
    const outcome = await this.deps.repo.commit(
      overridePlanner({
        target: rt.target,
        file,
        plan: { edit, description: info.description, ...(action ? { action } : {}) },
        ...(info.by ? { by: info.by } : {}),
        agent: this.options.agent,
        ...(info.reason !== undefined ? { reason: info.reason } : {}),
        manifests: this.deps.manifests,
        messages,
      }),
    );
    if (outcome.kind !== 'committed') return undefined;
    rt.pending = { sha: outcome.sha, since: this.deps.clock.now(), ...expectFor(edit) };
    rt.headsSince = new Set();
    this.publishCommit(outcome, {
      targets: [ref.name],
      subject: `${ref.name}: ${info.description}`,
      author: info.by?.name ?? 'maestro',
      decisionIds: [],
      durationMs: this.deps.clock.now() - t0,
    });
    return outcome.sha;
  }

  // ---------------------------------------------------------------- publishing

  private publishDecision(d: DecisionRecord, sha: string | undefined): void {
    const url = sha ? this.options.commitUrl?.(sha) : undefined;
    const view: DecisionView = {
      id: d.id,
      target: d.target,
      at: d.at,
      basedOn: d.basedOn,
      policy: d.policy,
      proposed: describeAction(d.proposed),
      final: describeAction(d.final),
      finalAction: d.final,
      reasons: d.reasons,
      interventions: d.interventions.map((i) => ({ rule: i.rule, effect: i.effect, reason: i.reason })),
      ...(d.confidence !== undefined ? { confidence: d.confidence } : {}),
      ...(d.override ? { override: d.override } : {}),
      ...(sha ? { commit: { sha, ...(url ? { url } : {}) } } : {}),
      pushed: sha !== undefined,
    };
    this.state.publish({ type: 'decision', decision: view });
  }

  private publishCommit(
    outcome: Extract<CommitOutcome, { kind: 'committed' }>,
    info: { targets: string[]; subject: string; author: string; decisionIds: string[]; durationMs?: number },
  ): void {
    // pull-request mode: the PR is where people review the change
    const url = outcome.pullRequestUrl ?? this.options.commitUrl?.(outcome.sha);
    const commit: CommitView = {
      sha: outcome.sha,
      parent: outcome.parent,
      targets: info.targets,
      subject: info.subject,
      author: info.author,
      at: this.deps.clock.now(),
      attempts: outcome.attempts,
      durationMs: info.durationMs ?? outcome.durationMs,
      decisionIds: info.decisionIds,
      ...(url ? { url } : {}),
    };
    this.state.publish({ type: 'commit', commit });
  }

  private publishTarget(rt: TargetRuntime): void {
    this.state.publish({ type: 'target', target: this.view(rt.target.ref.name) });
  }

  private error(e: unknown, target: string | undefined): void {
    const err = isMaestroError(e)
      ? { code: e.code, message: e.message }
      : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
    const at = this.deps.clock.now();
    if (target) {
      const rt = this.runtimes.get(target);
      if (rt) rt.lastError = { ...err, at };
    }
    this.state.publish({ type: 'error', at, ...(target ? { target } : {}), ...err });
  }

  status(): AgentStatus {
    return {
      startedAt: this.startedAt,
      cycles: this.cycles,
      ...(this.lastCycleAt !== undefined ? { lastCycleAt: this.lastCycleAt } : {}),
      ...(this.lastCycleDurationMs !== undefined ? { lastCycleDurationMs: this.lastCycleDurationMs } : {}),
      cycleIntervalSeconds: this.options.cycleIntervalSeconds,
      globallyPaused: this.globallyPaused,
      shadow: this.options.shadow,
      ...(this.head !== undefined ? { head: this.head } : {}),
      ...(this.options.repoUrl !== undefined ? { repoUrl: this.options.repoUrl } : {}),
      metricsSource: this.options.metricsSource,
    };
  }

  view(name: string): TargetView {
    const rt = this.runtimes.get(name);
    if (!rt) throw new MaestroError('NOT_FOUND', `no target named ${name}`, { data: { target: name } });
    const t = rt.target;
    const o = rt.lastObservation;
    const paused = rt.paused || this.globallyPaused;
    const state: TargetView['state'] =
      o === undefined
        ? rt.lastError
          ? 'error'
          : 'starting'
        : paused
          ? 'paused'
          : this.options.shadow
            ? 'shadow'
            : rt.pending
              ? 'waiting'
              : rt.lastError && rt.lastError.at >= o.at
                ? 'error'
                : 'ok';
    const stateReason =
      state === 'paused'
        ? this.globallyPaused
          ? 'all targets paused'
          : 'paused by annotation in git'
        : state === 'waiting' && rt.pending
          ? `waiting for Flux to apply ${short(rt.pending.sha)}`
          : state === 'error'
            ? rt.lastError?.message
            : undefined;
    return {
      name: t.ref.name,
      kind: t.ref.kind,
      namespace: t.ref.namespace,
      file: t.ref.file,
      resource: t.ref.resourceName,
      policy: t.policy,
      fallback: t.fallback,
      minReplicas: t.minReplicas,
      maxReplicas: t.maxReplicas,
      slo: t.slo,
      state,
      ...(stateReason !== undefined ? { stateReason } : {}),
      paused,
      ...(rt.pending ? { pending: { sha: rt.pending.sha, since: rt.pending.since } } : {}),
      ...(o ? { declared: o.declared, last: toPoint(o) } : {}),
      ...(rt.lastError ? { lastError: rt.lastError } : {}),
    };
  }
}

function declaredOf(f: DeclaredFields): Omit<Observation['declared'], 'revision'> {
  const { paused: _paused, ...rest } = f;
  return rest;
}

function expectFor(edit: ManifestEdit): Pick<PendingChange, 'expectSpecReplicas'> {
  if (edit.kind === 'replicas') return { expectSpecReplicas: { equals: edit.replicas } };
  if (edit.kind === 'hpa-bounds') return { expectSpecReplicas: { atLeast: edit.minReplicas } };
  return {};
}
