import { MaestroError } from '../core/errors';
import type { NamedObject } from './deployment-manifest';
import type { ManifestSource } from './manifest-source';
import { objectFields } from './read-fields';
import { editScalars, type ScalarEdit } from './splice-edit';

/** What the agent reads from a HorizontalPodAutoscaler (autoscaling/v2). */
export interface HpaState {
  /** spec.minReplicas, Kubernetes' default 1 when absent */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string };
  readonly line: number;
}

const hpa = (ref: NamedObject) => ({ kind: 'HorizontalPodAutoscaler', ...ref });

export function readHpa(source: ManifestSource, ref: NamedObject): HpaState {
  const f = objectFields(source, hpa(ref));
  const maxReplicas = f.integer(['spec', 'maxReplicas']);
  if (maxReplicas === undefined) throw f.invalid(['spec', 'maxReplicas'], 'is required by the HPA API');
  const kind = f.string(['spec', 'scaleTargetRef', 'kind']);
  const name = f.string(['spec', 'scaleTargetRef', 'name']);
  return {
    minReplicas: f.integer(['spec', 'minReplicas']) ?? 1,
    maxReplicas,
    ...(kind === undefined && name === undefined ? {} : { scaleTargetRef: { kind, name } }),
    line: f.line,
  };
}

/** New bounds; either may be left out to keep the current one. */
export interface HpaBounds {
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

/**
 * Sets `spec.minReplicas` and/or `spec.maxReplicas`. minReplicas is inserted when absent (it defaults
 * to 1); maxReplicas is required by the API and must be present. The result must keep
 * 1 <= minReplicas <= maxReplicas (the API server rejects anything else); otherwise
 * MANIFEST_SCHEMA_INVALID and nothing is returned.
 */
export function setHpaBounds(source: ManifestSource, ref: NamedObject, bounds: HpaBounds): string {
  for (const [key, v] of Object.entries(bounds)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new RangeError(`${key} must be an integer >= 1, got ${v}`);
  }
  const f = objectFields(source, hpa(ref));
  const min = bounds.minReplicas ?? f.integer(['spec', 'minReplicas']) ?? 1;
  const max = bounds.maxReplicas ?? f.integer(['spec', 'maxReplicas']);
  if (max !== undefined && min > max) {
    const path = bounds.minReplicas !== undefined ? ['spec', 'minReplicas'] : ['spec', 'maxReplicas'];
    const line = f.lineAt(path);
    throw new MaestroError(
      'MANIFEST_SCHEMA_INVALID',
      `${source.file}:${line}: HorizontalPodAutoscaler ${ref.name}: minReplicas ${min} would exceed maxReplicas ${max}; ` +
        `set both bounds together so that minReplicas <= maxReplicas. Nothing was written.`,
      {
        data: {
          file: source.file,
          line,
          kind: 'HorizontalPodAutoscaler',
          namespace: ref.namespace,
          name: ref.name,
          path: path.join('.'),
        },
      },
    );
  }
  const edits: ScalarEdit[] = [];
  if (bounds.minReplicas !== undefined) {
    edits.push({ path: ['spec', 'minReplicas'], value: bounds.minReplicas, insertIfMissing: true });
  }
  if (bounds.maxReplicas !== undefined)
    edits.push({ path: ['spec', 'maxReplicas'], value: bounds.maxReplicas });
  return editScalars(source, hpa(ref), edits);
}
