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

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

/** Validates an already-parsed value. Pure. */
export function parseConfig(raw: unknown): ConfigResult {
  const r = configSchema.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ path: formatPath(i.path), message: issueMessage(i) })),
  };
}

/** Parses YAML or JSON text (JSON is YAML); syntax errors are problems with line numbers. */
export function parseConfigText(text: string, fileName = 'config'): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: `${fileName}:${e.linePos?.[0]?.line ?? '?'}`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
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
