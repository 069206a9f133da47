import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Paths and YAML readers shared by the deploy-artifact tests. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const TEMPLATE_DIR = join(REPO_ROOT, 'gitops-repo-template');
export const FLUX_DIR = join(REPO_ROOT, 'flux');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Every object in a YAML text; a parse error fails the test with the file name. */
export function parseObjects(text: string, file: string): K8sObject[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const out: K8sObject[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
    const v = d.toJS() as K8sObject | null;
    if (v !== null) out.push(v);
  }
  return out;
}

export function readObjects(file: string): K8sObject[] {
  return parseObjects(readFileSync(file, 'utf8'), file);
}

/** Every file below `dir` (repo-relative, `/`-separated) whose name matches `pattern`. */
export function filesBelow(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (pattern.test(e.name)) out.push(relative(REPO_ROOT, abs).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Folders holding a kustomization.yaml, repo-relative. */
export function kustomizationDirs(): string[] {
  return [
    ...filesBelow(TEMPLATE_DIR, /^kustomization\.yaml$/),
    ...filesBelow(FLUX_DIR, /^kustomization\.yaml$/),
  ]
    .map((f) => f.slice(0, -'/kustomization.yaml'.length))
    .sort();
}

/** Looks a dotted path up in a plain object: get(o, 'spec.analysis.stepWeight'). */
export function get(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
