import { MaestroError } from '../core/errors';
import { NO_FAULTS, type FaultRates } from './faults';
import { GOOD_RELEASE, type ReleaseProfile, type ServiceParams } from './service-params';
import type { TrafficPattern } from './traffic/patterns';

/**
 * Named scenarios: traffic, service, faults and releases. `maestro sim run --scenario NAME` and the
 * envs use them; the demo runs `demo` in real time.
 *
 * Releases: a pod-template image change starts a canary run (or a rolling update without a Canary).
 * How the release behaves is looked up by image tag in `releaseProfiles` (the annotation
 * `sim.maestro.dev/release` on the pod template, see release-profile.ts, overrides the table).
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly pattern: TrafficPattern;
  readonly service?: Partial<ServiceParams>;
  readonly faults: FaultRates;
  /** default run length (s) */
  readonly durationSeconds: number;
  /** image changes applied at these times in virtual-time runs (the demo commits them to git) */
  readonly releases: ReadonlyArray<{ readonly atSeconds: number; readonly image: string }>;
  readonly releaseProfiles: Readonly<Record<string, ReleaseProfile>>;
}

/** Release profiles keyed by image tag, shared by the scenarios. */
export const RELEASE_PROFILES: Readonly<Record<string, ReleaseProfile>> = Object.freeze({
  '1.0.0': GOOD_RELEASE,
  '1.1.0': GOOD_RELEASE,
  /** loud error regression: 8 % more 500s */
  '1.2.0': { errorRateDelta: 0.08, latencyMultiplier: 1 },
  /** loud latency regression: 2.5× service time */
  '1.3.0': { errorRateDelta: 0, latencyMultiplier: 2.5 },
  /** subtle: 0.8 % more errors, 15 % slower: under typical Flagger thresholds */
  '1.4.0': { errorRateDelta: 0.008, latencyMultiplier: 1.15, subtle: true },
  '1.5.0': GOOD_RELEASE,
});

const base = { faults: NO_FAULTS, releases: [], releaseProfiles: RELEASE_PROFILES } as const;

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  steady: {
    ...base,
    name: 'steady',
    description: 'steady 400 rps',
    pattern: { kind: 'steady', rps: 400 },
    durationSeconds: 3600,
  },
  diurnal: {
    ...base,
    name: 'diurnal',
    description: 'one day of sine traffic, 100..700 rps, trough at 04:00',
    pattern: { kind: 'diurnal', baseRps: 400, amplitudeRps: 300 },
    durationSeconds: 86400,
  },
  'diurnal-fast': {
    ...base,
    name: 'diurnal-fast',
    description: 'a "day" compressed into 1 h, 100..700 rps',
    pattern: { kind: 'diurnal', baseRps: 400, amplitudeRps: 300, periodSeconds: 3600, troughAtSeconds: 0 },
    durationSeconds: 7200,
  },
  ramp: {
    ...base,
    name: 'ramp',
    description: 'linear ramp 100 → 1200 rps over 1 h',
    pattern: { kind: 'ramp', fromRps: 100, toRps: 1200, durationSeconds: 3600 },
    durationSeconds: 5400,
  },
  spike: {
    ...base,
    name: 'spike',
    description: '300 rps with a 10-minute spike to 1200 rps at 20 min',
    pattern: {
      kind: 'spike',
      baseRps: 300,
      peakRps: 1200,
      atSeconds: 1200,
      durationSeconds: 600,
      riseSeconds: 30,
    },
    durationSeconds: 3600,
  },
  'flash-crowd': {
    ...base,
    name: 'flash-crowd',
    description: '300 rps, jump to 1600 rps at 15 min decaying with a 5-minute half-life',
    pattern: {
      kind: 'flash-crowd',
      baseRps: 300,
      peakRps: 1600,
      atSeconds: 900,
      riseSeconds: 10,
      halfLifeSeconds: 300,
    },
    durationSeconds: 3600,
  },
  bursts: {
    ...base,
    name: 'bursts',
    description: 'on/off bursts: 900 rps for 5 min, 200 rps for 10 min',
    pattern: { kind: 'on-off', lowRps: 200, highRps: 900, onSeconds: 300, offSeconds: 600 },
    durationSeconds: 3600,
  },
  stages: {
    ...base,
    name: 'stages',
    description: 'k6-style stages: 5m→300, 10m→900, 5m→900, 10m→100',
    pattern: {
      kind: 'stages',
      startRps: 50,
      stages: [
        { durationSeconds: 300, targetRps: 300 },
        { durationSeconds: 600, targetRps: 900 },
        { durationSeconds: 300, targetRps: 900 },
        { durationSeconds: 600, targetRps: 100 },
      ],
    },
    durationSeconds: 1800,
  },
  faults: {
    ...base,
    name: 'faults',
    description: 'steady 500 rps with pod kills, node loss, noisy neighbours and latency injection',
    pattern: { kind: 'steady', rps: 500 },
    faults: {
      podKillsPerHour: 6,
      nodeLossesPerHour: 0.5,
      noisyNeighboursPerHour: 1,
      latencyInjectionsPerHour: 1,
    },
    durationSeconds: 7200,
  },
  demo: {
    ...base,
    name: 'demo',
    description:
      'demo: 250 rps with a spike to 900 rps at 12 min; a good release (1.1.0) at 3 min and a bad one (1.2.0) at 25 min',
    pattern: {
      kind: 'sum',
      parts: [
        { kind: 'diurnal', baseRps: 250, amplitudeRps: 50, periodSeconds: 3600, troughAtSeconds: 0 },
        { kind: 'spike', baseRps: 0, peakRps: 650, atSeconds: 720, durationSeconds: 300, riseSeconds: 60 },
      ],
    },
    durationSeconds: 2400,
    releases: [
      { atSeconds: 180, image: 'ghcr.io/maestro-demo/web:1.1.0' },
      { atSeconds: 1500, image: 'ghcr.io/maestro-demo/web:1.2.0' },
    ],
  },
});

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS).sort();
}

export function getScenario(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) {
    throw new MaestroError(
      'INPUT_INVALID',
      `unknown scenario "${name}"; choose one of ${scenarioNames().join(', ')}`,
      {
        data: { field: 'scenario', value: name },
      },
    );
  }
  return s;
}

/** The tag of an image reference (`repo/name:1.2.0` → `1.2.0`; digest-only → the digest). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}
