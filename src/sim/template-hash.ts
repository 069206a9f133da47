import { createHash } from 'node:crypto';

/**
 * The pod-template hash Flagger compares (status.lastAppliedSpec / lastPromotedSpec) and sends as
 * the webhook `checksum`: sha256 of the template's canonical JSON (keys sorted), first 20 hex
 * characters. Flagger hashes the template spec in the same spirit (pkg/canary/util.go ComputeHash);
 * the exact digest only has to be stable and change with the template.
 */
export function templateHash(template: unknown): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 20);
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}
