import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { MaestroError } from '../core/errors';
import { configSchema, type MaestroConfig } from './schema';

/** One problem in a config file: `path: message`, e.g. `targets[1].maxReplicas: must be >= minReplicas`. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export type ConfigResult = { ok: true; config: MaestroConfig } | { ok: false; problems: ConfigProblem[] };

/** `['targets', 1, 'maxReplicas']` -> `targets[1].maxReplicas` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};
const typeName = (t: string): string => TYPE_NAMES[t] ?? t;

/** zod 4 does not report the offending input by default; its message ends in "received <type>". */
function receivedType(issue: z.core.$ZodIssue): string {
  return /received (\w+)$/.exec(issue.message)?.[1] ?? 'undefined';
}

function issueProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    // one problem per key, at the key: a typo in a guardrail name must not silently become its default
    return issue.keys.map((k) => ({
      path: formatPath([...issue.path, k]),
      message: 'unknown key (check its spelling against the configuration reference)',
    }));
  }
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    const received = receivedType(issue);
    if (issue.path.length === 0) {
      const message =
        received === 'null' || received === 'undefined'
          ? 'the file is empty: it needs git, prometheus and targets'
          : `must be a mapping with git, prometheus and targets, not ${typeName(received)}`;
      return [{ path, message }];
    }
    if (received === 'undefined') return [{ path, message: 'is required' }];
    const got = received === 'null' ? 'it is empty' : `not ${typeName(received)}`;
    return [{ path, message: `must be ${typeName(issue.expected)}, ${got}` }];
  }
  return [{ path, message: issue.message }];
}

/** Validates an already-parsed value. Pure. */
export function parseConfig(raw: unknown): ConfigResult {
  const r = configSchema.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, problems: r.error.issues.flatMap(issueProblems) };
}

/**
 * Parses YAML or JSON text (JSON is YAML); syntax errors are problems at `file:line:column`, e.g.
 * `maestro.yaml:7:11: YAML syntax: Nested mappings are not allowed in compact mappings`.
 */
export function parseConfigText(text: string, fileName = 'config'): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = e.linePos?.[0];
        // prettyErrors appends " at line L, column C:" and a source excerpt; the path carries both
        const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: at ? `${fileName}:${at.line}:${at.col}` : fileName, message: `YAML syntax: ${first}` };
      }),
    };
  }
  return parseConfig(doc.toJS());
}

/** Reads and validates a config file; throws CONFIG_INVALID listing every problem. */
export function loadConfig(file: string): MaestroConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new MaestroError('CONFIG_INVALID', `cannot read config file ${file}: ${(cause as Error).message}`, {
      data: { file },
      cause,
    });
  }
  const r = parseConfigText(text, file);
  if (r.ok) return r.config;
  throw new MaestroError(
    'CONFIG_INVALID',
    `${file} is not a valid MAESTRO config:\n${r.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    { data: { file, problems: r.problems } },
  );
}
