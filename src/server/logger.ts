import pino, { type DestinationStream, type Logger } from 'pino';
import type { Redactor } from '../core/redact';

/**
 * JSON logs (pino). Every string that reaches a log line passes through the redactor (tokens, the
 * gate secret, credentials in URLs), and well-known secret-bearing fields are censored by path.
 */
export function createLogger(
  redactor: Redactor,
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'maestro' },
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'headers.authorization',
          'secret',
          '*.secret',
        ],
        censor: '[REDACTED]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) =>
              typeof a === 'string' ? redactor.redact(a) : redactor.redactDeep(a),
            ) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}
