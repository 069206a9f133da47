import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMaestroError } from '../../../src/core/errors';
import { formatPath, loadConfig, parseConfig, parseConfigText } from '../../../src/config/load-config';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'config');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** A valid config as a plain object; tests break one field at a time. */
function valid(): Record<string, unknown> {
  return {
    git: { url: 'https://git.example.com/config.git' },
    prometheus: { url: 'http://prometheus:9090' },
    targets: [
      {
        name: 'web',
        kind: 'deployment-replicas',
        file: 'apps/web/deployment.yaml',
        minReplicas: 2,
        maxReplicas: 10,
        slo: { p95Ms: 200 },
      },
      {
        name: 'api',
        kind: 'hpa-bounds',
        file: 'apps/api/hpa.yaml',
        minReplicas: 1,
        maxReplicas: 5,
        slo: { p95Ms: 300 },
      },
    ],
  };
}

const problems = (raw: unknown) => {
  const r = parseConfig(raw);
  if (r.ok) throw new Error('expected problems, the config is valid');
  return r.problems.map((p) => `${p.path}: ${p.message}`);
};

const withTarget = (i: number, patch: Record<string, unknown>) => {
  const c = valid();
  const targets = c.targets as Record<string, unknown>[];
  targets[i] = { ...targets[i], ...patch };
  return c;
};

describe('formatPath', () => {
  it('writes zod paths the way a person reads them', () => {
    expect(formatPath(['targets', 1, 'maxReplicas'])).toBe('targets[1].maxReplicas');
    expect(formatPath(['targets', 0, 'guardrails', 'freezeWindows', 2, 'cron'])).toBe(
      'targets[0].guardrails.freezeWindows[2].cron',
    );
    expect(formatPath([])).toBe('(root)');
  });
});

describe('parseConfig: every problem with its path', () => {
  it('accepts the valid config', () => {
    expect(parseConfig(valid()).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'bounds',
      withTarget(1, { minReplicas: 4, maxReplicas: 3 }),
      'targets[1].maxReplicas: must be >= minReplicas',
    ],
    ['missing field', withTarget(0, { slo: {} }), 'targets[0].slo.p95Ms: is required'],
    [
      'wrong type',
      withTarget(0, { minReplicas: 'two' }),
      'targets[0].minReplicas: must be a number, not a string',
    ],
    ['empty value', withTarget(0, { file: null }), 'targets[0].file: must be a string, it is empty'],
    [
      'negative',
      withTarget(0, { minReplicas: -1 }),
      'targets[0].minReplicas: Too small: expected number to be >=0',
    ],
    [
      'name',
      withTarget(0, { name: 'Web_1' }),
      'targets[0].name: must be a DNS label: lower-case letters, digits and -',
    ],
    [
      'path escape',
      withTarget(0, { file: '../etc/passwd' }),
      'targets[0].file: must be a relative path inside the repo',
    ],
    [
      'kind',
      withTarget(0, { kind: 'statefulset' }),
      'targets[0].kind: Invalid option: expected one of "deployment-replicas"|"hpa-bounds"|"flagger-canary"',
    ],
    [
      'policy for the kind',
      withTarget(0, { policy: 'judge' }),
      'targets[0].policy: a deployment-replicas target needs an autoscaling policy: hpa, hpa:<target %> or onnx:<path>',
    ],
    [
      'unknown guardrail key',
      withTarget(1, { guardrails: { maxStepUP: 10 } }),
      'targets[1].guardrails.maxStepUP: unknown key (check its spelling against the configuration reference)',
    ],
    [
      'cron',
      withTarget(0, { guardrails: { freezeWindows: [{ cron: '0 25 * * *', durationMinutes: 60 }] } }),
      'targets[0].guardrails.freezeWindows[0].cron: hour field "25": "25" is not a value in 0-23; e.g. "0 22 * * 5" is Fridays 22:00 UTC',
    ],
    [
      'hard p95 below the SLO',
      withTarget(0, { guardrails: { hardP95Ms: 100 } }),
      'targets[0].guardrails.hardP95Ms: must be >= slo.p95Ms (200): above it the agent is forced to scale up',
    ],
    [
      'canary step',
      withTarget(0, { guardrails: { canaryMaxStepWeight: 100 } }),
      'targets[0].guardrails.canaryMaxStepWeight: Too big: expected number to be <=99',
    ],
    ['duplicate', withTarget(1, { name: 'web' }), 'targets[1].name: duplicate target name (also targets[0])'],
  ])('%s', (_name, raw, expected) => {
    expect(problems(raw)).toEqual([expected]);
  });

  it('reports git and server problems by path', () => {
    const c = {
      ...valid(),
      git: { url: 'git@example.com:x.git', pushMode: 'pull-request' },
      server: { port: 70000 },
    };
    expect(problems(c)).toEqual([
      'git.url: must be an http(s):// URL (isomorphic-git pushes over HTTP only)',
      'server.port: Too big: expected number to be <=65535',
      'git.github: required when pushMode is pull-request',
    ]);
    const pr = { ...valid(), git: { url: 'https://x/y.git', pushMode: 'pull-request' } };
    expect(problems(pr)).toEqual(['git.github: required when pushMode is pull-request']);
  });

  it('lists every problem, not just the first', () => {
    const c = withTarget(1, { minReplicas: 7, maxReplicas: 5, slo: { p95Ms: -5 } });
    delete (c as { prometheus?: unknown }).prometheus;
    expect(problems(c)).toEqual([
      'prometheus: is required',
      'targets[1].slo.p95Ms: Too small: expected number to be >0',
      'targets[1].maxReplicas: must be >= minReplicas',
    ]);
  });

  it('explains an empty file or one that is not a mapping', () => {
    expect(problems(null)).toEqual(['(root): the file is empty: it needs git, prometheus and targets']);
    expect(problems(['a'])).toEqual([
      '(root): must be a mapping with git, prometheus and targets, not a list',
    ]);
    expect(problems({ ...valid(), targets: [] })).toEqual(['targets: list at least one target']);
  });

  it('rejects unknown top-level keys one by one', () => {
    expect(problems({ ...valid(), cycleInterval: 10, sever: {} })).toEqual([
      'cycleInterval: unknown key (check its spelling against the configuration reference)',
      'sever: unknown key (check its spelling against the configuration reference)',
    ]);
  });
});

describe('parseConfigText', () => {
  it('gives YAML syntax errors as file:line:column', () => {
    const r = parseConfigText(fixture('syntax-error.yaml'), 'syntax-error.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toEqual({
      path: 'syntax-error.yaml:7:11',
      message: 'YAML syntax: Nested mappings are not allowed in compact mappings',
    });
    for (const p of r.problems) expect(p.path).toMatch(/^syntax-error\.yaml:\d+:\d+$/);
  });

  it('rejects duplicate keys with their line', () => {
    const r = parseConfigText('git:\n  url: https://a/b\n  url: https://a/c\n', 'dup.yaml');
    expect(r).toEqual({
      ok: false,
      problems: [{ path: 'dup.yaml:3:3', message: 'YAML syntax: Map keys must be unique' }],
    });
  });

  it('reads JSON and YAML to the same config', () => {
    const y = parseConfigText(fixture('minimal.yaml'));
    const j = parseConfigText(fixture('minimal.json'));
    expect(y.ok && j.ok).toBe(true);
    expect(y).toEqual(j);
  });

  it('finds the three deliberate mistakes of the fixture, with paths', () => {
    const r = parseConfigText(fixture('three-mistakes.yaml'), 'three-mistakes.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual([
      'git.url',
      'targets[0].guardrails.freezeWindows[0].cron',
      'targets[1].maxReplicas',
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'maestro-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the parsed config', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, fixture('minimal.yaml'));
    expect(loadConfig(file).targets[0]?.name).toBe('web');
  });

  it('throws a terminal CONFIG_INVALID listing every problem', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, fixture('three-mistakes.yaml'));
    let err: unknown;
    try {
      loadConfig(file);
    } catch (e) {
      err = e;
    }
    expect(isMaestroError(err, 'CONFIG_INVALID')).toBe(true);
    if (!isMaestroError(err)) return;
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`${file} is not a valid MAESTRO config:`);
    expect(err.message).toContain('  targets[1].maxReplicas: must be >= minReplicas');
    expect((err.data.problems as unknown[]).length).toBe(3);
  });

  it('names a file it cannot read', () => {
    const file = join(dir, 'absent.yaml');
    expect(() => loadConfig(file)).toThrow(`cannot read config file ${file}`);
  });
});
