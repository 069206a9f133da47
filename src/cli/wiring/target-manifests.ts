import { isMap, parseAllDocuments, type Document } from 'yaml';
import { MaestroError } from '../../core/errors';
import type { TargetRef } from '../../core/ports';
import type { TargetKind } from '../../core/target';
import type { DeclaredFields, ManifestEdit, TargetManifests } from '../../loop/ports';

/**
 * The loop's TargetManifests port over the `yaml` library's Document API, which edits nodes in place
 * and keeps comments, order and layout of everything it does not touch.
 *
 * NOTE for the coordinator: the dedicated editors of src/manifests (issue 3) had not landed when the
 * demo was wired; this adapter is the seam where they plug in. It finds the object by kind and
 * metadata.name in a (possibly multi-document) file, reads the fields the loop needs, and sets them.
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

function parse(text: string, file: string): Document[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return [];
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      throw new MaestroError(
        'YAML_PARSE',
        `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`,
        {
          data: { file, line: e.linePos?.[0]?.line },
        },
      );
    }
  }
  return docs;
}

function find(docs: Document[], kind: string, name: string, file: string): Document {
  const matches = docs.filter((d) => d.get('kind') === kind && d.getIn(['metadata', 'name']) === name);
  if (matches.length === 0) {
    throw new MaestroError('MANIFEST_TARGET_NOT_FOUND', `${file}: no ${kind} named ${name}`, {
      data: { file, kind, name },
    });
  }
  if (matches.length > 1) {
    throw new MaestroError(
      'MANIFEST_TARGET_AMBIGUOUS',
      `${file}: ${matches.length} objects ${kind}/${name}`,
      {
        data: { file, kind, name },
      },
    );
  }
  return matches[0]!;
}

function num(d: Document, path: readonly (string | number)[], file: string): number | undefined {
  const v = d.getIn(path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${file}: ${path.join('.')} must be a number, found ${JSON.stringify(v)}`,
      {
        data: { file, field: path.join('.') },
      },
    );
  }
  return v;
}

function render(docs: Document[]): string {
  return docs.map((d, i) => (i === 0 ? d.toString() : `---\n${d.toString()}`)).join('');
}

export function yamlTargetManifests(): TargetManifests {
  return {
    read(target: TargetRef, text: string): DeclaredFields {
      const docs = parse(text, target.file);
      const d = find(docs, KIND_OF[target.kind], target.resourceName, target.file);
      const paused = String(d.getIn(['metadata', 'annotations', PAUSE_ANNOTATION]) ?? 'false') === 'true';
      const out: { -readonly [K in keyof DeclaredFields]: DeclaredFields[K] } = { paused };
      const set = <K extends keyof DeclaredFields>(k: K, v: DeclaredFields[K] | undefined) => {
        if (v !== undefined) out[k] = v;
      };
      switch (target.kind) {
        case 'deployment-replicas':
          set('replicas', num(d, ['spec', 'replicas'], target.file) ?? 1);
          break;
        case 'hpa-bounds':
          set('minReplicas', num(d, ['spec', 'minReplicas'], target.file) ?? 1);
          set('maxReplicas', num(d, ['spec', 'maxReplicas'], target.file));
          break;
        case 'flagger-canary': {
          set('stepWeight', num(d, ['spec', 'analysis', 'stepWeight'], target.file));
          set('maxWeight', num(d, ['spec', 'analysis', 'maxWeight'], target.file));
          const skip = d.getIn(['spec', 'skipAnalysis']);
          set('skipAnalysis', skip === true);
          break;
        }
      }
      return out;
    },

    apply(target: TargetRef, text: string, edit: ManifestEdit): string {
      const docs = parse(text, target.file);
      const kind = edit.kind === 'pod-template' ? 'Deployment' : KIND_OF[target.kind];
      const name = edit.kind === 'pod-template' ? deploymentName(docs, target) : target.resourceName;
      const d = find(docs, kind, name, target.file);
      const before = render(docs);
      switch (edit.kind) {
        case 'replicas':
          d.setIn(['spec', 'replicas'], edit.replicas);
          break;
        case 'hpa-bounds':
          d.setIn(['spec', 'minReplicas'], edit.minReplicas);
          d.setIn(['spec', 'maxReplicas'], edit.maxReplicas);
          break;
        case 'canary-step-weight':
          d.setIn(['spec', 'analysis', 'stepWeight'], edit.stepWeight);
          break;
        case 'canary-skip-analysis':
          d.setIn(['spec', 'skipAnalysis'], edit.skipAnalysis);
          break;
        case 'paused':
          if (edit.paused) {
            d.setIn(['metadata', 'annotations', PAUSE_ANNOTATION], 'true');
            d.setIn(['metadata', 'annotations', PAUSED_BY_ANNOTATION], edit.by);
          } else if (d.hasIn(['metadata', 'annotations', PAUSE_ANNOTATION])) {
            d.deleteIn(['metadata', 'annotations', PAUSE_ANNOTATION]);
            d.deleteIn(['metadata', 'annotations', PAUSED_BY_ANNOTATION]);
            const ann = d.getIn(['metadata', 'annotations']);
            if (isMap(ann) && ann.items.length === 0) d.deleteIn(['metadata', 'annotations']);
          }
          break;
        case 'pod-template': {
          const from = find(parse(edit.fromText, target.file), 'Deployment', name, target.file);
          const template = from.getIn(['spec', 'template'], true);
          if (template === undefined) {
            throw new MaestroError(
              'MANIFEST_FIELD_MISSING',
              `${target.file}: the earlier Deployment has no spec.template`,
              {
                data: { file: target.file },
              },
            );
          }
          d.setIn(['spec', 'template'], template);
          break;
        }
      }
      const after = render(docs);
      return after === before ? text : after;
    },
  };
}

/** A canary's Deployment: spec.targetRef.name of the Canary, which the pod-template edit reads from the Deployment file itself. */
function deploymentName(docs: Document[], target: TargetRef): string {
  const deployments = docs.filter((d) => d.get('kind') === 'Deployment');
  const named = deployments.find((d) => d.getIn(['metadata', 'name']) === target.resourceName);
  const only = deployments.length === 1 ? deployments[0] : undefined;
  const name = (named ?? only)?.getIn(['metadata', 'name']);
  if (typeof name !== 'string') {
    throw new MaestroError('MANIFEST_TARGET_NOT_FOUND', `no Deployment for canary ${target.name}`, {
      data: { target: target.name },
    });
  }
  return name;
}
