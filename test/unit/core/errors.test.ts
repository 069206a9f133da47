import { MaestroError, isMaestroError } from '../../../src/core/errors';

describe('MaestroError', () => {
  it('classifies network errors as retryable and input errors as terminal by default', () => {
    expect(new MaestroError('GIT_NETWORK', 'down').retryable).toBe(true);
    expect(new MaestroError('CONFIG_INVALID', 'bad').terminal).toBe(true);
  });
  it('lets the creator override the class and serialises code, data and cause', () => {
    const e = new MaestroError('GIT_AUTH', 'denied', {
      data: { url: 'http://x' },
      cause: new Error('401'),
      retryable: false,
    });
    expect(isMaestroError(e, 'GIT_AUTH')).toBe(true);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'MaestroError',
      code: 'GIT_AUTH',
      message: 'denied',
      retryable: false,
      data: { url: 'http://x' },
      cause: '401',
    });
  });
});
