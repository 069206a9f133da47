import { isMap, type Node, type YAMLMap } from 'yaml';
import { locateObject } from './locate-object';
import type { ManifestSource } from './manifest-source';
import { offsetOfPath } from './node-position';
import { parseManifests } from './parse-manifests';
import { objectFields, entryIndexByName } from './read-fields';
import { editScalars, endOfLastValue, fieldError, sameValue, spliceVerified } from './splice-edit';

/** Which Deployment: by name, and by namespace unless the manifest leaves it to kustomize. */
export interface NamedObject {
  readonly name: string;
  readonly namespace?: string;
}

/** One container of the pod template. */
export interface ContainerImage {
  readonly name: string;
  readonly image: string;
}

/** What the agent reads from a Deployment. */
export interface DeploymentState {
  /** spec.replicas; undefined when absent (Kubernetes then defaults to 1, or an HPA/Flagger owns it) */
  readonly replicas?: number;
  readonly containers: readonly ContainerImage[];
  /** 1-based line of the object in its file */
  readonly line: number;
}

const deployment = (ref: NamedObject) => ({ kind: 'Deployment', ...ref });
const CONTAINERS = ['spec', 'template', 'spec', 'containers'] as const;

export function readDeployment(source: ManifestSource, ref: NamedObject): DeploymentState {
  const f = objectFields(source, deployment(ref));
  const replicas = f.integer(['spec', 'replicas']);
  const containers: ContainerImage[] = [];
  for (let i = 0; i < f.listLength(CONTAINERS); i += 1) {
    containers.push({
      name: f.string([...CONTAINERS, i, 'name']) ?? '',
      image: f.string([...CONTAINERS, i, 'image']) ?? '',
    });
  }
  return { ...(replicas === undefined ? {} : { replicas }), containers, line: f.line };
}

/**
 * Sets `spec.replicas` of a Deployment. Refuses (MANIFEST_FIELD_MISSING) when the Deployment has
 * no `spec.replicas`: such a Deployment is almost always scaled by an HPA or is a Flagger target,
 * and DESIGN-NOTES forbids keeping `spec.replicas` in git for a Flagger target (Flux would scale the
 * canary back up after Flagger zeroes it). Scale those through the HPA bounds; to let MAESTRO own a
 * plain Deployment's replicas, commit `replicas: N` once by hand.
 */
export function setDeploymentReplicas(source: ManifestSource, ref: NamedObject, replicas: number): string {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`replicas must be a non-negative integer, got ${replicas}`);
  }
  return editScalars(source, deployment(ref), [
    {
      path: ['spec', 'replicas'],
      value: replicas,
      missingHint:
        'is not set. A Deployment without spec.replicas is scaled by an HPA or is a Flagger target, and ' +
        'spec.replicas must never be kept in git for a Flagger target (DESIGN-NOTES, "Canaries"): scale it ' +
        'through the HPA bounds instead, or add `replicas: N` by hand if MAESTRO should own this Deployment',
    },
  ]);
}

/**
 * Sets the image of the container named `container` in the pod template (the rollback write-back:
 * put the last promoted image back so git matches what Flagger runs).
 */
export function setContainerImage(
  source: ManifestSource,
  ref: NamedObject,
  container: string,
  image: string,
): string {
  if (image.trim() === '' || /\s/.test(image))
    throw new RangeError(`not a container image reference: ${JSON.stringify(image)}`);
  const f = objectFields(source, deployment(ref));
  const i = entryIndexByName(f, CONTAINERS, container, 'container');
  return editScalars(source, deployment(ref), [{ path: [...CONTAINERS, i, 'image'], value: image }]);
}

/**
 * Puts back the pod template (`spec.template`) of an earlier version of the same Deployment, given
 * that version's file text — the revert MAESTRO commits after a Flagger rollback, so git matches the
 * primary again. A template whose hash equals Flagger's `lastPromotedSpec` starts no new canary run
 * (DESIGN-NOTES). The earlier template's text, comments included, replaces the current one, shifted
 * to the current indentation; the rest of the file is untouched. Same template → the same text.
 */
export function restorePodTemplate(
  source: ManifestSource,
  ref: NamedObject,
  earlier: ManifestSource,
): string {
  const docs = parseManifests(source);
  const target = locateObject(source, docs, deployment(ref));
  const old = locateObject(earlier, parseManifests(earlier), deployment(ref));
  const path = ['spec', 'template'];
  const current = target.doc.getIn(path, true) as Node | undefined;
  const previous = old.doc.getIn(path, true) as Node | undefined;
  for (const [node, src, doc] of [
    [current, source, target.doc],
    [previous, earlier, old.doc],
  ] as const) {
    if (!isMap(node) || node.flow || !node.range) {
      throw fieldError(
        'MANIFEST_FIELD_MISSING',
        src,
        deployment(ref),
        path,
        offsetOfPath(doc, path) ?? 0,
        'must be a block mapping (the pod template) in both versions; revert it by hand',
      );
    }
  }
  const cur = current as YAMLMap;
  const prev = previous as YAMLMap;
  const before = target.doc.toJS() as { spec: Record<string, unknown> };
  const wanted = old.doc.toJS() as { spec: Record<string, unknown> };
  if (sameValue(before.spec['template'], wanted.spec['template'])) return source.text;
  const column = (text: string, at: number) => at - (text.lastIndexOf('\n', at - 1) + 1);
  const shift = column(source.text, cur.range![0]) - column(earlier.text, prev.range![0]);
  const block = earlier.text.slice(prev.range![0], endOfLine(earlier.text, endOfLastValue(prev)));
  const newline = source.text.includes('\r\n') ? '\r\n' : '\n';
  const lines = block.split(/\r?\n/).map((line, i) => {
    if (i === 0 || line.trim() === '') return line;
    if (shift >= 0) return ' '.repeat(shift) + line;
    return line.startsWith(' '.repeat(-shift)) ? line.slice(-shift) : line;
  });
  const expected = { ...before, spec: { ...before.spec, template: wanted.spec['template'] } };
  const splice = {
    start: cur.range![0],
    end: endOfLine(source.text, endOfLastValue(cur)),
    text: lines.join(newline),
  };
  return spliceVerified(source, deployment(ref), docs, target.index, [splice], expected);
}

/** End of the line holding `offset`, before its line break: a trailing `# comment` goes with the value. */
function endOfLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') offset -= 1;
  let end = text.indexOf('\n', offset);
  if (end === -1) end = text.length;
  return end > 0 && text[end - 1] === '\r' ? end - 1 : end;
}
