import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MaestroConfig } from '../../config/schema';
import { MaestroError } from '../../core/errors';
import { MIN_TOKEN_LENGTH, type TokenEntry } from '../../server/auth';

/**
 * Resolves `server.tokens[]` to the secrets themselves: each names an env var or a file (a mounted
 * Secret), never the token. A configured token that is missing or too short is a config error
 * naming the entry, so the agent never starts with an API nobody can (or everybody can) use.
 */
export function resolveTokens(config: MaestroConfig, env: NodeJS.ProcessEnv): TokenEntry[] {
  return config.server.tokens.map((t, i) => {
    const where = `server.tokens[${i}]`;
    let token: string | undefined;
    if (t.env !== undefined) {
      token = env[t.env];
      if (!token) {
        throw new MaestroError('CONFIG_INVALID', `${where}: environment variable ${t.env} is not set`, {
          data: { path: where, env: t.env },
        });
      }
    } else if (t.file !== undefined) {
      try {
        token = readFileSync(t.file, 'utf8').trim();
      } catch (cause) {
        throw new MaestroError('CONFIG_INVALID', `${where}: cannot read token file ${t.file}`, {
          data: { path: where, file: t.file },
          cause,
        });
      }
    }
    if (!token || token.length < MIN_TOKEN_LENGTH) {
      throw new MaestroError(
        'CONFIG_INVALID',
        `${where}: the token must be at least ${MIN_TOKEN_LENGTH} characters`,
        {
          data: { path: where },
        },
      );
    }
    return { token, user: t.user, email: emailFor(t.user), role: t.role };
  });
}

/** The email recorded as commit author for a token's user: the user itself when it is an address. */
export function emailFor(user: string): string {
  if (/^[^\s<>@]+@[^\s<>@]+$/.test(user)) return user;
  return `${user.toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'operator'}@maestro.local`;
}

/** A random operator token for one demo run (printed once in the dashboard URL). */
export function oneTimeToken(): string {
  return randomBytes(24).toString('base64url');
}
