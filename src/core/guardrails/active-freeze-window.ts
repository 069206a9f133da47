import type { FreezeWindow } from '../guardrail-types';
import { latestFiring, parseCron } from './cron-schedule';

export interface ActiveFreeze {
  readonly window: FreezeWindow;
  /** when the active window started, ms since epoch */
  readonly startedAt: number;
  /** set when the cron expression cannot be read: the window counts as active (fail safe) */
  readonly invalid?: string;
}

/**
 * The first freeze window active at `nowMs`, if any. A window is active when its cron expression
 * (5 fields, UTC; see cron-schedule.ts) fired within the last `durationMinutes`:
 * start <= now < start + duration. The start minute itself is inside the window; the end is not.
 *
 * An expression that cannot be read counts as an active freeze: the config schema rejects such
 * expressions, so reaching this means the limits were built another way, and failing closed (no
 * agent change) is the safe reading of "I cannot tell whether we are frozen".
 */
export function activeFreezeWindow(
  windows: readonly FreezeWindow[],
  nowMs: number,
): ActiveFreeze | undefined {
  for (const window of windows) {
    const parsed = parseCron(window.cron);
    if (!parsed.ok) return { window, startedAt: nowMs, invalid: `"${window.cron}" ${parsed.error}` };
    const startedAt = latestFiring(parsed.schedule, nowMs, window.durationMinutes * 60_000);
    if (startedAt !== undefined) return { window, startedAt };
  }
  return undefined;
}
