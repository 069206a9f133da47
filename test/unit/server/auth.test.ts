import { TokenBook, allows, bearerToken, originAllowed, secretMatches } from '../../../src/server/auth';

describe('auth', () => {
  const book = new TokenBook([
    { token: 'operator-token-0123456789', user: 'Ada', email: 'ada@example.com', role: 'operator' },
    { token: 'viewer-token-0123456789ab', user: 'Vic', email: 'vic@example.com', role: 'viewer' },
  ]);

  it('finds the principal of a known token only', () => {
    expect(book.lookup('operator-token-0123456789')).toEqual({
      user: 'Ada',
      email: 'ada@example.com',
      role: 'operator',
    });
    expect(book.lookup('viewer-token-0123456789ab')?.role).toBe('viewer');
    expect(book.lookup('operator-token-012345678')).toBeUndefined();
    expect(book.lookup('')).toBeUndefined();
    expect(book.lookup(undefined)).toBeUndefined();
  });

  it('refuses short tokens at start-up', () => {
    expect(() => new TokenBook([{ token: 'short', user: 'x', email: 'x@y', role: 'viewer' }])).toThrow(
      /shorter than 16/,
    );
  });

  it('parses Bearer headers strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('lets operators do what viewers do, not the other way round', () => {
    expect(allows('operator', 'operator')).toBe(true);
    expect(allows('operator', 'viewer')).toBe(true);
    expect(allows('viewer', 'viewer')).toBe(true);
    expect(allows('viewer', 'operator')).toBe(false);
  });

  it('accepts no Origin, the same origin and listed origins only', () => {
    expect(originAllowed(undefined, 'h:1', [])).toBe(true);
    expect(originAllowed('http://h:1', 'h:1', [])).toBe(true);
    expect(originAllowed('https://h:1', 'h:1', [])).toBe(true);
    expect(originAllowed('http://evil:1', 'h:1', [])).toBe(false);
    expect(originAllowed('http://h:2', 'h:1', [])).toBe(false);
    expect(originAllowed('null', 'h:1', [])).toBe(false);
    expect(originAllowed('https://ops.example', 'h:1', ['https://ops.example'])).toBe(true);
    expect(originAllowed('file://h:1', 'h:1', [])).toBe(false);
  });

  it('compares secrets exactly', () => {
    expect(secretMatches('s3cret-value', 's3cret-value')).toBe(true);
    expect(secretMatches('s3cret-valuE', 's3cret-value')).toBe(false);
    expect(secretMatches(undefined, 's3cret-value')).toBe(false);
  });
});

describe('one-time login tokens', () => {
  it('open nothing by themselves and trade exactly once for a session of the same person', () => {
    const book = new TokenBook([
      { token: 'login-token-0123456789', user: 'Ada', email: 'ada@x.org', role: 'operator', oneTime: true },
    ]);
    expect(book.lookup('login-token-0123456789')).toBeUndefined();
    const s = book.exchange('login-token-0123456789');
    expect(s?.principal).toEqual({ user: 'Ada', email: 'ada@x.org', role: 'operator' });
    expect(s!.token).toMatch(/^[\w-]{32}$/);
    expect(book.lookup(s!.token)?.user).toBe('Ada');
    expect(book.exchange('login-token-0123456789')).toBeUndefined();
    expect(book.exchange(s!.token)).toBeUndefined();
    expect(book.exchange('nope')).toBeUndefined();
  });
});
