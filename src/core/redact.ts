/**
 * Secret redaction. Every token the agent knows (git token, dashboard tokens, gate secret) is
 * registered in a `Redactor` at start-up; logs, errors, commit messages and WS messages pass
 * through `redact` before they leave the process. Pure: the secret list is passed in.
 */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not redacted by substring (they would shred ordinary text). */
export const MIN_SECRET_LENGTH = 4;

export interface Redactor {
  readonly redact: (text: string) => string;
  readonly redactDeep: <T>(value: T) => T;
}

/** Credentials embedded in URLs (`https://user:token@host`) are always removed. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+)(?::([^/\s@]*))?@/gi;
/** `Authorization: Bearer xyz`, `token=xyz` style fragments. */
const BEARER = /\b(Bearer|Basic|token)(\s+|=)([A-Za-z0-9._~+/=-]{8,})/g;

export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const list = [
    ...new Set([...secrets].filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH)),
  ].sort((a, b) => b.length - a.length);
  const redact = (text: string): string => {
    let out = text.replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}${REDACTED}@`);
    out = out.replace(BEARER, (_m, kind: string, sep: string) => `${kind}${sep}${REDACTED}`);
    for (const s of list) out = out.split(s).join(REDACTED);
    return out;
  };
  const redactDeep = <T>(value: T): T => deep(value, redact, new WeakMap()) as T;
  return { redact, redactDeep };
}

function deep(value: unknown, redact: (s: string) => string, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(deep(v, redact, seen));
    return out;
  }
  if (value instanceof Error) {
    const out = { name: value.name, message: redact(value.message) };
    seen.set(value, out);
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = deep(v, redact, seen);
  return out;
}
