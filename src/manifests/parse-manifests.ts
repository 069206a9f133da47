import { Composer, Lexer, parseAllDocuments, Parser, type CST, type Document } from 'yaml';
import { MaestroError } from '../core/errors';
import type { ManifestSource } from './manifest-source';

/**
 * Parses a (possibly multi-document) manifest file into `yaml` Documents, which keep every node's
 * source range; the editors use those ranges to splice new scalar text into the original string.
 *
 * Any parse error in any document is a terminal YAML_PARSE error naming file, line and column: an
 * editor never writes into a file it cannot fully read. Warnings (e.g. unknown tags) are ignored,
 * as kubectl and Flux ignore them.
 */
export function parseManifests(source: ManifestSource): Document.Parsed[] {
  const docs = parseAllDocuments(source.text);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error === undefined) continue;
    // An error at the very end (an unclosed bracket) points at the last line, not the empty one after it.
    const last = source.text.endsWith('\n') ? source.text.length - 1 : source.text.length;
    const { line, column } = positionOf(source.text, Math.min(error.pos[0], last));
    const what = error.message.split('\n')[0] ?? error.message;
    throw new MaestroError(
      'YAML_PARSE',
      `${source.file}:${line}:${column}: the YAML does not parse (${what}). Fix the syntax at that line; nothing was written.`,
      { data: { file: source.file, line, column, yamlCode: error.code }, cause: error },
    );
  }
  return [...docs];
}

/**
 * `parseManifests` that also returns the text's lexemes (yaml's Lexer output, which its Parser
 * consumes), so an editor can prove its splice (`provesScalarSplices`) without lexing the text
 * again. The same Lexer → Parser → Composer pipeline as `parseAllDocuments`, minus the line counter
 * that only pretty-prints errors: a text with an error goes through `parseManifests`, which throws
 * the usual YAML_PARSE error.
 */
export function parseManifestsLexed(source: ManifestSource): {
  docs: Document.Parsed[];
  lexemes: readonly string[];
} {
  const lexemes = [...new Lexer().lex(source.text)];
  const parser = new Parser();
  function* tokens(): Generator<CST.Token> {
    for (const lexeme of lexemes) yield* parser.next(lexeme);
    yield* parser.end();
  }
  const docs = [...new Composer().compose(tokens())];
  if (docs.some((d) => d.errors.length > 0)) return { docs: parseManifests(source), lexemes };
  return { docs, lexemes };
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** 1-based line of a character offset. */
export function lineOf(text: string, offset: number): number {
  return positionOf(text, offset).line;
}
