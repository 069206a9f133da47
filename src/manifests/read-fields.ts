import type { Document } from 'yaml';
import { MaestroError } from '../core/errors';
import { locateObject } from './locate-object';
import {
  describeRef,
  formatPath,
  type FieldPath,
  type ManifestSource,
  type ObjectRef,
} from './manifest-source';
import { offsetOfPath } from './node-position';
import { lineOf, parseManifests } from './parse-manifests';

/**
 * Typed reads of single fields of one object, shared by the readers. A field of the wrong type is
 * MANIFEST_SCHEMA_INVALID with file, line and path; an absent field is `undefined` (a value, not
 * an error: the reader decides what absence means).
 */
export interface ObjectFields {
  readonly source: ManifestSource;
  readonly ref: ObjectRef;
  readonly doc: Document.Parsed;
  /** 1-based line of the object */
  readonly line: number;
  /** 1-based line of the field (its key), or of its deepest existing parent */
  lineAt(path: FieldPath): number;
  /** MANIFEST_SCHEMA_INVALID for the field, with file, line and path */
  invalid(path: FieldPath, message: string): MaestroError;
  number(path: FieldPath): number | undefined;
  integer(path: FieldPath): number | undefined;
  string(path: FieldPath): string | undefined;
  boolean(path: FieldPath): boolean | undefined;
  /** number of entries of a list; 0 when absent */
  listLength(path: FieldPath): number;
  has(path: FieldPath): boolean;
}

/** The fields of the one object `ref` in `source` (throws when it is not there exactly once). */
export function objectFields(source: ManifestSource, ref: ObjectRef): ObjectFields {
  const { doc, line } = locateObject(source, parseManifests(source), ref);
  // Plain data with aliases resolved (`getIn` would hand back the Alias node).
  const plain = doc.toJS() as unknown;

  const value = (path: FieldPath): unknown => {
    let v: unknown = plain;
    for (const part of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[part];
    }
    return v === null ? undefined : v;
  };
  const lineAt = (path: FieldPath): number => lineOf(source.text, offsetOfPath(doc, path) ?? 0);
  const invalid = (path: FieldPath, message: string): MaestroError => {
    const at = lineAt(path);
    return new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${source.file}:${at}: ${describeRef(ref)}: ${formatPath(path)} ${message}; fix the manifest.`,
      {
        data: {
          file: source.file,
          line: at,
          kind: ref.kind,
          namespace: ref.namespace,
          name: ref.name,
          path: formatPath(path),
        },
      },
    );
  };
  const typed =
    <T>(test: (v: unknown) => v is T, expected: string) =>
    (path: FieldPath): T | undefined => {
      const v = value(path);
      if (v === undefined) return undefined;
      if (!test(v)) throw invalid(path, `must be ${expected}, found ${JSON.stringify(v)}`);
      return v;
    };
  const number = typed((v): v is number => typeof v === 'number' && Number.isFinite(v), 'a number');

  return {
    source,
    ref,
    doc,
    line,
    lineAt,
    invalid,
    number,
    integer: (path) => {
      const v = number(path);
      if (v !== undefined && !Number.isInteger(v)) throw invalid(path, `must be an integer, found ${v}`);
      return v;
    },
    string: typed((v): v is string => typeof v === 'string', 'a string'),
    boolean: typed((v): v is boolean => typeof v === 'boolean', 'true or false'),
    listLength: (path) => {
      const v = value(path);
      if (v === undefined) return 0;
      if (!Array.isArray(v)) throw invalid(path, 'must be a list');
      return v.length;
    },
    has: (path) => value(path) !== undefined,
  };
}

/** Index of the one list entry at `listPath` whose `name` is `name`; errors when none or several. */
export function entryIndexByName(
  fields: ObjectFields,
  listPath: FieldPath,
  name: string,
  what: string,
): number {
  const length = fields.listLength(listPath);
  const hits: number[] = [];
  for (let i = 0; i < length; i += 1) if (fields.string([...listPath, i, 'name']) === name) hits.push(i);
  const data = {
    file: fields.source.file,
    kind: fields.ref.kind,
    namespace: fields.ref.namespace,
    name: fields.ref.name,
    path: formatPath(listPath),
  };
  if (hits.length === 0) {
    const line = fields.lineAt(listPath);
    throw new MaestroError(
      'MANIFEST_FIELD_MISSING',
      `${fields.source.file}:${line}: ${describeRef(fields.ref)}: no ${what} named "${name}" in ${formatPath(listPath)}; ` +
        `add it to the manifest or fix the name in the agent config. Nothing was written.`,
      { data: { ...data, line } },
    );
  }
  if (hits.length > 1) {
    const line = fields.lineAt([...listPath, hits[1]!]);
    throw new MaestroError(
      'MANIFEST_TARGET_AMBIGUOUS',
      `${fields.source.file}:${line}: ${describeRef(fields.ref)}: ${hits.length} ${what}s named "${name}" in ${formatPath(listPath)}; ` +
        `names must be unique. Nothing was written.`,
      { data: { ...data, line } },
    );
  }
  return hits[0]!;
}
