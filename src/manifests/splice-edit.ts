import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
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
import { lineOf, parseManifests, parseManifestsLexed } from './parse-manifests';
import { provesScalarSplices } from './scalar-splice-proof';
import { scalarText, type ScalarValue } from './scalar-text';

/**
 * The engine under every editor: find the object by kind + namespace + name, find each scalar by
 * path, and splice the new scalar's text into the original string at the node's source range
 * (`node.range = [start, valueEnd, nodeEnd]`). Everything else — comments, key order, quoting,
 * indentation, `---` markers, CRLF line ends — stays byte-identical, which re-serialising the
 * Document (`toString()`) would not guarantee (it reflows flow collections and long strings).
 *
 * A missing field is inserted only when the edit allows it, as one new `key: value` line after the
 * last entry of its parent mapping at the indentation of its siblings (or `, key: value` in a flow
 * mapping).
 *
 * Every result is verified before it is returned: every document of the new text must equal the old
 * one with exactly the requested values set. A splice that would change anything else is our bug
 * (INTERNAL), never written. When every splice replaced one existing scalar, that is proved by
 * lexing both texts (`provesScalarSplices`, ~4× cheaper than a parse); when the proof does not
 * apply (insertions, aliases, tags, a changed quote style…) the new text is parsed again in full.
 */

/** One value to set at `path` inside the object. */
export interface ScalarEdit {
  readonly path: FieldPath;
  readonly value: ScalarValue;
  /** insert the last key of `path` when its parent mapping exists but the key does not */
  readonly insertIfMissing?: boolean;
  /** what to tell the user when the field is absent and may not be inserted */
  readonly missingHint?: string;
}

/** Sees the object (plain JS) before and after the edit; throws to refuse the edit. */
export type EditCheck = (after: unknown, before: unknown, context: EditContext) => void;

/** Where an edit happens, for error messages built by checks. */
export interface EditContext {
  readonly source: ManifestSource;
  readonly ref: ObjectRef;
  /** 1-based line of the object */
  readonly line: number;
  /** 1-based line of the deepest existing node on `path` in the original text */
  readonly lineAt: (path: FieldPath) => number;
}

/** Replace `[start, end)` of the original text with `text`. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /**
   * Set when the splice replaces one existing scalar's text: what it read as before and must read
   * as after. Lets the result be verified without a full parse (`provesScalarSplices`).
   */
  readonly scalar?: { readonly oldValue: unknown; readonly value: ScalarValue };
}

/** Applies `edits` to the one object `ref` in `source`; returns the new text (the same text when nothing changes). */
export function editScalars(
  source: ManifestSource,
  ref: ObjectRef,
  edits: readonly ScalarEdit[],
  check?: EditCheck,
): string {
  const { docs, lexemes } = parseManifestsLexed(source);
  const target = locateObject(source, docs, ref);
  const lineAt = (path: FieldPath): number => {
    const offset = offsetOfPath(target.doc, path);
    return offset === undefined ? target.line : lineOf(source.text, offset);
  };
  const context: EditContext = { source, ref, line: target.line, lineAt };
  const aliased = aliasSources(target.doc);
  const splices = edits
    .map((edit) => spliceFor(source, ref, target.doc, edit, aliased))
    .filter((s): s is Splice => s !== undefined);
  const before = target.doc.toJS() as unknown;
  const expectedAfter = structuredClone(before);
  for (const edit of edits) setIn(expectedAfter, edit.path, edit.value);
  check?.(expectedAfter, before, context);
  return spliceVerified(source, ref, docs, target.index, splices, expectedAfter, lexemes);
}

/**
 * Applies `splices` (non-overlapping ranges of the original text) and returns the new text after
 * checking that its documents equal the old ones with document `index` replaced by `expectedAfter`.
 */
export function spliceVerified(
  source: ManifestSource,
  ref: ObjectRef,
  docs: readonly Document.Parsed[],
  index: number,
  splices: readonly Splice[],
  expectedAfter: unknown,
  /** the original text's lexemes when the caller has them (`parseManifestsLexed`) */
  lexemes?: readonly string[],
): string {
  if (splices.length === 0) return source.text;
  let text = source.text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) {
    text = text.slice(0, s.start) + s.text + text.slice(s.end);
  }
  const proved =
    splices.every((s) => s.scalar !== undefined) &&
    provesScalarSplices(
      source.text,
      text,
      splices.map((s) => ({ start: s.start, end: s.end, text: s.text, ...s.scalar! })),
      lexemes,
    );
  if (!proved) verify(source, text, docs, index, expectedAfter, ref);
  return text;
}

export function fieldError(
  code: 'MANIFEST_FIELD_MISSING' | 'MANIFEST_SCHEMA_INVALID' | 'MANIFEST_TARGET_AMBIGUOUS',
  source: ManifestSource,
  ref: ObjectRef,
  path: FieldPath,
  offset: number,
  message: string,
): MaestroError {
  const line = lineOf(source.text, offset);
  return new MaestroError(
    code,
    `${source.file}:${line}: ${describeRef(ref)}: ${formatPath(path)}: ${message}; nothing was written.`,
    {
      data: {
        file: source.file,
        line,
        kind: ref.kind,
        namespace: ref.namespace,
        name: ref.name,
        path: formatPath(path),
      },
    },
  );
}

/** The anchors the document's aliases (`*a`, `<<: *a`) refer to. */
function aliasSources(doc: Document.Parsed): ReadonlySet<string> {
  const aliased = new Set<string>();
  visit(doc, {
    Alias(_, node) {
      aliased.add(node.source);
    },
  });
  return aliased;
}

/**
 * The anchor of a mapping or list around `path` (the object itself included) that some alias in the
 * document refers to: an edit inside it would change the alias's copy as well (`spec: &s {...}` and
 * `other: *s`, or a `<<: *s` merge), so such an edit is refused rather than made in two places.
 */
function aliasedEnclosingAnchor(
  doc: Document.Parsed,
  path: readonly (string | number)[],
  aliased: ReadonlySet<string>,
): string | undefined {
  if (aliased.size === 0) return undefined;
  for (let i = 0; i < path.length; i++) {
    const node = (i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true)) as Node | null | undefined;
    const anchor = node && !isAlias(node) ? node.anchor : undefined;
    if (anchor !== undefined && aliased.has(anchor)) return anchor;
  }
  return undefined;
}

function spliceFor(
  source: ManifestSource,
  ref: ObjectRef,
  doc: Document.Parsed,
  edit: ScalarEdit,
  /** aliasSources(doc), computed once for all of the object's edits */
  aliased: ReadonlySet<string>,
): Splice | undefined {
  const objectStart = doc.contents?.range?.[0] ?? 0;
  const refuse = (why: string): MaestroError =>
    fieldError(
      'MANIFEST_SCHEMA_INVALID',
      source,
      ref,
      edit.path,
      offsetOfPath(doc, edit.path) ?? objectStart,
      why,
    );
  const shared = aliasedEnclosingAnchor(doc, edit.path, aliased);
  if (shared !== undefined) {
    throw refuse(
      `lies inside &${shared}, which *${shared} repeats elsewhere in the file, so editing it would change that copy too; write the values out by hand`,
    );
  }
  const node = doc.getIn(edit.path, true) as Node | undefined;
  if (node !== undefined && node !== null) {
    if (!isScalar(node) || node.range === undefined || node.range === null) {
      throw refuse(
        isAlias(node)
          ? `is an alias (*${node.source}) of a value defined elsewhere; write the value here by hand so MAESTRO can edit it`
          : `is a ${isMap(node) ? 'mapping' : isSeq(node) ? 'list' : 'node'}, expected a single value; fix the manifest by hand`,
      );
    }
    if (node.anchor !== undefined) {
      // Changing an anchored value would also change every *alias of it elsewhere in the file.
      throw refuse(
        `carries the anchor &${node.anchor}, so editing it would change its aliases too; write plain values by hand`,
      );
    }
    if (node.value === edit.value) return undefined;
    const [start, valueEnd] = node.range;
    let text = scalarText(edit.value, node.type);
    // An empty value (`replicas:`) has an empty range right after the colon: keep a space.
    if (start === valueEnd && source.text[start - 1] === ':') text = ` ${text}`;
    return { start, end: valueEnd, text, scalar: { oldValue: node.value, value: edit.value } };
  }
  const parentPath = edit.path.slice(0, -1);
  const key = edit.path[edit.path.length - 1];
  const parent = parentPath.length === 0 ? doc.contents : (doc.getIn(parentPath, true) as Node | undefined);
  if (!edit.insertIfMissing || typeof key !== 'string' || !isMap(parent)) {
    const at = offsetOfPath(doc, edit.path) ?? objectStart;
    throw fieldError(
      'MANIFEST_FIELD_MISSING',
      source,
      ref,
      edit.path,
      at,
      edit.missingHint ?? `is not set${isMap(parent) ? '' : ` (${formatPath(parentPath)} is missing too)`}`,
    );
  }
  return insertion(source.text, parent, scalarText(key), scalarText(edit.value));
}

/**
 * A new `key: value` entry in `map`, placed after its last entry at its entries' indentation; with
 * `child`, the value is a new one-entry mapping (`key:` then `child.key: child.valueText` two spaces
 * deeper, or `key: {child}` in a flow mapping).
 */
export function insertion(
  text: string,
  map: Node,
  key: string,
  valueText: string,
  child?: { readonly key: string; readonly valueText: string },
): Splice {
  if (!isMap(map) || map.range === undefined || map.range === null) throw new Error('insertion needs a map');
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  if (map.flow) {
    const close = text.lastIndexOf('}', map.range[1] - 1);
    let at = close;
    while (at > map.range[0] && /\s/.test(text[at - 1]!)) at -= 1;
    const sep = map.items.length === 0 ? '' : ', ';
    const value = child === undefined ? valueText : `{${child.key}: ${child.valueText}}`;
    return { start: at, end: at, text: `${sep}${key}: ${value}` };
  }
  const firstKey = map.items[0]?.key as Node | undefined;
  const keyStart = firstKey?.range?.[0] ?? map.range[0];
  const indent = ' '.repeat(keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1));
  const entry =
    child === undefined
      ? `${indent}${key}: ${valueText}`
      : `${indent}${key}:${newline}${indent}  ${child.key}: ${child.valueText}`;
  const valueEnd = endOfLastValue(map);
  if (valueEnd > 0 && text[valueEnd - 1] === '\n') {
    return { start: valueEnd, end: valueEnd, text: `${entry}${newline}` };
  }
  const eol = text.indexOf('\n', valueEnd);
  if (eol === -1) return { start: text.length, end: text.length, text: `${newline}${entry}` };
  return { start: eol + 1, end: eol + 1, text: `${entry}${newline}` };
}

/**
 * End of the last value in a block collection, descending into nested block collections, so that
 * comments after it stay below an inserted line (a collection's own range may include them).
 */
export function endOfLastValue(node: Node): number {
  let current: Node = node;
  for (;;) {
    if ((isMap(current) || isSeq(current)) && !current.flow && current.items.length > 0) {
      const last = current.items[current.items.length - 1] as unknown;
      const next = (isPair(last) ? (last.value ?? last.key) : last) as Node | null;
      if (next === null || next.range === undefined || next.range === null) break;
      current = next;
      continue;
    }
    break;
  }
  return current.range?.[1] ?? node.range?.[1] ?? 0;
}

function setIn(root: unknown, path: FieldPath, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}

/** Structural equality of plain JSON-like values (map key order ignored, as Kubernetes ignores it). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (a instanceof Map || b instanceof Map) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

function verify(
  source: ManifestSource,
  text: string,
  beforeDocs: readonly Document.Parsed[],
  index: number,
  expected: unknown,
  ref: ObjectRef,
): void {
  const fail = (why: string, cause?: unknown) =>
    new MaestroError(
      'INTERNAL',
      `${source.file}: editing ${describeRef(ref)} in place would ${why}; this is a MAESTRO bug, please report it with the file. Nothing was written.`,
      { data: { file: source.file, kind: ref.kind, namespace: ref.namespace, name: ref.name }, cause },
    );
  let afterDocs: Document.Parsed[];
  try {
    afterDocs = parseManifests({ file: source.file, text });
  } catch (e) {
    throw fail('break the YAML', e);
  }
  if (afterDocs.length !== beforeDocs.length) throw fail('change the number of documents');
  afterDocs.forEach((doc, i) => {
    const want = i === index ? expected : beforeDocs[i]!.toJS();
    if (!sameValue(doc.toJS(), want)) {
      throw fail(i === index ? 'not produce the requested values' : `change document ${i + 1}`);
    }
  });
}
