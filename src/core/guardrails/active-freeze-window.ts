import { CronExpressionParser } from 'cron-parser';
import type { FreezeWindow } from '../guardrail-types';

export interface ActiveFreeze {
  readonly window: FreezeWindow;
  /** when the active window started, ms since epoch */
  readonly startedAt: number;
  /** set when the cron expression cannot be evaluated: the window counts as active (fail safe) */
  readonly invalid?: string;
}

/**
 * The first freeze window active at `nowMs`, if any. A window is active when its cron expression
 * (5 fields: minute hour day-of-month month day-of-week, evaluated in UTC, standard cron semantics
 * as implemented by cron-parser) fired within the last `durationMinutes`: start <= now < start +
 * duration. The start minute itself is inside the window; the end is not.
 *
 * An expression that cannot be evaluated counts as an active freeze: the config schema rejects such
 * expressions, so reaching this means the limits were built another way, and failing closed (no
 * agent change) is the safe reading of "I cannot tell whether we are frozen".
 */
export function activeFreezeWindow(
  windows: readonly FreezeWindow[],
  nowMs: number,
): ActiveFreeze | undefined {
  for (const window of windows) {
    const fields = window.cron.trim().split(/\s+/);
    if (fields.length !== 5) {
      return { window, startedAt: nowMs, invalid: `"${window.cron}" is not a 5-field cron expression` };
    }
    let startedAt: number;
    try {
      // prev() is strictly before currentDate: start 1 ms later so a window starting now counts
      const expr = CronExpressionParser.parse(window.cron, { currentDate: new Date(nowMs + 1), tz: 'UTC' });
      startedAt = expr.prev().getTime();
    } catch (e) {
      return { window, startedAt: nowMs, invalid: e instanceof Error ? e.message : String(e) };
    }
    if (nowMs - startedAt < window.durationMinutes * 60_000) return { window, startedAt };
  }
  return undefined;
}
