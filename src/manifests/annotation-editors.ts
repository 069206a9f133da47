import { isMap, type Node } from 'yaml';
import { locateObject } from './locate-object';
import type { ManifestSource, ObjectRef } from './manifest-source';
import { parseManifests } from './parse-manifests';
import { scalarText } from './scalar-text';
import {
  editScalars,
  endOfLastValue,
  fieldError,
  insertion,
  spliceVerified,
  type Splice,
} from './splice-edit';

/**
 * Annotations on any object (`metadata.annotations`), e.g. the pause annotation a person commits
 * through the dashboard. Values are always strings (Kubernetes requires it), quoted when they would
 * otherwise read as another type (`"true"`).
 */

const ANNOTATIONS = ['metadata', 'annotations'] as const;

/** Sets `metadata.annotations[key]`, creating `annotations:` under metadata when absent. */
export function setAnnotation(source: ManifestSource, ref: ObjectRef, key: string, value: string): string {
  const docs = parseManifests(source);
  const target = locateObject(source, docs, ref);
  const annotations = target.doc.getIn(ANNOTATIONS, true) as Node | undefined;
  if (isMap(annotations)) {
    return editScalars(source, ref, [{ path: [...ANNOTATIONS, key], value, insertIfMissing: true }]);
  }
  const metadata = target.doc.getIn(['metadata'], true) as Node | undefined;
  if (!isMap(metadata) || (annotations !== undefined && annotations !== null)) {
    throw fieldError(
      'MANIFEST_SCHEMA_INVALID',
      source,
      ref,
      ANNOTATIONS,
      metadata?.range?.[0] ?? target.doc.range[0],
      'must be a mapping under a metadata mapping; fix the manifest by hand',
    );
  }
  const expected = target.doc.toJS() as { metadata: Record<string, unknown> };
  expected.metadata['annotations'] = { [key]: value };
  const splice = insertion(source.text, metadata, 'annotations', '', {
    key: quoteKey(key),
    valueText: scalarText(value),
  });
  return spliceVerified(source, ref, docs, target.index, [splice], expected);
}

/**
 * Removes `metadata.annotations[key]` (its whole line), and `annotations:` itself when it was the last
 * one. Absent → the same text. Flow-style annotations (`{a: b}`) holding other keys are refused: edit
 * them by hand.
 */
export function removeAnnotation(source: ManifestSource, ref: ObjectRef, key: string): string {
  const docs = parseManifests(source);
  const target = locateObject(source, docs, ref);
  const metadata = target.doc.getIn(['metadata'], true) as Node | undefined;
  const annotations = target.doc.getIn(ANNOTATIONS, true) as Node | undefined;
  if (!isMap(metadata) || !isMap(annotations) || !annotations.has(key)) return source.text;
  const expected = target.doc.toJS() as { metadata: Record<string, Record<string, unknown>> };
  delete expected.metadata['annotations']![key];
  const onlyOne = annotations.items.length === 1;
  if (onlyOne) delete expected.metadata['annotations'];
  const container = onlyOne ? metadata : annotations;
  const pair = container.items.find(
    (p) => (p.key as { value?: unknown } | null)?.value === (onlyOne ? 'annotations' : key),
  );
  if (container.flow || pair === undefined) {
    throw fieldError(
      'MANIFEST_SCHEMA_INVALID',
      source,
      ref,
      [...ANNOTATIONS, key],
      annotations.range?.[0] ?? metadata.range?.[0] ?? 0,
      'is in a flow mapping ({…}); remove it by hand',
    );
  }
  const text = source.text;
  const keyNode = pair.key as Node;
  const start = text.lastIndexOf('\n', (keyNode.range?.[0] ?? 0) - 1) + 1;
  const valueEnd = endOfLastValue((pair.value as Node | null) ?? keyNode);
  const lastChar = valueEnd > 0 ? text[valueEnd - 1] : '';
  const eol = lastChar === '\n' ? valueEnd - 1 : text.indexOf('\n', valueEnd);
  const splice: Splice = { start, end: eol === -1 ? text.length : eol + 1, text: '' };
  return spliceVerified(source, ref, docs, target.index, [splice], expected);
}

/** Annotation keys like `maestro.dev/paused` are plain-safe; anything odd is double-quoted. */
function quoteKey(key: string): string {
  return scalarText(key);
}
