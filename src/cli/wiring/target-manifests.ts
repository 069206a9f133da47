import { isMap, type Document } from 'yaml';
import { isMaestroError, MaestroError } from '../../core/errors';
import type { TargetRef } from '../../core/ports';
import type { TargetKind } from '../../core/target';
import type { DeclaredFields, ManifestEdit, TargetManifests } from '../../loop/ports';
import {
  editScalars,
  locateObject,
  parseManifests,
  readCanary,
  readDeployment,
  readHpa,
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
 * through its surgical splice editors (only the edited scalar changes; the result is re-parsed and
 * verified). Two edits have no scalar editor and use the `yaml` Document API on that one object:
 * adding the first annotation to an object without `metadata.annotations`, and a pod-template
 * revert that changes more than container images.
 *
 * Pause is an annotation on the managed object (`maestro.dev/paused: "true"`, with
 * `maestro.dev/paused-by`), so a restart keeps it and `git log` shows who paused.
 */
export const PAUSE_ANNOTATION = 'maestro.dev/paused';
export const PAUSED_BY_ANNOTATION = 'maestro.dev/paused-by';

const KIND_OF: Record<TargetKind, string> = {
  'deployment-replicas': 'Deployment',
  'hpa-bounds': 'HorizontalPodAutoscaler',
  'flagger-canary': 'Canary',
};

const src = (target: TargetRef, text: string): ManifestSource => ({ file: target.file, text });
const named = (target: TargetRef) => ({ name: target.resourceName, namespace: target.namespace });

function locate(source: ManifestSource, kind: string, target: TargetRef): Document.Parsed {
  return locateObject(source, parseManifests(source), { kind, ...named(target) }).doc;
}

export function yamlTargetManifests(): TargetManifests {
  return {
    read(target: TargetRef, text: string): DeclaredFields {
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
    },

    apply(target: TargetRef, text: string, edit: ManifestEdit): string {
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
    },
  };
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
  const doc = locate(source, kind, target);
  const has = doc.hasIn(['metadata', 'annotations', PAUSE_ANNOTATION]);
  if (!paused && !has) return source.text;
  if (paused) {
    try {
      return editScalars(source, { kind, ...named(target) }, [
        { path: ['metadata', 'annotations', PAUSE_ANNOTATION], value: 'true', insertIfMissing: true },
        { path: ['metadata', 'annotations', PAUSED_BY_ANNOTATION], value: by, insertIfMissing: true },
      ]);
    } catch (e) {
      // no metadata.annotations mapping yet: add it through the Document API
      if (!isMaestroError(e, 'MANIFEST_FIELD_MISSING')) throw e;
    }
  }
  return rewriteObject(source, kind, target, (d) => {
    if (paused) {
      d.setIn(['metadata', 'annotations', PAUSE_ANNOTATION], 'true');
      d.setIn(['metadata', 'annotations', PAUSED_BY_ANNOTATION], by);
      return;
    }
    d.deleteIn(['metadata', 'annotations', PAUSE_ANNOTATION]);
    d.deleteIn(['metadata', 'annotations', PAUSED_BY_ANNOTATION]);
    const ann = d.getIn(['metadata', 'annotations']);
    if (isMap(ann) && ann.items.length === 0) d.deleteIn(['metadata', 'annotations']);
  });
}

/**
 * Puts the earlier pod template back. A release normally changes only image tags: then only those
 * scalars are spliced. Anything else (annotations, env) replaces spec.template as a whole.
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
  const templateOf = (s: ManifestSource) =>
    JSON.stringify(locate(s, 'Deployment', { ...target, resourceName: name }).getIn(['spec', 'template']));
  if (templateOf({ ...source, text: out }) === templateOf(from)) return out;
  const template = locate(from, 'Deployment', { ...target, resourceName: name }).getIn(
    ['spec', 'template'],
    true,
  );
  if (template === undefined) {
    throw new MaestroError(
      'MANIFEST_FIELD_MISSING',
      `${from.file}: Deployment ${name} has no spec.template`,
      {
        data: { file: source.file },
      },
    );
  }
  return rewriteObject({ ...source, text: out }, 'Deployment', { ...target, resourceName: name }, (d) =>
    d.setIn(['spec', 'template'], template),
  );
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

/** Edits one object through the Document API and re-renders only that document. */
function rewriteObject(
  source: ManifestSource,
  kind: string,
  target: TargetRef,
  change: (d: Document.Parsed) => void,
): string {
  const docs = parseManifests(source);
  const located = locateObject(source, docs, { kind, ...named(target) });
  const doc = located.doc;
  const before = doc.toString();
  change(doc);
  const after = doc.toString();
  if (after === before) return source.text;
  const [start, , end] = doc.range;
  const original = source.text.slice(start, end);
  // keep the document separators and neighbours byte-identical; only this document is re-rendered
  const rendered = original.endsWith('\n') || !after.endsWith('\n') ? after : after.slice(0, -1);
  return source.text.slice(0, start) + rendered + source.text.slice(end);
}
