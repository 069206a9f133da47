import { GOOD_RELEASE, type ReleaseProfile } from './service-params';
import { imageTag } from './scenarios';

/**
 * How a release behaves, from its pod template: annotations first, then the scenario table keyed by
 * image tag, else a good release.
 *
 * Annotations on spec.template.metadata.annotations:
 * - `sim.maestro.dev/error-rate-delta`: extra 500 fraction, e.g. "0.05";
 * - `sim.maestro.dev/latency-multiplier`: service-time factor, e.g. "1.4";
 * - `sim.maestro.dev/subtle`: "true" marks a regression meant to be hard to see.
 */
export const ANNOTATION_ERROR_DELTA = 'sim.maestro.dev/error-rate-delta';
export const ANNOTATION_LATENCY_MULTIPLIER = 'sim.maestro.dev/latency-multiplier';
export const ANNOTATION_SUBTLE = 'sim.maestro.dev/subtle';

export function releaseProfileFor(
  image: string | undefined,
  annotations: Readonly<Record<string, string>>,
  table: Readonly<Record<string, ReleaseProfile>>,
): ReleaseProfile {
  const fromTable = image !== undefined ? table[imageTag(image)] : undefined;
  const base = fromTable ?? GOOD_RELEASE;
  const num = (k: string): number | undefined => {
    const v = annotations[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const errorRateDelta = num(ANNOTATION_ERROR_DELTA) ?? base.errorRateDelta;
  const latencyMultiplier = num(ANNOTATION_LATENCY_MULTIPLIER) ?? base.latencyMultiplier;
  const subtle =
    annotations[ANNOTATION_SUBTLE] !== undefined ? annotations[ANNOTATION_SUBTLE] === 'true' : base.subtle;
  return {
    errorRateDelta: Math.max(0, Math.min(1, errorRateDelta)),
    latencyMultiplier: Math.max(0.1, latencyMultiplier),
    ...(subtle ? { subtle: true } : {}),
  };
}
