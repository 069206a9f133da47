import { MaestroError } from '../../core/errors';
import { createRng, type Rng } from '../rng';

/**
 * Synthetic but realistic request-count traces, made with the seeded RNG; `maestro sim gen-trace`
 * prints them and traces/*.csv were written with it (traces/README.md lists the seeds).
 *
 * Shapes (requests per row; noise is lognormal per row plus a slow AR(1) drift):
 * - `day`: 24 h at 1-minute rows, ISO timestamps; morning and evening peaks (~350/700 rps at the
 *   top), night trough (~60 rps), one flash crowd (×3, 8-minute half-life) at a random hour.
 * - `week`: 7 days compressed to 5-minute rows, numeric seconds; weekdays busier than the weekend,
 *   a lunch dip, Monday-morning surge.
 * - `bursty`: 6 h at 30-second rows, ISO timestamps; an e-commerce sale: flat base with random
 *   5-20-minute bursts of ×2-×5 and one step change (campaign starts).
 */
export const TRACE_SHAPES: Readonly<Record<string, (rng: Rng) => string>> = Object.freeze({
  day: (rng) => day(rng),
  week: (rng) => week(rng),
  bursty: (rng) => bursty(rng),
});

export function generateTrace(shape: string, seed: number | string): string {
  const make = TRACE_SHAPES[shape];
  if (!make) {
    throw new MaestroError(
      'INPUT_INVALID',
      `unknown trace shape "${shape}"; use ${Object.keys(TRACE_SHAPES).join(', ')}`,
      {
        data: { field: 'shape' },
      },
    );
  }
  return make(createRng(seed));
}

function noise(rng: Rng, sigma: number): number {
  return Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
}

function iso(baseMs: number, seconds: number): string {
  return new Date(baseMs + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function bump(x: number, centre: number, width: number): number {
  const d = (x - centre) / width;
  return Math.exp(-d * d);
}

function day(rng: Rng): string {
  const base = Date.UTC(2025, 2, 4);
  const step = 60;
  const flashAt = (9 + rng.next() * 10) * 3600;
  let drift = 0;
  const out = ['timestamp,requests'];
  for (let i = 0; i < 1440; i++) {
    const t = i * step;
    const h = t / 3600;
    drift = 0.97 * drift + 0.03 * rng.normal();
    let rps = 60 + 290 * bump(h, 10.5, 2.6) + 640 * bump(h, 19.5, 2.4) + 120 * bump(h, 14, 4);
    if (t >= flashAt) rps += 2 * rps * Math.pow(0.5, (t - flashAt) / 480);
    rps *= Math.exp(0.15 * drift) * noise(rng, 0.06);
    out.push(`${iso(base, t)},${Math.round(rps * step)}`);
  }
  return `${out.join('\n')}\n`;
}

function week(rng: Rng): string {
  const step = 300;
  let drift = 0;
  const out = ['seconds,requests'];
  for (let i = 0; i < 7 * 288; i++) {
    const t = i * step;
    const d = Math.floor(t / 86400);
    const h = (t % 86400) / 3600;
    const weekend = d >= 5;
    drift = 0.98 * drift + 0.02 * rng.normal();
    const level = weekend ? 0.55 : 1;
    let rps = 80 + level * (420 * bump(h, 11, 3) + 380 * bump(h, 16, 2.5) - 90 * bump(h, 12.8, 0.6));
    if (d === 0) rps += 300 * bump(h, 9, 1);
    rps *= Math.exp(0.12 * drift) * noise(rng, 0.05);
    out.push(`${t},${Math.round(Math.max(0, rps) * step)}`);
  }
  return `${out.join('\n')}\n`;
}

function bursty(rng: Rng): string {
  const base = Date.UTC(2025, 10, 28, 6);
  const step = 30;
  const rows = (6 * 3600) / step;
  const campaignAt = (1.5 + rng.next() * 2) * 3600;
  const bursts: Array<{ at: number; len: number; factor: number }> = [];
  for (let t = 0; t < rows * step;) {
    t += 900 + rng.next() * 2400;
    bursts.push({ at: t, len: 300 + rng.next() * 900, factor: 2 + rng.next() * 3 });
  }
  const out = ['timestamp,requests'];
  let drift = 0;
  for (let i = 0; i < rows; i++) {
    const t = i * step;
    drift = 0.95 * drift + 0.05 * rng.normal();
    let rps = t >= campaignAt ? 260 : 150;
    for (const b of bursts) {
      if (t >= b.at && t < b.at + b.len) {
        const edge = Math.min(1, (t - b.at) / 60, (b.at + b.len - t) / 60);
        rps *= 1 + (b.factor - 1) * edge;
      }
    }
    rps *= Math.exp(0.2 * drift) * noise(rng, 0.08);
    out.push(`${iso(base, t)},${Math.round(rps * step)}`);
  }
  return `${out.join('\n')}\n`;
}
