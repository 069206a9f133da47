/**
 * Git trailers (git-interpret-trailers(1)): `Key: value` lines forming the last paragraph of a
 * commit message. Pure text in, text out; `git interpret-trailers --parse` reads what `formatTrailers`
 * writes, and `parseTrailers` reads the same block back.
 */
export interface Trailer {
  readonly key: string;
  readonly value: string;
}

/** Trailer keys: letters, digits and `-`, as git accepts them. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;
const LINE = /^([A-Za-z0-9][A-Za-z0-9-]*):\s?(.*)$/;

/**
 * A trailer value on one line: control characters and line breaks become spaces, runs of spaces
 * collapse, and the ends are trimmed. A multi-line value would end the trailer block early.
 */
export function singleLine(value: string): string {
  return value.replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
}

/** `Key: value` lines, in order. Keys are checked; values made single-line. */
export function formatTrailers(trailers: readonly Trailer[]): string {
  return trailers
    .map((t) => {
      if (!KEY.test(t.key)) throw new RangeError(`invalid trailer key ${JSON.stringify(t.key)}`);
      const v = singleLine(t.value);
      return `${t.key}: ${v === '' ? '-' : v}`;
    })
    .join('\n');
}

/**
 * The trailers of a commit message: the lines of its last paragraph when every non-empty line of
 * it is a `Key: value` trailer (what git requires of a block it did not write itself). Lines
 * starting with whitespace continue the previous value. Returns [] when there is no block, or when
 * the message has a single paragraph (the subject is never a trailer block).
 */
export function parseTrailers(message: string): Trailer[] {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  if (paragraphs.length < 2) return [];
  const last = paragraphs[paragraphs.length - 1]!;
  const out: { key: string; value: string }[] = [];
  for (const line of last.split('\n')) {
    if (/^\s/.test(line) && out.length > 0) {
      out[out.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const m = LINE.exec(line);
    if (!m) return [];
    out.push({ key: m[1]!, value: m[2]!.trim() });
  }
  return out;
}
