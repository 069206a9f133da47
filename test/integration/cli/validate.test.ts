import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMaestro } from '../../support/run-maestro';

const REPO = join(__dirname, '..', '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'config');
const THREE_MISTAKES = join(FIXTURES, 'three-mistakes.yaml');
const EXAMPLE = join(REPO, 'examples', 'maestro.yaml');

/** Runs `maestro <args>` in-process with captured output. */
function maestro(...args: string[]) {
  return runMaestro(args, { cwd: tmpdir() });
}

describe('maestro validate (in-process)', () => {
  it('prints all three mistakes with their paths and exits 2', async () => {
    const r = await maestro('validate', '--config', THREE_MISTAKES);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      'git.url: must be an http(s):// URL (isomorphic-git pushes over HTTP only)',
      'targets[0].guardrails.freezeWindows[0].cron: has 4 field(s); a cron expression has 5: minute hour day-of-month month day-of-week; e.g. "0 22 * * 5" is Fridays 22:00 UTC',
      'targets[1].maxReplicas: must be >= minReplicas',
      `${THREE_MISTAKES}: 3 problem(s); fix them and run again`,
      '',
    ]);
  });

  it('accepts the example config and exits 0', async () => {
    const r = await maestro('validate', '--config', EXAMPLE);
    expect(r).toEqual({ code: 0, stdout: `${EXAMPLE}: valid (3 target(s))\n`, stderr: '' });
  });

  it('reports a YAML syntax error at its line and column, exit 2', async () => {
    const file = join(FIXTURES, 'syntax-error.yaml');
    const r = await maestro('validate', '--config', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:7:11: YAML syntax: Nested mappings are not allowed in compact mappings\n`,
    );
  });

  it('exits 2 for a file it cannot read, and for a missing --config', async () => {
    const absent = join(tmpdir(), 'maestro-no-such-config.yaml');
    const r = await maestro('validate', '--config', absent);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^${absent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read: ENOENT`),
    );
    const noFlag = await maestro('validate');
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain("required option '-c, --config <file>' not specified");
  });
});

describe('maestro validate (spawned bin/maestro.js)', () => {
  const entry = join(REPO, 'dist', 'src', 'cli', 'main.js');

  beforeAll(() => {
    // `npm test` builds first (pretest); build here only when run on its own without a dist/
    if (!existsSync(entry)) {
      spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'ignore' });
    }
  }, 300_000);

  it('prints the three mistakes and exits 2 as a real process', () => {
    expect(existsSync(entry)).toBe(true);
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin', 'maestro.js'), 'validate', '--config', THREE_MISTAKES],
      {
        cwd: tmpdir(),
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    const paths = r.stderr.split('\n').map((l) => l.split(': ')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'git.url',
        'targets[0].guardrails.freezeWindows[0].cron',
        'targets[1].maxReplicas',
      ]),
    );
    expect(r.stderr).toContain('3 problem(s)');
  });

  it('exits 0 on the example config as a real process', () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin', 'maestro.js'), 'validate', '--config', EXAMPLE],
      {
        cwd: tmpdir(),
        encoding: 'utf8',
      },
    );
    expect({ status: r.status, stdout: r.stdout }).toEqual({
      status: 0,
      stdout: `${EXAMPLE}: valid (3 target(s))\n`,
    });
  });
});
