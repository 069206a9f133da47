import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { FieldPath } from './manifest-source';

/**
 * Character offset where the field at `path` starts in the source: the key of a mapping entry
 * (`analysis:` rather than its first nested line), or the item of a list. Walks up to the deepest
 * part of the path that exists, so a missing field points at its parent. Undefined when nothing
 * on the path has a position.
 */
export function offsetOfPath(doc: Document.Parsed, path: FieldPath): number | undefined {
  let best = doc.contents?.range?.[0];
  let node: unknown = doc.contents;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === part);
      if (pair === undefined) break;
      best = (pair.key as Node | null)?.range?.[0] ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (item === undefined) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best;
}
