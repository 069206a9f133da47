import { MaestroError } from '../../core/errors';

/**
 * Built-in traffic patterns: the mean request rate (requests per second) at simulated time t
 * (seconds since the start of the run). Arrival noise (Poisson counts, plus optional multiplicative
 * jitter) is added by the arrival process, not here, so a pattern is a pure function of t.
 */
export type TrafficPattern =
  | { readonly kind: 'steady'; readonly rps: number }
  /** a sine day: base ± amplitude, lowest at `troughAtSeconds` (default 4 h into the day) */
  | {
      readonly kind: 'diurnal';
      readonly baseRps: number;
      readonly amplitudeRps: number;
      readonly periodSeconds?: number;
      readonly troughAtSeconds?: number;
    }
  /** linear from fromRps to toRps over durationSeconds, then flat */
  | {
      readonly kind: 'ramp';
      readonly fromRps: number;
      readonly toRps: number;
      readonly durationSeconds: number;
    }
  /** base, then a rectangular spike with linear edges of riseSeconds */
  | {
      readonly kind: 'spike';
      readonly baseRps: number;
      readonly peakRps: number;
      readonly atSeconds: number;
      readonly durationSeconds: number;
      readonly riseSeconds?: number;
    }
  /** base, then a near-instant jump to peak that decays exponentially (half-life) back to base */
  | {
      readonly kind: 'flash-crowd';
      readonly baseRps: number;
      readonly peakRps: number;
      readonly atSeconds: number;
      readonly riseSeconds?: number;
      readonly halfLifeSeconds: number;
    }
  /** square wave: highRps for onSeconds, then lowRps for offSeconds, repeating */
  | {
      readonly kind: 'on-off';
      readonly lowRps: number;
      readonly highRps: number;
      readonly onSeconds: number;
      readonly offSeconds: number;
    }
  /** k6-style stages: ramp linearly from the previous target (start: startRps, default 0) to each target */
  | {
      readonly kind: 'stages';
      readonly startRps?: number;
      readonly stages: ReadonlyArray<{ readonly durationSeconds: number; readonly targetRps: number }>;
    }
  /** sum of patterns (e.g. diurnal + flash crowd) */
  | { readonly kind: 'sum'; readonly parts: readonly TrafficPattern[] }
  /** another pattern started `offsetSeconds` in (random episode starts) */
  | { readonly kind: 'shifted'; readonly offsetSeconds: number; readonly inner: TrafficPattern }
  /** a replayed trace: rate per row, piecewise constant, wrapping around at the end */
  | { readonly kind: 'trace'; readonly stepSeconds: number; readonly rps: readonly number[] };

/** Mean request rate (1/s) at time t (s). Never negative. */
export function rateAt(p: TrafficPattern, t: number): number {
  const r = rawRate(p, t);
  return r > 0 ? r : 0;
}

function rawRate(p: TrafficPattern, t: number): number {
  switch (p.kind) {
    case 'steady':
      return p.rps;
    case 'diurnal': {
      const period = p.periodSeconds ?? 86400;
      const trough = p.troughAtSeconds ?? 4 * 3600;
      return p.baseRps - p.amplitudeRps * Math.cos((2 * Math.PI * (t - trough)) / period);
    }
    case 'ramp':
      if (t >= p.durationSeconds) return p.toRps;
      return p.fromRps + ((p.toRps - p.fromRps) * Math.max(0, t)) / p.durationSeconds;
    case 'spike': {
      const rise = p.riseSeconds ?? 30;
      const end = p.atSeconds + p.durationSeconds;
      const extra = p.peakRps - p.baseRps;
      if (t < p.atSeconds || t > end + rise) return p.baseRps;
      if (t < p.atSeconds + rise) return p.baseRps + (extra * (t - p.atSeconds)) / rise;
      if (t <= end) return p.peakRps;
      return p.peakRps - (extra * (t - end)) / rise;
    }
    case 'flash-crowd': {
      const rise = p.riseSeconds ?? 10;
      if (t < p.atSeconds) return p.baseRps;
      const extra = p.peakRps - p.baseRps;
      if (t < p.atSeconds + rise) return p.baseRps + (extra * (t - p.atSeconds)) / rise;
      return p.baseRps + extra * Math.pow(0.5, (t - p.atSeconds - rise) / p.halfLifeSeconds);
    }
    case 'on-off': {
      const cycle = p.onSeconds + p.offSeconds;
      const phase = ((t % cycle) + cycle) % cycle;
      return phase < p.onSeconds ? p.highRps : p.lowRps;
    }
    case 'stages': {
      let from = p.startRps ?? 0;
      let start = 0;
      for (const s of p.stages) {
        if (t < start + s.durationSeconds) {
          return s.durationSeconds <= 0
            ? s.targetRps
            : from + ((s.targetRps - from) * (t - start)) / s.durationSeconds;
        }
        from = s.targetRps;
        start += s.durationSeconds;
      }
      return from;
    }
    case 'sum': {
      let total = 0;
      for (const part of p.parts) total += rawRate(part, t);
      return total;
    }
    case 'shifted':
      return rawRate(p.inner, t + p.offsetSeconds);
    case 'trace': {
      const n = p.rps.length;
      if (n === 0) return 0;
      const i = Math.floor(t / p.stepSeconds) % n;
      return p.rps[i < 0 ? i + n : i] ?? 0;
    }
  }
}

/** Natural length of a pattern (s) when it has one (stages, trace), else undefined. */
export function patternDuration(p: TrafficPattern): number | undefined {
  if (p.kind === 'trace') return p.stepSeconds * p.rps.length;
  if (p.kind === 'stages') return p.stages.reduce((s, x) => s + x.durationSeconds, 0);
  return undefined;
}

/** Peak rate over [0, horizon] sampled every `stepSeconds` (for scaling and sizing). */
export function peakRate(p: TrafficPattern, horizonSeconds: number, stepSeconds = 10): number {
  let peak = 0;
  for (let t = 0; t <= horizonSeconds; t += stepSeconds) peak = Math.max(peak, rateAt(p, t));
  return peak;
}

/**
 * Parses a k6-style stages string: `30s:100,5m:400,1m:0` (duration:target rps). Durations take
 * s, m, h suffixes (default seconds).
 */
export function parseStages(text: string): TrafficPattern {
  const stages = text.split(',').map((part, i) => {
    const m = /^\s*(\d+(?:\.\d+)?)(s|m|h)?\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) {
      throw new MaestroError('INPUT_INVALID', `stages[${i}]: "${part}" is not duration:rps (e.g. 5m:400)`, {
        data: { field: `stages[${i}]` },
      });
    }
    return { durationSeconds: parseDurationSeconds(`${m[1]}${m[2] ?? 's'}`), targetRps: Number(m[3]) };
  });
  return { kind: 'stages', stages };
}

/** `90`, `90s`, `15m`, `2h`, `1h30m` → seconds. Throws INPUT_INVALID otherwise. */
export function parseDurationSeconds(text: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    matched += m[0].length;
    const n = Number(m[1]);
    const unit = m[2];
    total +=
      unit === 'ms'
        ? n / 1000
        : unit === 's'
          ? n
          : unit === 'm'
            ? n * 60
            : unit === 'h'
              ? n * 3600
              : n * 86400;
  }
  if (matched !== s.length || s.length === 0) {
    throw new MaestroError('INPUT_INVALID', `"${text}" is not a duration (use e.g. 90s, 15m, 2h, 1h30m)`, {
      data: { value: text },
    });
  }
  return total;
}
