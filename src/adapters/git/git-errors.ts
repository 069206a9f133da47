import { MaestroError } from '../../core/errors';

/**
 * Turns whatever isomorphic-git (or node's http under it) threw into a MaestroError with a stable
 * code and the retry class decided here, once (src/core/errors.ts):
 *
 * - lost push race → GIT_PUSH_REJECTED, retryable. Both shapes occur: isomorphic-git's own
 *   `PushRejectedError` (reason `not-fast-forward`, seen before sending when the advertised head is
 *   not our parent) and `GitPushError` when the server's `receive-pack` refuses the ref update
 *   because another push moved it in between (`failed to update ref`, `cannot lock ref`,
 *   `fetch first`, `non-fast-forward`).
 * - any other refused push (a pre-receive hook, a protected branch) → GIT_PUSH_REJECTED, terminal.
 * - HTTP 401/403 → GIT_AUTH, terminal (a wrong token does not heal by retrying).
 * - HTTP 404 → NOT_FOUND, terminal (wrong URL or branch).
 * - HTTP 5xx/429, refused or reset connections, timeouts, garbled answers → GIT_NETWORK, retryable.
 *
 * Every message and data string passes through `redact`, so a token in a URL or in an
 * Authorization header echoed by a server never reaches logs or the WS feed.
 */
export type GitOperation = 'fetch' | 'push' | 'read' | 'write' | 'log' | 'init';

const RACE =
  /failed to update ref|cannot lock ref|fetch first|non-fast-forward|stale info|incorrect old value/i;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface IsoGitLikeError {
  code?: unknown;
  message?: unknown;
  data?: { statusCode?: unknown; reason?: unknown; response?: unknown } | undefined;
}

export function toGitError(
  e: unknown,
  op: GitOperation,
  context: { url: string; branch?: string },
  redact: (s: string) => string,
): MaestroError {
  if (e instanceof MaestroError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as IsoGitLikeError;
  const code = typeof err.code === 'string' ? err.code : undefined;
  const raw = typeof err.message === 'string' ? err.message : String(e);
  const message = redact(raw);
  const data: Record<string, unknown> = { op, url: redact(context.url) };
  if (context.branch !== undefined) data.branch = context.branch;
  if (code !== undefined) data.gitCode = code;
  // the cause is kept only as redacted text: isomorphic-git errors may hold request headers
  const cause = redact(`${code ?? 'Error'}: ${raw}`);
  const make = (c: ConstructorParameters<typeof MaestroError>[0], text: string, retryable?: boolean) =>
    new MaestroError(c, `git ${op} ${redact(context.url)}: ${text}`, {
      data,
      cause,
      ...(retryable === undefined ? {} : { retryable }),
    });

  if (code === 'PushRejectedError') {
    data.reason = typeof err.data?.reason === 'string' ? err.data.reason : 'rejected';
    return make('GIT_PUSH_REJECTED', `push rejected (${String(data.reason)}): the branch moved`, true);
  }
  if (code === 'GitPushError') {
    const race = RACE.test(raw);
    data.reason = race ? 'lost-race' : 'refused';
    return make(
      'GIT_PUSH_REJECTED',
      race
        ? `push rejected by the server (lost a race): ${message.trim()}`
        : `push refused by the server: ${message.trim()}`,
      race,
    );
  }
  if (code === 'HttpError') {
    const status = typeof err.data?.statusCode === 'number' ? err.data.statusCode : undefined;
    data.statusCode = status;
    if (status === 401 || status === 403) {
      return make(
        'GIT_AUTH',
        `authentication failed (HTTP ${status}): check the token in git.tokenEnv`,
        false,
      );
    }
    if (status === 404) return make('NOT_FOUND', 'repository not found (HTTP 404): check git.url', false);
    return make('GIT_NETWORK', `HTTP ${status ?? '?'}: ${message}`, true);
  }
  if (code === 'NotFoundError') {
    return make(
      'NOT_FOUND',
      `${message}${context.branch ? ` (does branch ${context.branch} exist?)` : ''}`,
      false,
    );
  }
  if (code === 'UserCanceledError') return make('GIT_AUTH', 'authentication was refused', false);
  if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    code === 'SmartHttpError' ||
    code === 'ParseError' ||
    code === 'EmptyServerResponseError' ||
    /socket hang up|ECONNRESET|ECONNREFUSED|network|timed? ?out/i.test(raw)
  ) {
    return make('GIT_NETWORK', message, true);
  }
  return make('INTERNAL', message, false);
}
