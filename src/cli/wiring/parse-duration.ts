import { MaestroError } from '../../core/errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `10m`, `1h`, `1500ms`, or a bare number of seconds → ms. Bad input is INPUT_INVALID naming the flag. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) {
    throw new MaestroError('INPUT_INVALID', `${flag}: "${text}" is not a duration; use e.g. 90s, 10m or 1h`, {
      data: { field: flag, value: text },
    });
  }
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (ms <= 0) throw new MaestroError('INPUT_INVALID', `${flag} must be positive`, { data: { field: flag } });
  return ms;
}
