import { limitsFromConfig } from '../../../src/config/limits-from-config';
import { parseConfig } from '../../../src/config/load-config';
import type { TargetConfig } from '../../../src/config/schema';

function target(extra: Record<string, unknown> = {}): TargetConfig {
  const r = parseConfig({
    git: { url: 'https://git.example.com/c.git' },
    prometheus: { url: 'http://p:9090' },
    targets: [
      {
        name: 'web',
        kind: 'deployment-replicas',
        file: 'a.yaml',
        minReplicas: 2,
        maxReplicas: 20,
        slo: { p95Ms: 250, errorRate: 0.02 },
        ...extra,
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.targets[0] as TargetConfig;
}

describe('limitsFromConfig', () => {
  it('maps a target with defaults to guardrail limits', () => {
    expect(limitsFromConfig(target(), false)).toEqual({
      minReplicas: 2,
      maxReplicas: 20,
      maxStepUp: 4,
      maxStepDown: 2,
      scaleUpCooldownSeconds: 60,
      scaleDownCooldownSeconds: 300,
      maxCommitsPerHour: 30,
      stalenessSeconds: 120,
      sloP95Ms: 250,
      sloErrorRate: 0.02,
      hardP95Ms: 375,
      scaleDownSloMargin: 0.1,
      forcedScaleUpStep: 2,
      canaryErrorRateHardLimit: 0.05,
      canaryMaxStepWeight: 25,
      freezeWindows: [],
      paused: false,
    });
  });

  it('takes configured values, the pause flag and the Prometheus staleness limit', () => {
    const l = limitsFromConfig(
      target({
        guardrails: {
          hardP95Ms: 300,
          maxCommitsPerHour: 5,
          freezeWindows: [{ cron: '0 22 * * 5', durationMinutes: 600, reason: 'weekend' }],
        },
      }),
      true,
      45,
    );
    expect(l.hardP95Ms).toBe(300);
    expect(l.maxCommitsPerHour).toBe(5);
    expect(l.paused).toBe(true);
    expect(l.stalenessSeconds).toBe(45);
    expect(l.freezeWindows).toEqual([{ cron: '0 22 * * 5', durationMinutes: 600, reason: 'weekend' }]);
  });
});
