import { createHash } from 'node:crypto';
import type { Action } from '../../src/core/action';
import type { PolicyOutput } from '../../src/core/decision';
import { MaestroError } from '../../src/core/errors';
import type { ActionHistory, GuardrailLimits, GuardResult } from '../../src/core/guardrail-types';
import type { CanaryObservation, Observation, ServiceMetrics } from '../../src/core/observation';
import type { Policy } from '../../src/core/policy';
import type {
  Clock,
  CommitOutcome,
  CommitPlanner,
  ConfigRepo,
  MetricsReading,
  MetricsSource,
  Person,
  RepoSnapshot,
  TargetRef,
} from '../../src/core/ports';
import { noData, value, type Sample } from '../../src/core/sample';
import type {
  CommitMessages,
  DeclaredFields,
  LoopTarget,
  ManifestEdit,
  TargetManifests,
} from '../../src/loop/ports';

/**
 * Test doubles for the loop's ports, for unit tests that step the loop one tick at a time. The
 * integration tests (test/integration/loop) run the same loop against the real git server,
 * manifests editor and guardrails.
 */

/** A clock tests move by hand; sleep resolves immediately after advancing. */
export class ManualClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 23, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  }
}

export interface MemCommit {
  readonly sha: string;
  readonly parent: string;
  readonly message: string;
  readonly author?: Person;
  readonly files: Record<string, string>;
}

/** A branch in memory with the ConfigRepo contract: planner re-run on fresh state after a lost race. */
export class MemoryRepo implements ConfigRepo {
  readonly commits: MemCommit[] = [];
  /** called before each push attempt; may move the branch to simulate a lost race */
  beforePush?: (attempt: number) => void;
  failNext?: MaestroError;

  constructor(files: Record<string, string>) {
    this.commits.push({ sha: sha('root'), parent: '', message: 'initial', files: { ...files } });
  }

  get head(): MemCommit {
    return this.commits[this.commits.length - 1]!;
  }

  /** A commit made by someone else (a person, another agent). */
  external(path: string, content: string, message = 'external change'): string {
    const files = { ...this.head.files, [path]: content };
    const c = { sha: sha(`${this.commits.length}:${message}`), parent: this.head.sha, message, files };
    this.commits.push(c);
    return c.sha;
  }

  async snapshot(): Promise<RepoSnapshot> {
    const c = this.head;
    return { head: c.sha, readFile: async (p) => c.files[p] };
  }

  async commit(planner: CommitPlanner): Promise<CommitOutcome> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    for (let attempt = 1; attempt <= 5; attempt++) {
      const base = this.head;
      const planned = await planner({ head: base.sha, readFile: async (p) => base.files[p] }, attempt);
      if (!planned) return { kind: 'no-change', head: base.sha, attempts: attempt };
      this.beforePush?.(attempt);
      if (this.head.sha !== base.sha) continue; // lost the race: re-plan on the new head
      const files = { ...base.files };
      for (const f of planned.files) files[f.path] = f.content;
      const c: MemCommit = {
        sha: sha(`${this.commits.length}:${planned.message}`),
        parent: base.sha,
        message: planned.message,
        ...(planned.author ? { author: planned.author } : {}),
        files,
      };
      this.commits.push(c);
      return { kind: 'committed', sha: c.sha, parent: base.sha, attempts: attempt, durationMs: 1 };
    }
    throw new MaestroError('GIT_PUSH_REJECTED', 'lost the push race 5 times');
  }
}

function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** Target files as JSON text: the port contract without YAML (the real editor has its own tests). */
export const jsonManifests: TargetManifests = {
  read(_t: TargetRef, text: string): DeclaredFields {
    const o = JSON.parse(text) as Record<string, unknown>;
    const { paused, ...rest } = o;
    return { ...(rest as Omit<DeclaredFields, 'paused'>), paused: paused === true };
  },
  apply(_t: TargetRef, text: string, edit: ManifestEdit): string {
    const o = JSON.parse(text) as Record<string, unknown>;
    switch (edit.kind) {
      case 'replicas':
        o.replicas = edit.replicas;
        break;
      case 'hpa-bounds':
        o.minReplicas = edit.minReplicas;
        o.maxReplicas = edit.maxReplicas;
        break;
      case 'canary-step-weight':
        o.stepWeight = edit.stepWeight;
        break;
      case 'canary-skip-analysis':
        o.skipAnalysis = edit.skipAnalysis;
        break;
      case 'paused':
        o.paused = edit.paused;
        break;
      case 'pod-template':
        o.template = (JSON.parse(edit.fromText) as Record<string, unknown>).template;
        break;
    }
    const out = JSON.stringify(o);
    return out === JSON.stringify(JSON.parse(text)) ? text : out;
  },
};

export const plainMessages: CommitMessages = {
  forDecisions: (ds) =>
    `maestro: ${ds.map((d) => `${d.target} ${JSON.stringify(d.final)}`).join(', ')}\n\n${ds.map((d) => `Maestro-Decision-Id: ${d.id}`).join('\n')}`,
  forOverride: (o) => `maestro override: ${o.target} ${o.description} by ${o.by.name}`,
};

/** Guardrails that change nothing (the real ones have their own tests). */
export const passGuard = (p: Action, _o: Observation, _h: ActionHistory, l: GuardrailLimits): GuardResult =>
  l.paused
    ? {
        action: { type: 'hold' },
        interventions: [{ rule: 'pause', effect: 'vetoed', from: p, to: { type: 'hold' }, reason: 'paused' }],
      }
    : { action: p, interventions: [] };

export function fixedPolicy(name: string, action: () => Action, explanation = ['fixed']): Policy {
  return { name, decide: (): PolicyOutput => ({ action: action(), explanation }) };
}

export function limits(over: Partial<GuardrailLimits> = {}): GuardrailLimits {
  return {
    minReplicas: 1,
    maxReplicas: 20,
    maxStepUp: 4,
    maxStepDown: 2,
    scaleUpCooldownSeconds: 60,
    scaleDownCooldownSeconds: 300,
    maxCommitsPerHour: 30,
    stalenessSeconds: 120,
    sloP95Ms: 250,
    sloErrorRate: 0.01,
    hardP95Ms: 375,
    scaleDownSloMargin: 0.1,
    forcedScaleUpStep: 2,
    canaryErrorRateHardLimit: 0.05,
    canaryMaxStepWeight: 25,
    freezeWindows: [],
    paused: false,
    ...over,
  };
}

export function target(name: string, kind: LoopTarget['ref']['kind'] = 'deployment-replicas'): LoopTarget {
  return {
    ref: { name, kind, file: `apps/${name}.json`, namespace: 'shop', resourceName: name },
    policy: kind === 'flagger-canary' ? 'flagger' : 'hpa',
    fallback: kind === 'flagger-canary' ? 'flagger' : 'hpa',
    minReplicas: 1,
    maxReplicas: 20,
    slo: { p95Ms: 250, errorRate: 0.01 },
    limits: limits(),
  };
}

export interface FakeReading {
  specReplicas?: number;
  readyReplicas?: number;
  rps?: number;
  p95?: number;
  appliedRevision?: string;
  canary?: { weight: number; phase: CanaryObservation['phase']; checksum?: string; errorRate?: number };
}

/** A metrics source whose readings the test sets per target. */
export class FakeMetrics implements MetricsSource {
  readonly readings = new Map<string, FakeReading>();
  async read(t: TargetRef, nowMs: number): Promise<MetricsReading> {
    const r = this.readings.get(t.name) ?? {};
    const s = (v: number | undefined): Sample => (v === undefined ? noData('missing') : value(v, nowMs));
    const service: ServiceMetrics = {
      cpuUtilization: s(0.5),
      memoryBytes: s(1e8),
      readyReplicas: s(r.readyReplicas ?? r.specReplicas),
      specReplicas: s(r.specReplicas),
      rps: s(r.rps ?? 100),
      p95LatencyMs: s(r.p95 ?? 100),
      p99LatencyMs: s(r.p95 ?? 100),
      errorRate: s(0),
    };
    const vm = {
      rps: s(10),
      p95LatencyMs: s(100),
      p99LatencyMs: s(120),
      errorRate: s(r.canary?.errorRate ?? 0),
    };
    return {
      service,
      ...(r.canary
        ? {
            canary: {
              weight: s(r.canary.weight),
              phase: r.canary.phase,
              ...(r.canary.checksum ? { checksum: r.canary.checksum } : {}),
              canary: vm,
              primary: vm,
            },
          }
        : {}),
      ...(r.appliedRevision ? { appliedRevision: r.appliedRevision } : {}),
    };
  }
}
