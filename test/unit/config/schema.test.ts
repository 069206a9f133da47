import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../src/config/load-config';
import { configSchema } from '../../../src/config/schema';
import { configIssues, ONE_TARGET_CONFIG } from '../../support/one-target-config';

const REPO = join(__dirname, '..', '..', '..');

describe('config schema defaults', () => {
  it('fills every documented default into the smallest valid config', () => {
    const r = parseConfigText(readFileSync(join(REPO, 'test', 'fixtures', 'config', 'minimal.yaml'), 'utf8'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = r.config;
    expect(c.git).toEqual({
      url: 'https://git.example.com/config.git',
      branch: 'main',
      pathPrefix: '',
      pauseFile: 'maestro-pause.yaml',
      author: { name: 'maestro', email: 'maestro@localhost' },
      pushMode: 'direct',
      shadow: false,
    });
    expect(c.prometheus).toEqual({
      url: 'http://prometheus.monitoring:9090',
      timeoutMs: 5000,
      stalenessSeconds: 120,
    });
    expect(c.cycleIntervalSeconds).toBe(15);
    expect(c.applyTimeoutSeconds).toBe(300);
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8080, tokens: [], allowedOrigins: [] });
    expect(c.targets[0]).toEqual({
      name: 'web',
      kind: 'deployment-replicas',
      file: 'apps/web/deployment.yaml',
      namespace: 'default',
      minReplicas: 2,
      maxReplicas: 10,
      slo: { p95Ms: 200, errorRate: 0.01 },
      minConfidence: 0.5,
      latencyBudgetMs: 50,
      queries: {},
      guardrails: {
        maxStepUp: 4,
        maxStepDown: 2,
        scaleUpCooldownSeconds: 60,
        scaleDownCooldownSeconds: 300,
        maxCommitsPerHour: 30,
        scaleDownSloMargin: 0.1,
        forcedScaleUpStep: 2,
        canaryErrorRateHardLimit: 0.05,
        canaryMaxStepWeight: 25,
        freezeWindows: [],
      },
    });
  });

  it('keeps given values over defaults, and defaults the rest of a partial block', () => {
    const r = configSchema.safeParse({
      git: { url: 'http://127.0.0.1:8081/config.git' },
      prometheus: { url: 'http://127.0.0.1:9090' },
      targets: [
        {
          name: 'web',
          kind: 'deployment-replicas',
          file: 'a.yaml',
          minReplicas: 0,
          maxReplicas: 3,
          slo: { p95Ms: 100 },
          guardrails: { maxStepUp: 1, freezeWindows: [{ cron: '0 22 * * 5', durationMinutes: 600 }] },
        },
      ],
    });
    expect(r.success).toBe(true);
    if (!r.success) return;
    const g = r.data.targets[0]?.guardrails;
    expect(g?.maxStepUp).toBe(1);
    expect(g?.maxStepDown).toBe(2);
    expect(g?.hardP95Ms).toBeUndefined(); // limitsFromConfig turns this into slo.p95Ms * 1.5
    expect(g?.freezeWindows).toEqual([{ cron: '0 22 * * 5', durationMinutes: 600 }]);
  });

  it.each(['examples/maestro.yaml', 'flux/agent/maestro.yaml'])('accepts the shipped config %s', (file) => {
    const r = parseConfigText(readFileSync(join(REPO, file), 'utf8'), file);
    expect(r.ok ? [] : r.problems).toEqual([]);
  });
});

describe('ha (several replicas)', () => {
  const base = ONE_TARGET_CONFIG;
  const issues = configIssues;

  it('is off by default with a 60 s lease and no fixed identity', () => {
    const kubernetes = { name: 'maestro-leader', renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };
    expect(configSchema.parse(base).ha).toEqual({
      enabled: false,
      leaseSeconds: 60,
      elector: 'git',
      kubernetes,
    });
    expect(configSchema.parse({ ...base, ha: { enabled: true } }).ha).toEqual({
      enabled: true,
      leaseSeconds: 60,
      elector: 'git',
      kubernetes,
    });
  });

  it('refuses unknown keys, an identity the lease file cannot hold, and a lease shorter than 3 cycles', () => {
    expect(issues({ ha: { enable: true } })).toEqual([expect.stringMatching(/^ha: .*enable/)]);
    expect(issues({ ha: { enabled: true, identity: 'pod 1' } })).toEqual([
      expect.stringMatching(/^ha\.identity: letters, digits/),
    ]);
    expect(issues({ ha: { enabled: true, leaseSeconds: 30 } })).toEqual([
      'ha.leaseSeconds: must be at least 3 × cycleIntervalSeconds (45): the leader renews once per cycle',
    ]);
    // a short lease is fine while HA is off, and with short cycles
    expect(issues({ ha: { leaseSeconds: 30 } })).toEqual([]);
    expect(
      issues({ cycleIntervalSeconds: 5, ha: { enabled: true, leaseSeconds: 15, identity: 'pod-1' } }),
    ).toEqual([]);
  });
});
