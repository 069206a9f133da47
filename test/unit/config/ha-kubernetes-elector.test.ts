import { parseConfigText } from '../../../src/config/load-config';
import { configSchema } from '../../../src/config/schema';
import { configIssues, ONE_TARGET_CONFIG } from '../../support/one-target-config';

/** `ha.elector: kubernetes`: defaults, and the refusals that mirror client-go's NewLeaderElector. */
const base = ONE_TARGET_CONFIG;
const issues = (ha: Record<string, unknown>) => configIssues({ ha });

describe('ha.elector', () => {
  it('defaults to git; kubernetes takes the Lease name, client-go timings and no fixed namespace', () => {
    expect(configSchema.parse(base).ha.elector).toBe('git');
    const ha = configSchema.parse({
      ...base,
      ha: { enabled: true, elector: 'kubernetes', leaseSeconds: 15 },
    }).ha;
    expect(ha).toEqual({
      enabled: true,
      elector: 'kubernetes',
      leaseSeconds: 15,
      kubernetes: { name: 'maestro-leader', renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
    });
  });

  it('keeps given Lease settings', () => {
    const ha = configSchema.parse({
      ...base,
      ha: {
        enabled: true,
        elector: 'kubernetes',
        leaseSeconds: 20,
        kubernetes: {
          namespace: 'flux-system',
          name: 'maestro.leader',
          renewDeadlineSeconds: 12,
          retryPeriodSeconds: 3,
          kubeconfig: '/etc/maestro/kubeconfig',
        },
      },
    }).ha;
    expect(ha.kubernetes).toEqual({
      namespace: 'flux-system',
      name: 'maestro.leader',
      renewDeadlineSeconds: 12,
      retryPeriodSeconds: 3,
      kubeconfig: '/etc/maestro/kubeconfig',
    });
  });

  it('with kubernetes the 3-cycles rule of the git lease does not apply (the Lease renews on its own)', () => {
    // 15 s cycles, 15 s lease: too short for the git lease, client-go's default for a Lease
    expect(issues({ enabled: true, leaseSeconds: 15 })).toEqual([
      'ha.leaseSeconds: must be at least 3 × cycleIntervalSeconds (45): the leader renews once per cycle',
    ]);
    expect(issues({ enabled: true, elector: 'kubernetes', leaseSeconds: 15 })).toEqual([]);
  });

  it('refuses an unknown elector, bad names and timings client-go refuses, each naming its field', () => {
    expect(issues({ elector: 'etcd' })).toEqual([
      expect.stringMatching(/^ha\.elector: .*"git"\|"kubernetes"|^ha\.elector: .*git.*kubernetes/),
    ]);
    expect(
      issues({ elector: 'kubernetes', leaseSeconds: 15, kubernetes: { namespace: 'Flux_System' } }),
    ).toEqual(['ha.kubernetes.namespace: a Kubernetes namespace name (RFC 1123 label)']);
    expect(
      issues({ elector: 'kubernetes', leaseSeconds: 15, kubernetes: { name: 'Maestro Leader' } }),
    ).toEqual([
      'ha.kubernetes.name: a Kubernetes object name (RFC 1123 subdomain: lower-case letters, digits, - and .)',
    ]);
    expect(issues({ elector: 'kubernetes', leaseSeconds: 15, kubernetes: { leaseName: 'x' } })).toEqual([
      expect.stringMatching(/^ha\.kubernetes: .*leaseName/),
    ]);
    expect(
      issues({ elector: 'kubernetes', leaseSeconds: 7.5, kubernetes: { renewDeadlineSeconds: 5 } }),
    ).toEqual([
      'ha.leaseSeconds: must be a whole number of seconds with elector kubernetes (the Lease field leaseDurationSeconds is an integer)',
    ]);
    expect(issues({ elector: 'kubernetes', leaseSeconds: 10 })).toEqual([
      'ha.kubernetes.renewDeadlineSeconds: must be less than ha.leaseSeconds (10): the leader must stop acting before another replica may take the Lease',
    ]);
    expect(
      issues({ elector: 'kubernetes', leaseSeconds: 15, kubernetes: { retryPeriodSeconds: 9 } }),
    ).toEqual([
      'ha.kubernetes.retryPeriodSeconds: must be less than renewDeadlineSeconds / 1.2 (8.333): the leader needs more than one try per renew deadline',
    ]);
  });

  it('through the config loader: the field path and what to do, and unknown keys by name', () => {
    const yaml = (kubernetes: string) =>
      [
        'git: { url: "https://git.example.com/config.git" }',
        'prometheus: { url: "http://prometheus:9090" }',
        'ha:',
        '  enabled: true',
        '  elector: kubernetes',
        '  leaseSeconds: 15',
        '  kubernetes:',
        `    ${kubernetes}`,
        'targets:',
        '  - { name: web, kind: deployment-replicas, file: a.yaml, minReplicas: 1, maxReplicas: 4, slo: { p95Ms: 200 } }',
        '',
      ].join('\n');
    expect(parseConfigText(yaml('retryPeriodSeconds: 20'))).toEqual({
      ok: false,
      problems: [
        {
          path: 'ha.kubernetes.retryPeriodSeconds',
          message:
            'must be less than renewDeadlineSeconds / 1.2 (8.333): the leader needs more than one try per renew deadline',
        },
      ],
    });
    expect(parseConfigText(yaml('leaseNamespace: flux-system'))).toEqual({
      ok: false,
      problems: [
        {
          path: 'ha.kubernetes.leaseNamespace',
          message: 'unknown key (check its spelling against the configuration reference)',
        },
      ],
    });
  });
});
