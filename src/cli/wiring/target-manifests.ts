import type { Document } from 'yaml';
import { MaestroError } from '../../core/errors';
import type { TargetRef } from '../../core/ports';
import type { TargetKind } from '../../core/target';
import type { DeclaredFields, ManifestEdit, TargetManifests } from '../../loop/ports';
import {
  locateObject,
  parseManifests,
  readCanary,
  readDeployment,
  readHpa,
  removeAnnotation,
  restorePodTemplate,
  setAnnotation,
  setCanarySkipAnalysis,
  setCanaryStepWeight,
  setContainerImage,
  setDeploymentReplicas,
  setHpaBounds,
  validateCanaryManifest,
  type ManifestSource,
} from '../../manifests';

/**
 * The loop's TargetManifests port over src/manifests: reads go through its readers, every edit
 * through its surgical splice editors (only the edited text changes; the result is re-parsed and
 * verified): scalars, the pause annotations (`setAnnotation`/`removeAnnotation`, which also add or
 * drop the `annotations:` mapping) and the pod-template revert (`restorePodTemplate`).
 *
 * Pause is an annotation on the managed object (`maestro.dev/paused: "true"`, with
 * `maestro.dev/paused-by`), so a restart keeps it and `git log` shows who paused.
 *
 * Reads are remembered per target for the last texts seen (the loop reads every target's file
 * every cycle, mostly unchanged). The text an edit produced is remembered with the fields it
 * declares — the fields before the edit with the edited ones replaced — without parsing it again:
 * the editors verify that the new text parses to exactly the old object with those values set, so
 * this is what reading it would return. A file the agent itself changed is thus parsed only by the
 * editor in the next cycle.
 */
export const PAUSE_ANNOTATION = 'maestro.dev/paused';
export const PAUSED_BY_ANNOTATION = 'maestro.dev/paused-by';

const KIND_OF: Record<TargetKind, string> = {
  'deployment-replicas': 'Deployment',
  'hpa-bounds': 'HorizontalPodAutoscaler',
  'flagger-canary': 'Canary',
};

/** texts remembered per target: the one read this cycle and the one written for the next */
const TEXTS_PER_TARGET = 2;

const src = (target: TargetRef, text: string): ManifestSource => ({ file: target.file, text });
const named = (target: TargetRef) => ({ name: target.resourceName, namespace: target.namespace });

function locate(source: ManifestSource, kind: string, target: TargetRef): Document.Parsed {
  return locateObject(source, parseManifests(source), { kind, ...named(target) }).doc;
}

export function yamlTargetManifests(): TargetManifests {
  const known = new Map<string, Map<string, DeclaredFields>>();
  const keyOf = (t: TargetRef) => `${t.kind}\0${t.file}\0${t.namespace}\0${t.resourceName}`;
  const remember = (target: TargetRef, text: string, fields: DeclaredFields) => {
    const key = keyOf(target);
    const texts = known.get(key) ?? new Map<string, DeclaredFields>();
    texts.delete(text);
    texts.set(text, fields);
    for (const old of texts.keys()) if (texts.size > TEXTS_PER_TARGET) texts.delete(old);
    known.set(key, texts);
  };
  return {
    read(target: TargetRef, text: string): DeclaredFields {
      const hit = known.get(keyOf(target))?.get(text);
      if (hit) return hit;
      const fields = readFields(target, text);
      remember(target, text, fields);
      return fields;
    },

    apply(target: TargetRef, text: string, edit: ManifestEdit): string {
      const out = applyEdit(target, text, edit);
      const before = out === text ? undefined : known.get(keyOf(target))?.get(text);
      const after = before && fieldsAfter(before, edit);
      if (after) remember(target, out, after);
      return out;
    },
  };
}

function readFields(target: TargetRef, text: string): DeclaredFields {
  const source = src(target, text);
  const doc = locate(source, KIND_OF[target.kind], target);
  const paused = String(doc.getIn(['metadata', 'annotations', PAUSE_ANNOTATION]) ?? 'false') === 'true';
  switch (target.kind) {
    case 'deployment-replicas': {
      // Kubernetes' default when spec.replicas is absent
      const d = readDeployment(source, named(target));
      return { paused, replicas: d.replicas ?? 1 };
    }
    case 'hpa-bounds': {
      const h = readHpa(source, named(target));
      return { paused, minReplicas: h.minReplicas, maxReplicas: h.maxReplicas };
    }
    case 'flagger-canary': {
      const c = readCanary(source, named(target));
      return {
        paused,
        ...(c.analysis.stepWeight !== undefined ? { stepWeight: c.analysis.stepWeight } : {}),
        ...(c.analysis.maxWeight !== undefined ? { maxWeight: c.analysis.maxWeight } : {}),
        skipAnalysis: c.skipAnalysis,
      };
    }
  }
}

/**
 * What `readFields` returns for the text an edit produced, from what it returned before the edit;
 * undefined when the edit is not of the target's own object (the pod-template revert edits the
 * canary's Deployment file).
 */
function fieldsAfter(before: DeclaredFields, edit: ManifestEdit): DeclaredFields | undefined {
  switch (edit.kind) {
    case 'replicas':
      return { ...before, replicas: edit.replicas };
    case 'hpa-bounds':
      return { ...before, minReplicas: edit.minReplicas, maxReplicas: edit.maxReplicas };
    case 'canary-step-weight':
      return { ...before, stepWeight: edit.stepWeight };
    case 'canary-skip-analysis':
      return { ...before, skipAnalysis: edit.skipAnalysis };
    case 'paused':
      return { ...before, paused: edit.paused };
    case 'pod-template':
      return undefined;
  }
}

function applyEdit(target: TargetRef, text: string, edit: ManifestEdit): string {
  const source = src(target, text);
  switch (edit.kind) {
    case 'replicas':
      return setDeploymentReplicas(source, named(target), edit.replicas);
    case 'hpa-bounds':
      return setHpaBounds(source, named(target), {
        minReplicas: edit.minReplicas,
        maxReplicas: edit.maxReplicas,
      });
    case 'canary-step-weight':
      return validCanary(target, setCanaryStepWeight(source, named(target), edit.stepWeight));
    case 'canary-skip-analysis':
      return validCanary(target, setCanarySkipAnalysis(source, named(target), edit.skipAnalysis));
    case 'paused':
      return setPause(source, KIND_OF[target.kind], target, edit.paused, edit.by);
    case 'pod-template':
      return revertPodTemplate(source, target, edit.fromText);
  }
}

/** A Canary edit is committed only when the result still passes Flagger's CRD schema (a failing apply stalls Flux). */
function validCanary(target: TargetRef, text: string): string {
  const problems = validateCanaryManifest(src(target, text), named(target));
  if (problems.length > 0) {
    throw new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${target.file}: the edited Canary would fail Flagger's CRD schema: ${problems
        .map((p) => `${p.where} (line ${p.line}): ${p.message}`)
        .join('; ')}; nothing was written`,
      { data: { file: target.file, problems } },
    );
  }
  return text;
}

function setPause(
  source: ManifestSource,
  kind: string,
  target: TargetRef,
  paused: boolean,
  by: string,
): string {
  const ref = { kind, ...named(target) };
  if (paused) {
    const marked = setAnnotation(source, ref, PAUSE_ANNOTATION, 'true');
    return setAnnotation({ ...source, text: marked }, ref, PAUSED_BY_ANNOTATION, by);
  }
  const unmarked = removeAnnotation(source, ref, PAUSE_ANNOTATION);
  return removeAnnotation({ ...source, text: unmarked }, ref, PAUSED_BY_ANNOTATION);
}

/**
 * Puts the earlier pod template back. A release normally changes only image tags: then only those
 * scalars are spliced. Anything else (annotations, env) restores spec.template as a whole from the
 * earlier text (`restorePodTemplate`, comments included).
 */
function revertPodTemplate(source: ManifestSource, target: TargetRef, fromText: string): string {
  const name = deploymentName(source, target);
  const ref = { name, namespace: target.namespace };
  const from: ManifestSource = { file: `${source.file} (last promoted)`, text: fromText };
  const want = readDeployment(from, ref).containers;
  let out = source.text;
  for (const c of want) {
    const now = readDeployment({ ...source, text: out }, ref).containers.find((x) => x.name === c.name);
    if (now && now.image !== c.image) out = setContainerImage({ ...source, text: out }, ref, c.name, c.image);
  }
  // the same template → the same text
  return restorePodTemplate({ ...source, text: out }, ref, from);
}

/** The canary's Deployment in its file: the one named like the target, else the only one. */
function deploymentName(source: ManifestSource, target: TargetRef): string {
  const deployments = parseManifests(source).filter((d) => d.get('kind') === 'Deployment');
  const named = deployments.find((d) => d.getIn(['metadata', 'name']) === target.resourceName);
  const only = deployments.length === 1 ? deployments[0] : undefined;
  const name = (named ?? only)?.getIn(['metadata', 'name']);
  if (typeof name !== 'string') {
    throw new MaestroError(
      'MANIFEST_TARGET_NOT_FOUND',
      `${source.file}: no Deployment for canary ${target.name}`,
      {
        data: { file: source.file, target: target.name },
      },
    );
  }
  return name;
}
