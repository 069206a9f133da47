import { parse, Scalar } from 'yaml';

/** A value an editor writes: every field MAESTRO edits is a number, a boolean or a string. */
export type ScalarValue = string | number | boolean;

/**
 * The YAML source text for `value`, in the style of the scalar it replaces where that is sensible:
 * numbers and booleans are always plain (a quoted `"3"` would be a string, which Kubernetes rejects
 * for an integer field); a string keeps single or double quotes, and a plain string stays plain when
 * the new value can be written plain without changing its meaning, else it becomes double-quoted.
 * A block scalar (`|`, `>`) becomes double-quoted: these fields are one-liners.
 */
export function scalarText(value: ScalarValue, style?: Scalar.Type): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as a YAML number`);
    return String(value);
  }
  if (style === Scalar.QUOTE_SINGLE && isPrintableLine(value)) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE || style === Scalar.QUOTE_SINGLE) return JSON.stringify(value);
  return canBePlain(value) ? value : JSON.stringify(value);
}

function isPrintableLine(s: string): boolean {
  // YAML single-quoted scalars cannot escape anything but the quote itself.
  return /^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$/.test(s);
}

/**
 * Conservative: plain only when the text re-reads as the same string in any context, flow
 * collections included (so no `,[]{}`), and is no `: `/` #` sequence, indicator or other type.
 */
function canBePlain(s: string): boolean {
  if (s === '' || s.trim() !== s || !isPrintableLine(s)) return false;
  if (/[,[\]{}]/.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false;
  if (/^[-?:#&*!|>'"%@`]/.test(s)) return false;
  try {
    return parse(s) === s;
  } catch {
    return false;
  }
}
