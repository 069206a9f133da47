import { readPauseDocument, renderPauseDocument } from '../../../src/manifests/pause-document';

const at = Date.UTC(2026, 10, 23, 20, 0);

describe('pause document (git.pauseFile)', () => {
  it('renders a ConfigMap naming who paused, when and why (golden text), and reads it back', () => {
    const text = renderPauseDocument({
      paused: true,
      by: 'Alice <alice@example.com>',
      atMs: at,
      reason: 'incident #12: "db" failover',
    });
    expect(text).toBe(
      [
        '# MAESTRO global pause, committed by the agent for the person named below.',
        '# data.paused "true": every managed target holds. Pause and resume through the dashboard or',
        '# POST /api/override; a hand edit of data.paused (or deleting this file) works too.',
        'apiVersion: "v1"',
        'kind: "ConfigMap"',
        'metadata:',
        '  name: "maestro-pause"',
        'data:',
        '  paused: "true"',
        '  by: "Alice <alice@example.com>"',
        '  at: "2026-11-23T20:00:00.000Z"',
        '  reason: "incident #12: \\"db\\" failover"',
        '',
      ].join('\n'),
    );
    expect(readPauseDocument('maestro-pause.yaml', text)).toEqual({
      paused: true,
      by: 'Alice <alice@example.com>',
      at: '2026-11-23T20:00:00.000Z',
      reason: 'incident #12: "db" failover',
    });
    const resumed = renderPauseDocument({ paused: false, by: 'Bob <bob@example.com>', atMs: at });
    expect(readPauseDocument('maestro-pause.yaml', resumed)).toEqual({
      paused: false,
      by: 'Bob <bob@example.com>',
      at: '2026-11-23T20:00:00.000Z',
    });
  });

  it('no file: not paused; a hand-written boolean works too', () => {
    expect(readPauseDocument('p.yaml', undefined)).toEqual({ paused: false });
    expect(readPauseDocument('p.yaml', 'data:\n  paused: false\n')).toEqual({ paused: false });
    expect(readPauseDocument('p.yaml', 'data:\n  paused: true # by hand\n').paused).toBe(true);
  });

  it.each([
    ['data: [oops', /^p\.yaml: not valid YAML/],
    ['- a list', /^p\.yaml: not a YAML mapping/],
    ['kind: ConfigMap\n', /^p\.yaml: no data mapping/],
    ['data:\n  paused: yes\n', /^p\.yaml: data\.paused is "yes"/],
    ['data:\n  by: me\n', /^p\.yaml: data\.paused is missing/],
  ])('a file it cannot read holds every target and says what to fix: %j', (text, message) => {
    const r = readPauseDocument('p.yaml', text);
    expect(r.paused).toBe(true);
    expect(r.error).toMatch(message);
    expect(r.error).toMatch(/data\.paused: "true" or "false", or delete the file/);
  });
});
