import { Errors } from 'isomorphic-git';
import { toGitError } from '../../../../src/adapters/git/git-errors';
import { createRedactor } from '../../../../src/core/redact';

/** The retry class of every git failure is decided in one place; messages are redacted. */
const TOKEN = 'ghp_secretSecretSecret123';
const redact = createRedactor([TOKEN]).redact;
const ctx = { url: `https://x-access-token:${TOKEN}@git.example/config.git`, branch: 'main' };

describe('toGitError', () => {
  test.each([
    [
      'client-side not-fast-forward',
      new Errors.PushRejectedError('not-fast-forward'),
      'GIT_PUSH_REJECTED',
      true,
    ],
    [
      'server lost race: failed to update ref',
      new Errors.GitPushError('\n  - refs/heads/main: failed to update ref', {
        ok: false,
        refs: {},
      } as never),
      'GIT_PUSH_REJECTED',
      true,
    ],
    [
      'server lost race: cannot lock ref',
      new Errors.GitPushError(
        "\n  - refs/heads/main: cannot lock ref 'refs/heads/main': is at a but expected b",
        {
          ok: false,
          refs: {},
        } as never,
      ),
      'GIT_PUSH_REJECTED',
      true,
    ],
    [
      'hook declined',
      new Errors.GitPushError('\n  - refs/heads/main: pre-receive hook declined', {
        ok: false,
        refs: {},
      } as never),
      'GIT_PUSH_REJECTED',
      false,
    ],
    ['401', new Errors.HttpError(401, 'Unauthorized', `bad token ${TOKEN}`), 'GIT_AUTH', false],
    ['403', new Errors.HttpError(403, 'Forbidden', ''), 'GIT_AUTH', false],
    ['404', new Errors.HttpError(404, 'Not Found', ''), 'NOT_FOUND', false],
    ['503', new Errors.HttpError(503, 'Service Unavailable', ''), 'GIT_NETWORK', true],
    [
      'refused',
      Object.assign(new Error(`connect ECONNREFUSED ${ctx.url}`), { code: 'ECONNREFUSED' }),
      'GIT_NETWORK',
      true,
    ],
    ['timeout', new Error('Request timed out'), 'GIT_NETWORK', true],
    ['missing ref', new Errors.NotFoundError('main'), 'NOT_FOUND', false],
    ['a bug', new TypeError('x is not a function'), 'INTERNAL', false],
  ])('%s', (_name, error, code, retryable) => {
    const e = toGitError(error, 'push', ctx, redact);
    expect([e.code, e.retryable]).toEqual([code, retryable]);
    expect(JSON.stringify(e.toJSON()) + e.message).not.toContain(TOKEN);
  });
});
