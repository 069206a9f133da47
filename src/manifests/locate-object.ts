import { isMap, type Document } from 'yaml';
import { MaestroError } from '../core/errors';
import { describeRef, type ManifestSource, type ObjectRef } from './manifest-source';
import { lineOf, parseManifests } from './parse-manifests';

/** One object found in a file: its document, position among the file's documents, and first line. */
export interface LocatedObject {
  readonly doc: Document.Parsed;
  /** index among the file's documents (for messages; never used to find the object again) */
  readonly index: number;
  /** 1-based line where the object's document content starts */
  readonly line: number;
}

/** Where an object lives among several files (`findManifest`). */
export interface ManifestLocation {
  readonly file: string;
  readonly index: number;
  readonly line: number;
}

function stringAt(doc: Document.Parsed, path: readonly string[]): string | undefined {
  const v = doc.getIn(path);
  return typeof v === 'string' ? v : undefined;
}

function matches(doc: Document.Parsed, ref: ObjectRef): boolean {
  if (!isMap(doc.contents)) return false;
  if (stringAt(doc, ['kind']) !== ref.kind) return false;
  if (stringAt(doc, ['metadata', 'name']) !== ref.name) return false;
  const ns = stringAt(doc, ['metadata', 'namespace']);
  return ref.namespace === undefined || ns === undefined || ns === ref.namespace;
}

function startLine(source: ManifestSource, doc: Document.Parsed): number {
  return lineOf(source.text, doc.contents?.range?.[0] ?? doc.range[0]);
}

/** `Deployment default/web` for each object in the file, to say what *is* there. */
function inventory(docs: readonly Document.Parsed[]): string {
  const seen = docs
    .filter((d) => isMap(d.contents))
    .map((d) => {
      const ns = stringAt(d, ['metadata', 'namespace']);
      return `${stringAt(d, ['kind']) ?? '?'} ${ns === undefined ? '' : `${ns}/`}${stringAt(d, ['metadata', 'name']) ?? '?'}`;
    });
  return seen.length === 0 ? 'no objects' : seen.join(', ');
}

/**
 * The one document in `docs` holding `ref`. Throws MANIFEST_TARGET_NOT_FOUND (listing what the file
 * does hold) or MANIFEST_TARGET_AMBIGUOUS (with the lines of every match).
 */
export function locateObject(
  source: ManifestSource,
  docs: readonly Document.Parsed[],
  ref: ObjectRef,
): LocatedObject {
  const found: LocatedObject[] = [];
  docs.forEach((doc, index) => {
    if (matches(doc, ref)) found.push({ doc, index, line: startLine(source, doc) });
  });
  const data = { file: source.file, kind: ref.kind, namespace: ref.namespace, name: ref.name };
  if (found.length === 0) {
    throw new MaestroError(
      'MANIFEST_TARGET_NOT_FOUND',
      `${source.file}: no ${describeRef(ref)} in this file (it holds ${inventory(docs)}). ` +
        `Check the target's file, namespace and resource name in the agent config; nothing was written.`,
      { data: { ...data, line: undefined, path: undefined } },
    );
  }
  if (found.length > 1) {
    const lines = found.map((f) => f.line);
    throw new MaestroError(
      'MANIFEST_TARGET_AMBIGUOUS',
      `${source.file}:${lines[0]}: ${found.length} objects match ${describeRef(ref)} (at lines ${lines.join(', ')}). ` +
        `Give each a distinct name or set metadata.namespace so exactly one matches; nothing was written.`,
      { data: { ...data, line: lines[0], lines, path: undefined } },
    );
  }
  return found[0]!;
}

/**
 * Finds `ref` among several files, e.g. every file a kustomize overlay lists. Files that do not
 * parse are an error (the object could be in them). Two matches, in one file or across files, are
 * MANIFEST_TARGET_AMBIGUOUS.
 */
export function findManifest(files: ReadonlyMap<string, string>, ref: ObjectRef): ManifestLocation {
  const found: ManifestLocation[] = [];
  for (const [file, text] of files) {
    const source = { file, text };
    parseManifests(source).forEach((doc, index) => {
      if (matches(doc, ref)) found.push({ file, index, line: startLine(source, doc) });
    });
  }
  const data = { kind: ref.kind, namespace: ref.namespace, name: ref.name, path: undefined };
  if (found.length === 0) {
    const names = [...files.keys()];
    throw new MaestroError(
      'MANIFEST_TARGET_NOT_FOUND',
      `no ${describeRef(ref)} in ${names.length === 0 ? 'no files' : names.join(', ')}. ` +
        `Check the target's file, namespace and resource name in the agent config.`,
      { data: { ...data, file: undefined, line: undefined, files: names } },
    );
  }
  if (found.length > 1) {
    const where = found.map((f) => `${f.file}:${f.line}`);
    throw new MaestroError(
      'MANIFEST_TARGET_AMBIGUOUS',
      `${found.length} objects match ${describeRef(ref)}: ${where.join(', ')}. ` +
        `Give each a distinct name or set metadata.namespace so exactly one matches.`,
      { data: { ...data, file: found[0]!.file, line: found[0]!.line, matches: where } },
    );
  }
  return found[0]!;
}
