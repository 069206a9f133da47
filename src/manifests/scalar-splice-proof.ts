import { Composer, CST, Lexer } from 'yaml';

/**
 * A cheap proof that a splice changed nothing but the values of the scalars it replaced, so the
 * editor need not parse and compose the whole new text again. For the template's 62-line web
 * Deployment a full parse took ~0.75 ms and lexing ~0.1 ms (yaml 2.9, Node 20, the shared 2-core
 * bench VM); the 1000-target loop bench (`bench/loop.ts`) spent most of its planning time in the
 * second parse this replaces.
 *
 * The argument, for `yaml` 2 (Lexer → Parser → Composer):
 * 1. Both texts are lexed. The lexeme streams must be identical except that at each splice the old
 *    scalar's lexeme (exactly the replaced bytes) became exactly the new text, both on one line and
 *    of the same kind (plain: after the lexer's scalar marker; else the same quote character). The
 *    Parser's structure depends on lexeme types, indentation (space lexemes) and line breaks, never
 *    on the text of a one-line scalar, so the CSTs are the same tree with those scalars' sources
 *    swapped (offsets shifted).
 * 2. The Composer builds each node from its own CST token, its props (tag, anchor) and the schema.
 *    A value can reach other nodes only through an alias (`*a`, `<<: *a`), a tag can change how a
 *    scalar resolves and a `%YAML` directive picks the schema: a text holding any alias, tag or
 *    directive is not proved here (the caller parses it in full).
 * 3. So the new documents equal the old ones except each replaced scalar, whose value is what the
 *    Composer makes of its token alone; that must equal the intended value, with no error or
 *    warning. The old token alone must also compose to the old node's value (a check that the
 *    context indeed did not matter).
 *
 * Returns false whenever any step does not hold; false means "not proved", never "wrong": the
 * caller then verifies with a full parse, which refuses what is really wrong.
 */

/** One scalar replaced in place: `[start, end)` of the old text became `text`. */
export interface ScalarSplice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** what the old scalar read as (its node's value in the old document) */
  readonly oldValue: unknown;
  /** what the new scalar must read as */
  readonly value: unknown;
}

type QuotedOrPlain = 'scalar' | 'single-quoted-scalar' | 'double-quoted-scalar';

/** Lexemes of a text that are not provable here (see step 2 above). */
const UNPROVABLE = new Set(['alias', 'tag', 'directive-line', 'flow-error-end']);

/** yaml's Lexer control lexemes (yaml/dist/parse/cst.js: SCALAR, DOCUMENT, FLOW_END) */
const SCALAR_MARKER = '\x1f';
const DOC_MODE = '\x02';
const FLOW_END = '\x18';

export function provesScalarSplices(
  oldText: string,
  newText: string,
  splices: readonly ScalarSplice[],
  /** `oldText`'s lexemes, when the caller already has them */
  oldLexemes?: readonly string[],
): boolean {
  if (splices.length === 0) return oldText === newText;
  const sorted = [...splices].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) return false;
  const before = (oldLexemes ?? new Lexer().lex(oldText))[Symbol.iterator]();
  const after = new Lexer().lex(newText)[Symbol.iterator]();
  let offset = 0; // in the old text
  let next = 0; // index into sorted
  let atScalar = false; // the lexeme is a plain scalar's text (it follows the lexer's scalar marker)
  for (;;) {
    const a = before.next();
    const b = after.next();
    if (a.done === true || b.done === true)
      return a.done === true && b.done === true && next === sorted.length;
    const old = a.value;
    const now = b.value;
    const splice = sorted[next];
    if (splice !== undefined && offset === splice.start && (atScalar || old !== now)) {
      if (!provesOne(old, now, atScalar, oldText.slice(splice.start, splice.end), splice)) return false;
      next += 1;
    } else {
      if (old !== now) return false;
      if (splice !== undefined && offset + sourceLength(old, atScalar) > splice.start) return false;
      if (!atScalar && UNPROVABLE.has(CST.tokenType(old) ?? '')) return false;
    }
    offset += sourceLength(old, atScalar);
    atScalar = !atScalar && old === SCALAR_MARKER;
  }
}

/** Characters of the text a lexeme stands for: the lexer's control lexemes stand for none (as in yaml's Parser). */
function sourceLength(lexeme: string, atScalar: boolean): number {
  if (atScalar) return lexeme.length;
  return lexeme === SCALAR_MARKER || lexeme === DOC_MODE || lexeme === FLOW_END ? 0 : lexeme.length;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function provesOne(
  old: string,
  now: string,
  plain: boolean,
  replaced: string,
  splice: ScalarSplice,
): boolean {
  if (old !== replaced || now !== splice.text) return false;
  if (/[\r\n]/.test(old) || /[\r\n]/.test(now)) return false;
  let type: QuotedOrPlain = 'scalar';
  if (!plain) {
    const t = CST.tokenType(old);
    if ((t !== 'single-quoted-scalar' && t !== 'double-quoted-scalar') || CST.tokenType(now) !== t)
      return false;
    type = t;
  }
  const oldRead = composeAlone(type, old);
  const newRead = composeAlone(type, now);
  return (
    oldRead.ok &&
    newRead.ok &&
    sameScalar(oldRead.value, splice.oldValue) &&
    sameScalar(newRead.value, splice.value)
  );
}

/** The value the Composer gives one scalar token with no props, as the only content of a document. */
function composeAlone(type: QuotedOrPlain, source: string): { ok: boolean; value?: unknown } {
  const token: CST.Document = {
    type: 'document',
    offset: 0,
    start: [],
    value: { type, offset: 0, indent: 0, source },
  };
  const docs = [...new Composer().compose([token], true)];
  const doc = docs[0];
  if (docs.length !== 1 || doc === undefined || doc.errors.length > 0 || doc.warnings.length > 0) {
    return { ok: false };
  }
  return { ok: true, value: doc.toJS() as unknown };
}
