/**
 * src/manifests: pure text-to-text YAML editing of the objects MAESTRO manages, keeping comments and
 * layout (only the edited scalar changes), plus Flagger CRD validation. Knows nothing of git or I/O:
 * text in, text out, the file name only for error messages.
 */
export type { ManifestSource, ObjectRef, FieldPath } from './manifest-source';
export { formatPath } from './manifest-source';
export { parseManifests } from './parse-manifests';
export { locateObject, findManifest, type LocatedObject, type ManifestLocation } from './locate-object';
export { editScalars, type ScalarEdit, type EditCheck, type EditContext } from './splice-edit';
export {
  readDeployment,
  setDeploymentReplicas,
  setContainerImage,
  restorePodTemplate,
  type NamedObject,
  type DeploymentState,
  type ContainerImage,
} from './deployment-manifest';
export { setAnnotation, removeAnnotation } from './annotation-editors';
export { readHpa, setHpaBounds, type HpaState, type HpaBounds } from './hpa-manifest';
export {
  readCanary,
  setCanaryStepWeight,
  setCanaryMaxWeight,
  setCanarySkipAnalysis,
  setCanaryWebhookUrl,
  validateCanaryManifest,
  type CanaryState,
  type CanaryAnalysis,
  type CanaryWebhook,
  type ObjectReference,
} from './canary-manifest';
export { canarySchemaProblems, type SchemaProblem } from './canary-schema';
export { checkCanaryEditHazards, effectiveMaxWeight, type CanaryHazard } from './canary-hazards';
