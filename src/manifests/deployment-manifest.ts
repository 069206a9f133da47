import { ObjectFields, entryIndexByName } from './read-fields';
import type { ManifestSource } from './manifest-source';
import { editScalars } from './splice-edit';

/** Which Deployment: by name, and by namespace unless the manifest leaves it to kustomize. */
export interface NamedObject {
  readonly name: string;
  readonly namespace?: string;
}

/** One container of the pod template. */
export interface ContainerImage {
  readonly name: string;
  readonly image: string;
}

/** What the agent reads from a Deployment. */
export interface DeploymentState {
  /** spec.replicas; undefined when absent (Kubernetes then defaults to 1, or an HPA/Flagger owns it) */
  readonly replicas?: number;
  readonly containers: readonly ContainerImage[];
  /** 1-based line of the object in its file */
  readonly line: number;
}

const deployment = (ref: NamedObject) => ({ kind: 'Deployment', ...ref });
const CONTAINERS = ['spec', 'template', 'spec', 'containers'] as const;

export function readDeployment(source: ManifestSource, ref: NamedObject): DeploymentState {
  const f = ObjectFields.of(source, deployment(ref));
  const replicas = f.integer(['spec', 'replicas']);
  const containers: ContainerImage[] = [];
  for (let i = 0; i < f.listLength(CONTAINERS); i += 1) {
    containers.push({
      name: f.string([...CONTAINERS, i, 'name']) ?? '',
      image: f.string([...CONTAINERS, i, 'image']) ?? '',
    });
  }
  return { ...(replicas === undefined ? {} : { replicas }), containers, line: f.line };
}

/**
 * Sets `spec.replicas` of a Deployment. Refuses (MANIFEST_FIELD_MISSING) when the Deployment has
 * no `spec.replicas`: such a Deployment is almost always scaled by an HPA or is a Flagger target,
 * and DESIGN-NOTES forbids keeping `spec.replicas` in git for a Flagger target (Flux would scale the
 * canary back up after Flagger zeroes it). Scale those through the HPA bounds; to let MAESTRO own a
 * plain Deployment's replicas, commit `replicas: N` once by hand.
 */
export function setDeploymentReplicas(source: ManifestSource, ref: NamedObject, replicas: number): string {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`replicas must be a non-negative integer, got ${replicas}`);
  }
  return editScalars(source, deployment(ref), [
    {
      path: ['spec', 'replicas'],
      value: replicas,
      missingHint:
        'is not set. A Deployment without spec.replicas is scaled by an HPA or is a Flagger target, and ' +
        'spec.replicas must never be kept in git for a Flagger target (DESIGN-NOTES, "Canaries"): scale it ' +
        'through the HPA bounds instead, or add `replicas: N` by hand if MAESTRO should own this Deployment',
    },
  ]);
}

/**
 * Sets the image of the container named `container` in the pod template (the rollback write-back:
 * put the last promoted image back so git matches what Flagger runs).
 */
export function setContainerImage(
  source: ManifestSource,
  ref: NamedObject,
  container: string,
  image: string,
): string {
  if (image.trim() === '' || /\s/.test(image))
    throw new RangeError(`not a container image reference: ${JSON.stringify(image)}`);
  const f = ObjectFields.of(source, deployment(ref));
  const i = entryIndexByName(f, CONTAINERS, container, 'container');
  return editScalars(source, deployment(ref), [{ path: [...CONTAINERS, i, 'image'], value: image }]);
}
