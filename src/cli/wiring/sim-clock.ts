import type { Clock } from '../../core/ports';

/**
 * The demo's clock: the simulator's virtual time (epoch + virtual seconds). At `--speed 20` one
 * wall second is 20 virtual seconds, so the agent's cycle interval, cooldowns and apply timeouts
 * mean the same in the simulated cluster as in a real one; `sleep` waits the wall-clock share.
 */
export class SimClock implements Clock {
  constructor(
    private readonly sim: { readonly epochMs: number; readonly now: number },
    private readonly speed: number,
  ) {}

  now(): number {
    return this.sim.epochMs + Math.round(this.sim.now * 1000);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / this.speed)));
  }
}
