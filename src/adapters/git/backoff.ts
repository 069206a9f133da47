/**
 * Retry delays after a lost push race or a network error: exponential growth capped at `maxMs`,
 * with "full jitter" (a uniform draw in [0, cap)), which spreads competing writers apart best
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015). Pure: the random source is
 * passed in.
 */
export interface BackoffOptions {
  /** delay cap of the first retry (ms) */
  readonly baseMs: number;
  /** no delay is longer than this (ms) */
  readonly maxMs: number;
  /** push attempts in total, the first one included */
  readonly maxAttempts: number;
}

/** Defaults: 200 ms, 10 s, 8 attempts — worst case about 25 s of waiting before giving up. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 200, maxMs: 10_000, maxAttempts: 8 });

/** Delay (ms) before retry number `retry` (1 = the first retry). `random()` is in [0, 1). */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}
