import fc from 'fast-check';
import type { Action } from '../../../src/core/action';
import {
  formatAction,
  formatDecisionCommit,
  formatOverrideCommit,
  parseAction,
  parseMaestroCommit,
  parsePerson,
  pullRequestBranch,
} from '../../../src/core/commit-message';
import { parseTrailers } from '../../../src/core/commit-trailers';
import type { DecisionRecord } from '../../../src/core/decision';
import type { Observation, ServiceMetrics } from '../../../src/core/observation';
import { createRedactor } from '../../../src/core/redact';
import { noData, value } from '../../../src/core/sample';

const AT = Date.UTC(2026, 10, 23, 14, 0, 0);
const REV = 'a'.repeat(40);

function service(over: Partial<ServiceMetrics> = {}): ServiceMetrics {
  return {
    cpuUtilization: value(0.8234, AT),
    memoryBytes: value(512e6, AT),
    readyReplicas: value(4, AT),
    specReplicas: value(4, AT),
    rps: value(120.456, AT),
    p95LatencyMs: value(310, AT),
    p99LatencyMs: noData('stale', 'sample is 300s old'),
    errorRate: value(0.002, AT),
    ...over,
  };
}

function webDecision(over: Partial<DecisionRecord> = {}): DecisionRecord {
  const observation: Observation = {
    target: 'web',
    kind: 'deployment-replicas',
    at: AT,
    service: service(),
    declared: { replicas: 4, revision: REV },
  };
  return {
    id: 'd-20261123T140000-web',
    target: 'web',
    at: AT,
    basedOn: REV,
    observation,
    policy: { name: 'onnx:policies/autoscale.onnx', modelHash: 'abc123' },
    proposed: { type: 'replicas', delta: 3 },
    final: { type: 'replicas', delta: 2 },
    interventions: [
      {
        rule: 'step-limit',
        effect: 'clamped',
        from: { type: 'replicas', delta: 3 },
        to: { type: 'replicas', delta: 2 },
        reason: 'maxStepUp is 2',
      },
    ],
    reasons: ['p95 310 ms is above the SLO of 250 ms', 'step-limit: maxStepUp is 2'],
    confidence: 0.91,
    ...over,
  };
}

function apiDecision(): DecisionRecord {
  return {
    id: 'd-20261123T140000-api',
    target: 'api',
    at: AT,
    basedOn: REV,
    observation: {
      target: 'api',
      kind: 'hpa-bounds',
      at: AT,
      service: service({ p95LatencyMs: value(150, AT) }),
      declared: { minReplicas: 2, maxReplicas: 10, revision: REV },
    },
    policy: { name: 'hpa', fallback: { from: 'onnx:policies/api.onnx', reason: 'confidence 0.3 < 0.5' } },
    proposed: { type: 'replicas', delta: 2 },
    final: { type: 'replicas', delta: 2 },
    interventions: [],
    reasons: ['cpu 82% above target 70%'],
  };
}

describe('formatDecisionCommit', () => {
  test('one target: subject with from→to, reasons, guardrails, trailers (golden)', () => {
    expect(formatDecisionCommit([webDecision()])).toBe(
      [
        'maestro: web replicas 4→6 (scale-up)',
        '',
        'Policy onnx:policies/autoscale.onnx proposed scale-up +3; guardrails made it scale-up +2.',
        '- p95 310 ms is above the SLO of 250 ms',
        'Guardrails:',
        '- step-limit clamped scale-up +3 → scale-up +2: maxStepUp is 2',
        '',
        'Maestro-Target: web',
        'Maestro-Action: replicas +2',
        'Maestro-Policy: onnx:policies/autoscale.onnx sha256:abc123',
        'Maestro-Observation: cpu=0.8234 rps=120.5 p95=310ms p99=nodata:stale err=0.002 ready=4 spec=4',
        'Maestro-Guardrails: step-limit=clamped',
        'Maestro-Decision-Id: d-20261123T140000-web',
        '',
      ].join('\n'),
    );
  });

  test('several targets: one subject, one paragraph and one trailer group per target (golden)', () => {
    const msg = formatDecisionCommit([webDecision(), apiDecision()]);
    expect(msg).toBe(
      [
        'maestro: 2 targets (web 4→6, api min 2→4)',
        '',
        'web: replicas 4→6 (scale-up)',
        'Policy onnx:policies/autoscale.onnx proposed scale-up +3; guardrails made it scale-up +2.',
        '- p95 310 ms is above the SLO of 250 ms',
        'Guardrails:',
        '- step-limit clamped scale-up +3 → scale-up +2: maxStepUp is 2',
        '',
        'api: min replicas 2→4 (scale-up)',
        'Policy hpa (fallback from onnx:policies/api.onnx: confidence 0.3 < 0.5) decided scale-up +2.',
        '- cpu 82% above target 70%',
        '',
        'Maestro-Target: web',
        'Maestro-Action: replicas +2',
        'Maestro-Policy: onnx:policies/autoscale.onnx sha256:abc123',
        'Maestro-Observation: cpu=0.8234 rps=120.5 p95=310ms p99=nodata:stale err=0.002 ready=4 spec=4',
        'Maestro-Guardrails: step-limit=clamped',
        'Maestro-Decision-Id: d-20261123T140000-web',
        'Maestro-Target: api',
        'Maestro-Action: replicas +2',
        'Maestro-Policy: hpa fallback-from=onnx:policies/api.onnx',
        'Maestro-Observation: cpu=0.8234 rps=120.5 p95=150ms p99=nodata:stale err=0.002 ready=4 spec=4',
        'Maestro-Guardrails: none',
        'Maestro-Decision-Id: d-20261123T140000-api',
        '',
      ].join('\n'),
    );
    expect(parseMaestroCommit(msg)).toEqual([
      {
        target: 'web',
        action: { type: 'replicas', delta: 2 },
        actionText: 'replicas +2',
        policy: 'onnx:policies/autoscale.onnx',
        decisionId: 'd-20261123T140000-web',
      },
      {
        target: 'api',
        action: { type: 'replicas', delta: 2 },
        actionText: 'replicas +2',
        policy: 'hpa',
        decisionId: 'd-20261123T140000-api',
      },
    ]);
  });

  test('canary promote forced by a person carries Maestro-Override', () => {
    const d = webDecision({
      target: 'checkout',
      observation: { ...webDecision().observation, target: 'checkout', kind: 'flagger-canary' },
      proposed: { type: 'canary', verb: 'promote', forced: true },
      final: { type: 'canary', verb: 'promote', forced: true },
      interventions: [],
      reasons: ['release looks fine on the dashboard'],
      override: { by: 'Ann Smith <ann@example.com>' },
    });
    const msg = formatDecisionCommit([d]);
    expect(msg.split('\n')[0]).toBe('maestro: checkout canary promote (forced, override)');
    expect(msg).toContain('Human override by Ann Smith <ann@example.com>.');
    expect(parseMaestroCommit(msg)).toEqual([
      expect.objectContaining({
        target: 'checkout',
        action: { type: 'canary', verb: 'promote', forced: true },
        overrideBy: 'Ann Smith <ann@example.com>',
      }),
    ]);
  });

  test('multi-line and hostile values stay inside one trailer line; the block still parses', () => {
    const d = webDecision({ id: 'd-1\nMaestro-Target: evil', policy: { name: 'hpa\n\nInjected: yes' } });
    const msg = formatDecisionCommit([d]);
    const entries = parseMaestroCommit(msg);
    expect(entries.map((e) => e.target)).toEqual(['web']);
    expect(entries[0]!.decisionId).toBe('d-1 Maestro-Target: evil');
    expect(parseTrailers(msg).map((t) => t.key)).not.toContain('Injected');
  });

  test('secrets are redacted from every part of the message', () => {
    const token = 'ghp_s3cretTOKENvalue1234';
    const redactor = createRedactor([token]);
    const d = webDecision({
      reasons: [`pushed to https://x-access-token:${token}@example.com/repo.git`, `token ${token}`],
    });
    const msg = formatDecisionCommit([d], { redact: redactor.redact });
    expect(msg).not.toContain(token);
    expect(msg).toContain('[REDACTED]');
  });

  test('empty input is a programming error', () => {
    expect(() => formatDecisionCommit([])).toThrow(RangeError);
  });
});

describe('formatOverrideCommit', () => {
  test('pause override (golden)', () => {
    const msg = formatOverrideCommit({
      target: 'web',
      description: 'paused',
      verb: 'pause',
      by: { name: 'Ann Smith', email: 'ann@example.com' },
      reason: 'incident 42',
      decisionId: 'o-1',
    });
    expect(msg).toBe(
      [
        'maestro: web paused (override by Ann Smith)',
        '',
        'Human override by Ann Smith <ann@example.com>.',
        'Reason: incident 42',
        '',
        'Maestro-Target: web',
        'Maestro-Action: pause',
        'Maestro-Policy: human-override',
        'Maestro-Observation: none',
        'Maestro-Guardrails: none',
        'Maestro-Override: Ann Smith <ann@example.com>',
        'Maestro-Decision-Id: o-1',
        '',
      ].join('\n'),
    );
    expect(parseMaestroCommit(msg)).toEqual([
      {
        target: 'web',
        actionText: 'pause',
        policy: 'human-override',
        overrideBy: 'Ann Smith <ann@example.com>',
        decisionId: 'o-1',
      },
    ]);
  });
});

describe('actions and people round-trip', () => {
  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.constant<Action>({ type: 'hold' }),
    fc.integer({ min: -50, max: 50 }).map((delta): Action => ({ type: 'replicas', delta })),
    fc
      .record({
        verb: fc.constantFrom('advance', 'hold', 'promote', 'rollback' as const),
        stepWeight: fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
        forced: fc.option(fc.constant(true), { nil: undefined }),
      })
      .map((r): Action => ({
        type: 'canary',
        verb: r.verb,
        ...(r.stepWeight !== undefined ? { stepWeight: r.stepWeight } : {}),
        ...(r.forced ? { forced: true } : {}),
      })),
  );
  test('parseAction(formatAction(a)) == a', () => {
    fc.assert(fc.property(action, (a) => expect(parseAction(formatAction(a))).toEqual(a)));
  });
  test('parseAction rejects other text', () => {
    expect(parseAction('pause')).toBeUndefined();
    expect(parseAction('canary explode')).toBeUndefined();
    expect(parseAction('replicas lots')).toBeUndefined();
  });
  test('parsePerson', () => {
    expect(parsePerson('Ann Smith <ann@example.com>')).toEqual({
      name: 'Ann Smith',
      email: 'ann@example.com',
    });
    expect(parsePerson('ann@example.com')).toBeUndefined();
    expect(parsePerson('<ann@example.com>')).toBeUndefined();
    expect(parsePerson('Ann <not an email>')).toBeUndefined();
  });
});

describe('pullRequestBranch', () => {
  test('one target: maestro/<target>/<id>; several: maestro/batch/<first id>', () => {
    expect(pullRequestBranch(formatDecisionCommit([webDecision()]))).toBe(
      'maestro/web/d-20261123T140000-web',
    );
    expect(pullRequestBranch(formatDecisionCommit([webDecision(), apiDecision()]))).toBe(
      'maestro/batch/d-20261123T140000-web',
    );
    expect(pullRequestBranch('fix typo\n\nSigned-off-by: x <x@y>\n')).toBeUndefined();
  });
});
