import {
  AUTOSCALE_FEATURES,
  CANARY_FEATURES,
  CLIP_MAX,
  FEATURE_VERSION,
  FEATURE_VERSIONS,
  encodeFeatures,
  featureCard,
  featureTable,
} from '../../../src/core/features';
import type { Observation } from '../../../src/core/observation';
import { noData, value } from '../../../src/core/sample';

const AT = Date.UTC(2026, 10, 23, 6, 0, 0); // 06:00 UTC: a quarter of the day
const ctx = { minReplicas: 2, maxReplicas: 20, sloP95Ms: 200, sloErrorRate: 0.01 };

function obs(over: Partial<Observation['service']> = {}): Observation {
  return {
    target: 'web',
    kind: 'deployment-replicas',
    at: AT,
    service: {
      cpuUtilization: value(0.85, AT),
      memoryBytes: value(512 * 1024 * 1024, AT),
      readyReplicas: value(4, AT),
      specReplicas: value(5, AT),
      rps: value(400, AT),
      p95LatencyMs: value(150, AT),
      p99LatencyMs: value(300, AT),
      errorRate: value(0.002, AT),
      ...over,
    },
    declared: { replicas: 5, revision: 'a'.repeat(40) },
  };
}

describe('feature vector (FEATURE_VERSION 1)', () => {
  it('has a fixed order of names', () => {
    expect(FEATURE_VERSION).toBe(1);
    expect(AUTOSCALE_FEATURES.map((f) => f.name)).toEqual([
      'cpu_utilization',
      'memory_per_pod_gib',
      'ready_replicas',
      'spec_replicas',
      'declared_replicas',
      'min_replicas',
      'rps',
      'rps_per_ready_pod',
      'p95_latency',
      'p99_latency',
      'error_rate',
      'time_of_day_sin',
      'time_of_day_cos',
    ]);
  });

  it('normalises each feature with its documented unit', () => {
    const v = encodeFeatures(obs(), ctx);
    const byName = Object.fromEntries(v.names.map((n, i) => [n, v.values[i]]));
    expect(byName.cpu_utilization).toBeCloseTo(0.85, 6);
    expect(byName.memory_per_pod_gib).toBeCloseTo(0.5, 6);
    expect(byName.ready_replicas).toBeCloseTo(4 / 20, 6);
    expect(byName.spec_replicas).toBeCloseTo(5 / 20, 6);
    expect(byName.declared_replicas).toBeCloseTo(5 / 20, 6);
    expect(byName.min_replicas).toBeCloseTo(2 / 20, 6);
    expect(byName.rps).toBeCloseTo(0.4, 6);
    expect(byName.rps_per_ready_pod).toBeCloseTo(1, 6);
    expect(byName.p95_latency).toBeCloseTo(0.75, 6);
    expect(byName.p99_latency).toBeCloseTo(1.5, 6);
    expect(byName.error_rate).toBeCloseTo(0.2, 6);
    expect(byName.time_of_day_sin).toBeCloseTo(1, 6); // sin(π/2) -> (1+1)/2
    expect(byName.time_of_day_cos).toBeCloseTo(0.5, 6);
    expect([...v.mask].every((m) => m === 0)).toBe(true);
    expect(v.input).toHaveLength(2 * v.names.length);
  });

  it('no data becomes value 0 with mask 1, never a made-up number', () => {
    const v = encodeFeatures(
      obs({ rps: noData('stale'), p95LatencyMs: noData('missing'), cpuUtilization: value(NaN, AT) }),
      ctx,
    );
    const idx = (n: string) => v.names.indexOf(n);
    for (const n of ['rps', 'rps_per_ready_pod', 'p95_latency', 'cpu_utilization']) {
      expect(v.values[idx(n)]).toBe(0);
      expect(v.mask[idx(n)]).toBe(1);
      expect(v.input[v.names.length + idx(n)]).toBe(1);
    }
    expect(v.mask[idx('error_rate')]).toBe(0);
  });

  it('clips wild readings to [0, CLIP_MAX]', () => {
    const v = encodeFeatures(obs({ p95LatencyMs: value(1e9, AT) }), ctx);
    expect(v.values[v.names.indexOf('p95_latency')]).toBe(CLIP_MAX);
  });

  it('canary set encodes weight, phase and both versions; absent canary is all no-data', () => {
    const o: Observation = {
      ...obs(),
      kind: 'flagger-canary',
      canary: {
        weight: value(30, AT),
        phase: 'Progressing',
        failedChecks: 1,
        canary: {
          rps: value(120, AT),
          p95LatencyMs: value(240, AT),
          p99LatencyMs: value(400, AT),
          errorRate: value(0.03, AT),
        },
        primary: {
          rps: value(280, AT),
          p95LatencyMs: value(120, AT),
          p99LatencyMs: value(200, AT),
          errorRate: value(0.01, AT),
        },
      },
    };
    const v = encodeFeatures(o, ctx);
    expect(v.set).toBe('canary');
    expect(v.names).toEqual(CANARY_FEATURES.map((f) => f.name));
    const get = (n: string) => v.values[v.names.indexOf(n)];
    expect(get('canary_weight')).toBeCloseTo(0.3, 6);
    expect(get('failed_checks')).toBeCloseTo(0.1, 6);
    expect(get('phase_progressing')).toBe(1);
    expect(get('phase_waiting_promotion')).toBe(0);
    expect(get('p95_ratio_canary_primary')).toBeCloseTo(2, 6);
    expect(get('error_rate_diff')).toBeCloseTo(3, 5);
    const none = encodeFeatures({ ...obs(), kind: 'flagger-canary' }, ctx);
    expect([...none.mask].every((m) => m === 1)).toBe(true);
  });

  it('canary v2 appends the sequential evidence of the run; without per-step series it is no data', () => {
    expect(FEATURE_VERSIONS).toEqual({ autoscale: 1, canary: 2 });
    expect(CANARY_FEATURES.slice(14).map((f) => f.name)).toEqual([
      'error_llr_vs_primary',
      'error_llr_vs_slo',
      'latency_llr_balanced',
      'latency_llr_lighter',
      'latency_llr_vs_slo',
      'regression_llr',
      'acceptance_llr',
      'reference_steps',
      'balanced_steps',
    ]);
    const base: Observation = {
      ...obs(),
      kind: 'flagger-canary',
      canary: {
        weight: value(50, AT),
        phase: 'Progressing',
        canary: {
          rps: value(300, AT),
          p95LatencyMs: value(150, AT),
          p99LatencyMs: value(200, AT),
          errorRate: value(0.003, AT),
        },
        primary: {
          rps: value(300, AT),
          p95LatencyMs: value(150, AT),
          p99LatencyMs: value(200, AT),
          errorRate: value(0.001, AT),
        },
      },
    };
    const without = encodeFeatures(base, ctx);
    expect(without.version).toBe(2);
    const at = (v: typeof without, n: string) => v.names.indexOf(n);
    expect(without.mask[at(without, 'error_llr_vs_primary')]).toBe(1);
    expect(without.mask[at(without, 'reference_steps')]).toBe(1);
    // 3 steps of 6000 requests each: canary 0.3 % errors, primary 0.1 %
    const side = (err: number) => ({
      requests: [6000, 6000, 6000],
      errors: [err, err, err],
      p95LatencyMs: [150, 150, 150],
    });
    const withSteps = encodeFeatures(
      {
        ...base,
        canary: { ...base.canary!, steps: { stepSeconds: 20, canary: side(18), primary: side(6) } },
      },
      ctx,
    );
    const llr = (n: string) => (withSteps.values[at(withSteps, n)]! - 5) * 5;
    expect(withSteps.mask[at(withSteps, 'error_llr_vs_primary')]).toBe(0);
    expect(llr('error_llr_vs_primary')).toBeGreaterThan(4.6);
    expect(llr('latency_llr_balanced')).toBeLessThan(-4.6);
    expect(llr('regression_llr')).toBeCloseTo(llr('error_llr_vs_primary'), 5);
    expect(llr('acceptance_llr')).toBeCloseTo(llr('error_llr_vs_primary'), 5);
    expect(withSteps.values[at(withSteps, 'balanced_steps')]).toBeCloseTo(0.3, 6);
  });

  it('describes itself for model cards', () => {
    const card = featureCard('canary');
    expect(card.featureVersion).toBe(FEATURE_VERSIONS.canary);
    expect(featureCard('autoscale').featureVersion).toBe(FEATURE_VERSION);
    expect(card.inputLength).toBe(2 * CANARY_FEATURES.length);
    expect(card.features[0]).toEqual({
      name: 'canary_weight',
      unit: 'percent of traffic on the canary',
      normalisation: '/ 100',
    });
  });

  it('renders the documentation table', () => {
    expect(featureTable('autoscale').split('\n')).toHaveLength(2 + AUTOSCALE_FEATURES.length);
  });
});
