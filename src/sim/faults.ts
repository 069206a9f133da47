import type { Rng } from './rng';

/**
 * Faults, as a seeded schedule. Each kind arrives as a Poisson process at its rate; the schedule is
 * drawn up front from its own RNG stream, so adding a fault kind never shifts the traffic noise.
 */
export type FaultEvent =
  /** kill `count` pods of the service (the Deployment recreates them, with start-up delay) */
  | { readonly kind: 'pod-kill'; readonly at: number; readonly count: number }
  /** a node and its pods are gone for durationSeconds */
  | {
      readonly kind: 'node-loss';
      readonly at: number;
      readonly node: number;
      readonly durationSeconds: number;
    }
  /** pods on the node serve `factor` times as fast (0.5 = half speed) for durationSeconds */
  | {
      readonly kind: 'noisy-neighbour';
      readonly at: number;
      readonly node: number;
      readonly factor: number;
      readonly durationSeconds: number;
    }
  /** every response of the service gets addedMs more latency for durationSeconds */
  | {
      readonly kind: 'latency-injection';
      readonly at: number;
      readonly addedMs: number;
      readonly durationSeconds: number;
    };

/** Expected events per hour of each kind (0 = never). */
export interface FaultRates {
  readonly podKillsPerHour: number;
  readonly nodeLossesPerHour: number;
  readonly noisyNeighboursPerHour: number;
  readonly latencyInjectionsPerHour: number;
}

export const NO_FAULTS: FaultRates = Object.freeze({
  podKillsPerHour: 0,
  nodeLossesPerHour: 0,
  noisyNeighboursPerHour: 0,
  latencyInjectionsPerHour: 0,
});

/** The schedule of faults over [0, horizonSeconds), sorted by time. */
export function faultSchedule(
  rates: FaultRates,
  horizonSeconds: number,
  nodeCount: number,
  rng: Rng,
): FaultEvent[] {
  const events: FaultEvent[] = [];
  const arrivals = (perHour: number, make: (at: number) => FaultEvent) => {
    if (!(perHour > 0)) return;
    let t = 0;
    for (;;) {
      t += (-Math.log(1 - rng.next()) * 3600) / perHour;
      if (t >= horizonSeconds) break;
      events.push(make(t));
    }
  };
  arrivals(rates.podKillsPerHour, (at) => ({ kind: 'pod-kill', at, count: 1 }));
  arrivals(rates.nodeLossesPerHour, (at) => ({
    kind: 'node-loss',
    at,
    node: rng.int(0, nodeCount - 1),
    durationSeconds: 300 + 600 * rng.next(),
  }));
  arrivals(rates.noisyNeighboursPerHour, (at) => ({
    kind: 'noisy-neighbour',
    at,
    node: rng.int(0, nodeCount - 1),
    factor: 0.4 + 0.4 * rng.next(),
    durationSeconds: 120 + 480 * rng.next(),
  }));
  arrivals(rates.latencyInjectionsPerHour, (at) => ({
    kind: 'latency-injection',
    at,
    addedMs: 50 + 250 * rng.next(),
    durationSeconds: 60 + 240 * rng.next(),
  }));
  return events.sort((a, b) => a.at - b.at);
}
