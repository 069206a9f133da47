import type { Clock } from '../core/ports';
import type { ControlLoop } from './control-loop';
import type { Leadership, LeaderElector } from './leader-election';

export type GatedTick =
  | { readonly role: 'leader'; readonly leadership: Leadership; readonly fresh: boolean }
  | { readonly role: 'follower'; readonly leadership: Leadership };

/**
 * One agent replica: each tick asks the elector first and runs a loop cycle only as the leader.
 * On becoming leader it builds a fresh loop and rebuilds its memory from git (`restore`: cooldowns
 * and the other replica's unapplied commit come from the commit trailers), so a takeover never
 * stacks a decision on a change the previous leader pushed and Flux has not applied yet. On losing
 * the lease the loop is dropped. The loop's repo should be `fencedRepo(...)` with the same elector,
 * so a lease lost mid-cycle still stops the push.
 *
 * Followers answer Flagger gates from no loop at all: their gate book is empty, so they fail closed.
 */
export class LeaderGatedLoop {
  private loop?: ControlLoop;
  private last?: Leadership;
  private running = false;
  private inFlight?: Promise<void>;

  constructor(
    private readonly elector: LeaderElector,
    private readonly makeLoop: () => ControlLoop,
    private readonly clock: Clock,
  ) {}

  /** the loop while leader */
  get current(): ControlLoop | undefined {
    return this.loop;
  }

  /** what the last tick learned; undefined before the first */
  get leadership(): Leadership | undefined {
    return this.last;
  }

  async tick(): Promise<GatedTick> {
    const leadership = await this.elector.tick(this.clock.now());
    this.last = leadership;
    if (!leadership.leader) {
      this.loop = undefined;
      return { role: 'follower', leadership };
    }
    const fresh = this.loop === undefined;
    if (!this.loop) {
      const loop = this.makeLoop();
      await loop.restore();
      this.loop = loop;
    }
    await this.loop.runCycle();
    return { role: 'leader', leadership, fresh };
  }

  /**
   * Ticks until stop(), one tick every `intervalMs` (the loop's cycle interval: the leader runs one
   * cycle per tick, a follower looks at the lease). A tick that throws (the history read while
   * taking over failed) is reported and the loop dropped, so the next tick as leader restores again.
   */
  start(intervalMs: number, onError: (e: unknown) => void, onTick?: (t: GatedTick) => void): void {
    if (this.running) return;
    this.running = true;
    const run = async () => {
      while (this.running) {
        const t0 = this.clock.now();
        try {
          const t = await this.tick();
          onTick?.(t);
        } catch (e) {
          this.loop = undefined;
          onError(e);
        }
        if (!this.running) break;
        await this.clock.sleep(Math.max(0, intervalMs - (this.clock.now() - t0)));
      }
    };
    this.inFlight = run();
  }

  /** Stops after the tick in flight; the lease is left to expire (a successor takes over then). */
  async stop(): Promise<void> {
    this.running = false;
    await this.inFlight;
    this.loop = undefined;
  }
}
