import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './protocol';

/**
 * Bearer-token authentication with two roles: `viewer` reads, `operator` also overrides. Tokens
 * come from the environment or files (never from the config file itself); the CLI resolves them and
 * hands the list here. Each token names the person it belongs to, who is recorded as the author of
 * their overrides.
 */
export interface Principal {
  readonly user: string;
  readonly email: string;
  readonly role: Role;
}

export interface TokenEntry extends Principal {
  readonly token: string;
  /**
   * A login token (the demo's dashboard link): it opens no API or WS by itself; it can be exchanged
   * exactly once for a session token (POST /api/session), so a link seen in a terminal, a shell
   * history or a screen share is useless once the dashboard has used it.
   */
  readonly oneTime?: boolean;
}

/** Minimum token length: shorter tokens are refused at start-up (guessable). */
export const MIN_TOKEN_LENGTH = 16;

export class TokenBook {
  private readonly entries: Array<{ digest: Buffer; principal: Principal; oneTime: boolean; used: boolean }>;

  constructor(tokens: readonly TokenEntry[]) {
    this.entries = tokens.map((t) => {
      if (t.token.length < MIN_TOKEN_LENGTH) {
        throw new Error(`the token of ${t.user} is shorter than ${MIN_TOKEN_LENGTH} characters`);
      }
      return {
        digest: digest(t.token),
        principal: { user: t.user, email: t.email, role: t.role },
        oneTime: t.oneTime === true,
        used: false,
      };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal for a token, compared in constant time over digests; undefined when unknown. */
  lookup(token: string | undefined): Principal | undefined {
    const e = this.find(token);
    return e && !e.oneTime ? e.principal : undefined;
  }

  /**
   * Exchanges an unused one-time token for a new session token of the same person and role;
   * undefined for anything else (unknown, reusable, or already used).
   */
  exchange(token: string | undefined): { token: string; principal: Principal } | undefined {
    const e = this.find(token);
    if (!e || !e.oneTime || e.used) return undefined;
    e.used = true;
    const session = randomBytes(24).toString('base64url');
    this.entries.push({ digest: digest(session), principal: e.principal, oneTime: false, used: false });
    return { token: session, principal: e.principal };
  }

  private find(token: string | undefined) {
    if (!token) return undefined;
    const d = digest(token);
    let found: (typeof this.entries)[number] | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) found = e;
    return found;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** `Authorization: Bearer <token>` → token */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export function allows(role: Role, needed: Role): boolean {
  return needed === 'viewer' || role === 'operator';
}

/**
 * Same-origin check for browsers. Requests without an Origin header (curl, Flagger) pass: they
 * cannot carry a victim's credentials anyway, the bearer token is never a cookie. With an Origin,
 * it must be this server's own origin (from Host) or one of `allowed`.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host;
  } catch {
    return false;
  }
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
