/**
 * The inputs every function of src/manifests takes: the text of one file and the name the error
 * messages use for it, and which object in it is meant. Pure data; nothing here reads a file.
 */

/** One manifest file: its repo-relative path (for messages only) and its exact text. */
export interface ManifestSource {
  readonly file: string;
  readonly text: string;
}

/**
 * An object is found by kind + metadata.namespace + metadata.name, never by its position in the
 * file. `namespace` undefined matches any namespace. An object without metadata.namespace matches any
 * namespace too: in a kustomize layout the Kustomization usually sets it, so a missing namespace is
 * the norm there. Two objects that both match are an ambiguity error, never a silent first pick.
 */
export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** A path inside one object, as the `yaml` Document API takes it: map keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

/** `spec.analysis.webhooks[2].url` */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** `Canary test/podinfo`, or `Canary podinfo` when the caller gave no namespace. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}
