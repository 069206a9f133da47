import { MaestroError } from '../core/errors';
import { canarySchemaProblems } from './canary-schema';
import type { NamedObject } from './deployment-manifest';
import { describeRef, formatPath, type ManifestSource } from './manifest-source';
import { objectFields, entryIndexByName, type ObjectFields } from './read-fields';
import { editScalars, type EditCheck, type ScalarEdit } from './splice-edit';

/** A reference to another object (`spec.targetRef`, `spec.autoscalerRef`). */
export interface ObjectReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name: string;
}

/** `spec.analysis` as declared; absent fields are undefined (Flagger's defaults are not filled in). */
export interface CanaryAnalysis {
  /** e.g. `1m`; Flagger's default 60s, floor 10s */
  readonly interval?: string;
  /** failed checks before rollback; Flagger's default 1 */
  readonly threshold?: number;
  /** percent per step */
  readonly stepWeight?: number;
  /** percent, the list of weights to walk */
  readonly stepWeights?: readonly number[];
  /** percent; Flagger's default 100 */
  readonly maxWeight?: number;
  /** A/B testing and blue/green runs */
  readonly iterations?: number;
}

export interface CanaryWebhook {
  readonly name: string;
  /** Flagger's hook type; undefined means `rollout` */
  readonly type?: string;
  readonly url: string;
}

/** What the agent reads from a Flagger Canary. */
export interface CanaryState {
  readonly targetRef: ObjectReference;
  readonly autoscalerRef?: ObjectReference;
  readonly analysis: CanaryAnalysis;
  readonly skipAnalysis: boolean;
  readonly webhooks: readonly CanaryWebhook[];
  readonly line: number;
}

const canary = (ref: NamedObject) => ({ kind: 'Canary', ...ref });
const ANALYSIS = ['spec', 'analysis'] as const;
const WEBHOOKS = [...ANALYSIS, 'webhooks'] as const;

function reference(f: ObjectFields, key: string): ObjectReference | undefined {
  const name = f.string(['spec', key, 'name']);
  if (name === undefined) return undefined;
  const apiVersion = f.string(['spec', key, 'apiVersion']);
  const kind = f.string(['spec', key, 'kind']);
  return {
    ...(apiVersion === undefined ? {} : { apiVersion }),
    ...(kind === undefined ? {} : { kind }),
    name,
  };
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function readCanary(source: ManifestSource, ref: NamedObject): CanaryState {
  const f = objectFields(source, canary(ref));
  const targetRef = reference(f, 'targetRef');
  if (targetRef === undefined)
    throw f.invalid(['spec', 'targetRef', 'name'], 'is required by the Flagger CRD');
  let stepWeights: number[] | undefined;
  if (f.has([...ANALYSIS, 'stepWeights'])) {
    stepWeights = [];
    for (let i = 0; i < f.listLength([...ANALYSIS, 'stepWeights']); i += 1) {
      stepWeights.push(f.number([...ANALYSIS, 'stepWeights', i]) ?? NaN);
    }
  }
  const analysis: CanaryAnalysis = defined({
    interval: f.string([...ANALYSIS, 'interval']),
    threshold: f.number([...ANALYSIS, 'threshold']),
    stepWeight: f.number([...ANALYSIS, 'stepWeight']),
    stepWeights,
    maxWeight: f.number([...ANALYSIS, 'maxWeight']),
    iterations: f.number([...ANALYSIS, 'iterations']),
  });
  const webhooks: CanaryWebhook[] = [];
  for (let i = 0; i < f.listLength(WEBHOOKS); i += 1) {
    const type = f.string([...WEBHOOKS, i, 'type']);
    webhooks.push({
      name: f.string([...WEBHOOKS, i, 'name']) ?? '',
      ...(type === undefined ? {} : { type }),
      url: f.string([...WEBHOOKS, i, 'url']) ?? '',
    });
  }
  const autoscalerRef = reference(f, 'autoscalerRef');
  return {
    targetRef,
    ...(autoscalerRef === undefined ? {} : { autoscalerRef }),
    analysis,
    skipAnalysis: f.boolean(['spec', 'skipAnalysis']) ?? false,
    webhooks,
    line: f.line,
  };
}

/**
 * Refuses an edit that would leave the Canary invalid under Flagger's CRD (or MAESTRO's weight rules):
 * Flux could not apply it and every later commit would be stuck behind it.
 */
const schemaCheck: EditCheck = (after, before, { source, ref, lineAt }) => {
  const problems = canarySchemaProblems(after);
  if (problems.length === 0) return;
  const first = problems[0]!;
  const line = lineAt(first.at);
  const already =
    canarySchemaProblems(before).length > 0
      ? ' (the Canary in the file is already invalid: fix it by hand first)'
      : '';
  throw new MaestroError(
    'MANIFEST_SCHEMA_INVALID',
    `${source.file}:${line}: ${describeRef(ref)}: the edit would make the Canary invalid${already}: ` +
      `${problems.map((p) => `${p.path} ${p.message}`).join('; ')}. Nothing was written.`,
    {
      data: {
        file: source.file,
        line,
        kind: ref.kind,
        namespace: ref.namespace,
        name: ref.name,
        path: first.path,
        problems,
      },
    },
  );
};

function editCanary(source: ManifestSource, ref: NamedObject, edits: readonly ScalarEdit[]): string {
  return editScalars(source, canary(ref), edits, schemaCheck);
}

function requireWeight(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/**
 * Sets `spec.analysis.stepWeight` (inserted after the last analysis field when absent). Refused when
 * the analysis uses `stepWeights` or `iterations`: the CRD allows exactly one of the three.
 */
export function setCanaryStepWeight(source: ManifestSource, ref: NamedObject, stepWeight: number): string {
  requireWeight('stepWeight', stepWeight);
  return editCanary(source, ref, [
    { path: [...ANALYSIS, 'stepWeight'], value: stepWeight, insertIfMissing: true },
  ]);
}

/**
 * Sets `spec.analysis.maxWeight` (inserted when absent). Lowering it to or below the live canary
 * weight starts promotion on the next passing tick: call `checkCanaryEditHazards` first.
 */
export function setCanaryMaxWeight(source: ManifestSource, ref: NamedObject, maxWeight: number): string {
  requireWeight('maxWeight', maxWeight);
  return editCanary(source, ref, [
    { path: [...ANALYSIS, 'maxWeight'], value: maxWeight, insertIfMissing: true },
  ]);
}

/**
 * Sets `spec.skipAnalysis` (inserted after the last spec field when absent). `true` promotes on the
 * next tick without metrics or gates; set it back to `false` after the release succeeded (DESIGN-NOTES).
 */
export function setCanarySkipAnalysis(
  source: ManifestSource,
  ref: NamedObject,
  skipAnalysis: boolean,
): string {
  return editCanary(source, ref, [
    { path: ['spec', 'skipAnalysis'], value: skipAnalysis, insertIfMissing: true },
  ]);
}

/** Sets the `url` of the webhook named `webhook` in `spec.analysis.webhooks`; the webhook must exist. */
export function setCanaryWebhookUrl(
  source: ManifestSource,
  ref: NamedObject,
  webhook: string,
  url: string,
): string {
  if (!/^https?:\/\/\S+$/.test(url))
    throw new RangeError(`webhook url must be http(s)://…, got ${JSON.stringify(url)}`);
  const f = objectFields(source, canary(ref));
  const i = entryIndexByName(f, WEBHOOKS, webhook, 'webhook');
  return editCanary(source, ref, [{ path: [...WEBHOOKS, i, 'url'], value: url }]);
}

/** The schema problems of the Canary as it is in the file (empty when valid), for `maestro validate`-like checks. */
export function validateCanaryManifest(source: ManifestSource, ref: NamedObject) {
  const f = objectFields(source, canary(ref));
  return canarySchemaProblems(f.doc.toJS()).map((p) => ({
    ...p,
    line: f.lineAt(p.at),
    where: formatPath(p.at),
  }));
}
