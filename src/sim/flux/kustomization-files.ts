import { parseAllDocuments } from 'yaml';
import { MaestroError } from '../../core/errors';
import type { RepoSnapshot } from '../../core/ports';

/**
 * What Flux's kustomize-controller applies for one Kustomization: the YAML objects of the files a
 * `kustomization.yaml` lists under `resources:` (files, or folders with their own
 * kustomization.yaml), read from one commit. Whole files are applied, as Flux does; a parse error
 * fails the whole apply (YAML_PARSE naming file and line). Overlays, patches and generators are
 * not simulated (the demo repo does not use them).
 */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly spec?: Record<string, unknown>;
  readonly [k: string]: unknown;
  /** where it came from (file path in the repo) */
  readonly __file: string;
}

function join(dir: string, rel: string): string {
  const parts = [...(dir === '' || dir === '.' ? [] : dir.split('/')), ...rel.split('/')];
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

export async function readKustomization(snapshot: RepoSnapshot, path: string): Promise<K8sObject[]> {
  const objects: K8sObject[] = [];
  const seen = new Set<string>();
  const visitDir = async (dir: string): Promise<void> => {
    const kfile = join(dir, 'kustomization.yaml');
    if (seen.has(kfile)) return;
    seen.add(kfile);
    const text =
      (await snapshot.readFile(kfile)) ?? (await snapshot.readFile(join(dir, 'kustomization.yml')));
    if (text === undefined) {
      throw new MaestroError('NOT_FOUND', `${kfile}: no kustomization.yaml at ${dir || '.'}`, {
        data: { file: kfile },
      });
    }
    const [k] = parseFile(text, kfile) as Array<{ resources?: unknown }>;
    const resources = Array.isArray(k?.resources) ? (k.resources as unknown[]) : [];
    for (const r of resources) {
      if (typeof r !== 'string') continue;
      const p = join(dir, r);
      if (/\.ya?ml$/.test(p)) {
        const body = await snapshot.readFile(p);
        if (body === undefined) {
          throw new MaestroError('NOT_FOUND', `${kfile}: resource ${r} does not exist`, {
            data: { file: kfile, field: 'resources' },
          });
        }
        for (const doc of parseFile(body, p)) {
          if (doc && typeof doc === 'object' && typeof (doc as { kind?: unknown }).kind === 'string') {
            objects.push({ ...(doc as object), __file: p } as K8sObject);
          }
        }
      } else await visitDir(p);
    }
  };
  await visitDir(path);
  return objects;
}

function parseFile(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const first = err.message.split('\n')[0] ?? err.message;
      throw new MaestroError('YAML_PARSE', `${file}${line ? `:${line}` : ''}: ${first}`, {
        data: { file, line },
      });
    }
    out.push(d.toJS());
  }
  return out;
}
