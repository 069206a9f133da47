import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Tests that need a real external program (Prometheus, Chromium, kubectl) call this at the top of
 * their describe block. Without the program the tests are skipped; under MAESTRO_REQUIRE_E2E=1 (CI)
 * a missing program fails the run instead, so CI can never pass by skipping.
 */
export function findBinary(names: readonly string[]): string | undefined {
  for (const n of names) {
    if (n.includes('/')) {
      if (existsSync(n)) return n;
      continue;
    }
    try {
      const p = execFileSync('sh', ['-c', `command -v ${n}`], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

export const requireE2E = process.env.MAESTRO_REQUIRE_E2E === '1';

/**
 * Returns `describe` when the binary exists, `describe.skip` otherwise; throws under
 * MAESTRO_REQUIRE_E2E=1 when it is missing.
 */
export function describeWithBinary(
  what: string,
  names: readonly string[],
): { describe: jest.Describe; path: string | undefined } {
  const path = findBinary(names);
  if (!path && requireE2E) {
    throw new Error(`${what} is required (MAESTRO_REQUIRE_E2E=1) but none of ${names.join(', ')} was found`);
  }
  return { describe: path ? describe : describe.skip, path };
}

export const PROMETHEUS = ['prometheus', '/usr/bin/prometheus'];
export const CHROMIUM = ['chromium', '/usr/bin/chromium', 'chromium-browser'];
