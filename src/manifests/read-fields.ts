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
export class ObjectFields {
  private constructor(
    readonly source: ManifestSource,
    readonly ref: ObjectRef,
    readonly doc: Document.Parsed,
    /** 1-based line of the object */
    readonly line: number,
    /** the object as plain data, aliases resolved (`getIn` would hand back the Alias node) */
    private readonly plain: unknown,
  ) {}

  static of(source: ManifestSource, ref: ObjectRef): ObjectFields {
    const found = locateObject(source, parseManifests(source), ref);
    return new ObjectFields(source, ref, found.doc, found.line, found.doc.toJS() as unknown);
  }

  lineAt(path: FieldPath): number {
    return lineOf(this.source.text, offsetOfPath(this.doc, path) ?? 0);
  }

  invalid(path: FieldPath, message: string): MaestroError {
    const line = this.lineAt(path);
    return new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${this.source.file}:${line}: ${describeRef(this.ref)}: ${formatPath(path)} ${message}; fix the manifest.`,
      {
        data: {
          file: this.source.file,
          line,
          kind: this.ref.kind,
          namespace: this.ref.namespace,
          name: this.ref.name,
          path: formatPath(path),
        },
      },
    );
  }

  private value(path: FieldPath): unknown {
    let v: unknown = this.plain;
    for (const part of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[part];
    }
    return v === null ? undefined : v;
  }

  number(path: FieldPath): number | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw this.invalid(path, `must be a number, found ${JSON.stringify(v)}`);
    return v;
  }

  integer(path: FieldPath): number | undefined {
    const v = this.number(path);
    if (v !== undefined && !Number.isInteger(v)) throw this.invalid(path, `must be an integer, found ${v}`);
    return v;
  }

  string(path: FieldPath): string | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.invalid(path, `must be a string, found ${JSON.stringify(v)}`);
    return v;
  }

  boolean(path: FieldPath): boolean | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.invalid(path, `must be true or false, found ${JSON.stringify(v)}`);
    return v;
  }

  /** Number of entries of a list; 0 when absent. */
  listLength(path: FieldPath): number {
    const v = this.value(path);
    if (v === undefined) return 0;
    if (!Array.isArray(v)) throw this.invalid(path, 'must be a list');
    return v.length;
  }

  has(path: FieldPath): boolean {
    return this.value(path) !== undefined;
  }
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
