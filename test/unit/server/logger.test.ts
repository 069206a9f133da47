import { Writable } from 'node:stream';
import { createRedactor } from '../../../src/core/redact';
import { createLogger } from '../../../src/server/logger';

describe('createLogger', () => {
  it('writes JSON lines with every known secret redacted, in messages and fields', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const secret = 'ghp_supersecrettoken123';
    const log = createLogger(createRedactor([secret]), { destination: sink, level: 'info' });
    log.info(
      {
        url: `https://x:${secret}@git.example/repo.git`,
        token: 'abc-token-value',
        nested: { note: `saw ${secret}` },
      },
      `push with ${secret}`,
    );
    log.flush();
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('abc-token-value');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry.msg).toBe('push with [REDACTED]');
    expect(entry.token).toBe('[REDACTED]');
    expect(entry.level).toBe(30);
  });
});
