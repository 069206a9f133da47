/**
 * The one error type of MAESTRO. Modelled on isomorphic-git's errors: a stable `code` callers can
 * switch on, structured `data`, the underlying `cause`, and `toJSON()` for logs and the WS feed.
 *
 * Whether an error is worth retrying is decided where it is created (`retryable`), never guessed
 * by the caller from the message. Config and input errors are terminal (Flux calls them "stalled");
 * network and lost-race errors are retryable.
 *
 * "No change", "no data" and "guardrail blocked" are values, not errors: see `Sample`, `Decision`.
 */
export type ErrorCode =
  // input the user must fix: terminal
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'YAML_PARSE'
  | 'MANIFEST_TARGET_NOT_FOUND'
  | 'MANIFEST_TARGET_AMBIGUOUS'
  | 'MANIFEST_FIELD_MISSING'
  | 'MANIFEST_SCHEMA_INVALID'
  | 'MODEL_INVALID'
  | 'TRACE_INVALID'
  | 'AUTH_REQUIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  // the world failed; try again later: retryable
  | 'GIT_NETWORK'
  | 'GIT_PUSH_REJECTED'
  | 'GIT_AUTH'
  | 'PROMETHEUS_UNAVAILABLE'
  | 'PROMETHEUS_QUERY'
  | 'GITHUB_API'
  | 'MODEL_INFERENCE'
  | 'TIMEOUT'
  // our own bug or an impossible state: terminal
  | 'INTERNAL';

export interface MaestroErrorOptions {
  data?: Record<string, unknown>;
  cause?: unknown;
  /** Defaults to the code's usual class (see `RETRYABLE_BY_DEFAULT`). */
  retryable?: boolean;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GIT_NETWORK',
  'GIT_PUSH_REJECTED',
  'PROMETHEUS_UNAVAILABLE',
  'GITHUB_API',
  'MODEL_INFERENCE',
  'TIMEOUT',
]);

export class MaestroError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  readonly retryable: boolean;
  override readonly cause: unknown;

  constructor(code: ErrorCode, message: string, options: MaestroErrorOptions = {}) {
    super(message);
    this.name = 'MaestroError';
    this.code = code;
    this.data = options.data ?? {};
    this.cause = options.cause;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
  }

  get terminal(): boolean {
    return !this.retryable;
  }

  toJSON(): {
    name: string;
    code: ErrorCode;
    message: string;
    retryable: boolean;
    data: Record<string, unknown>;
    cause?: string;
  } {
    const cause =
      this.cause === undefined
        ? undefined
        : this.cause instanceof Error
          ? this.cause.message
          : String(this.cause);
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      data: this.data,
      ...(cause === undefined ? {} : { cause }),
    };
  }
}

export function isMaestroError(e: unknown, code?: ErrorCode): e is MaestroError {
  return e instanceof MaestroError && (code === undefined || e.code === code);
}
