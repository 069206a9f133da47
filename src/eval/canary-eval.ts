import type { Policy } from '../core/policy';
import { CANARY_ACTIONS, CanaryEnv, drawRelease } from '../sim/env/canary-env';
import { createRng } from '../sim/rng';
import { GOOD_RELEASE, type ReleaseProfile } from '../sim/service-params';

/**
 * `maestro eval-canary`: each policy judges the same seeded releases (good and bad, the
 * simulator's release distribution) under the Flagger-like controller, answering its gates every
 * analysis interval. Per policy:
 *
 * - bad promotions: bad releases promoted; false rollbacks: good releases rolled back;
 * - time-to-promote: mean seconds from the start of analysis to promotion, good releases only;
 * - blast radius: requests served by a bad version during its analysis (canary rps × interval,
 *   summed over the run); a bad promotion additionally counts in `badPromotions`.
 *
 * A release still running at the step limit counts as `undecided`.
 */
export interface CanaryAnalysis {
  readonly intervalSeconds: number;
  readonly stepWeight: number;
  readonly maxWeight: number;
  readonly threshold: number;
}

/** Flagger's defaults the task compares against. */
export const FLAGGER_DEFAULT_ANALYSIS: CanaryAnalysis = Object.freeze({
  intervalSeconds: 60,
  stepWeight: 10,
  maxWeight: 50,
  threshold: 5,
});

export interface CanaryEvalPolicy {
  readonly name: string;
  readonly policy: Policy;
  readonly analysis: CanaryAnalysis;
}

export interface CanaryEvalOptions {
  readonly releases: number;
  readonly badFraction: number;
  readonly seed: number;
  readonly maxSteps?: number;
}

export interface CanaryEvalSummary {
  readonly policy: string;
  readonly analysis: CanaryAnalysis;
  readonly good: number;
  readonly bad: number;
  readonly badPromotions: number;
  readonly falseRollbacks: number;
  readonly undecided: number;
  readonly meanTimeToPromoteSeconds: number;
  readonly blastRadiusRequests: number;
  readonly fallbacks: number;
}

export interface ReleaseCase {
  readonly index: number;
  readonly bad: boolean;
  readonly profile: ReleaseProfile;
  readonly rps: number;
  readonly seed: number;
}

/** The seeded release set: the first round(N × F) are bad. */
export function releaseCases(o: CanaryEvalOptions): ReleaseCase[] {
  const rng = createRng(`eval-canary:${o.seed}`);
  const nBad = Math.round(o.releases * o.badFraction);
  return Array.from({ length: o.releases }, (_, index) => {
    const bad = index < nBad;
    return {
      index,
      bad,
      profile: bad ? drawRelease(rng, 1) : GOOD_RELEASE,
      rps: 150 + 650 * rng.next(),
      seed: Math.floor(rng.next() * 2 ** 31),
    };
  });
}

export async function evaluateCanaryPolicy(
  p: CanaryEvalPolicy,
  o: CanaryEvalOptions,
): Promise<CanaryEvalSummary> {
  const cases = releaseCases(o);
  let badPromotions = 0;
  let falseRollbacks = 0;
  let undecided = 0;
  let promoteSeconds = 0;
  let goodPromoted = 0;
  let blast = 0;
  let fallbacks = 0;
  for (const c of cases) {
    const env = new CanaryEnv({
      traffic: { kind: 'steady', rps: c.rps },
      release: () => c.profile,
      intervalSeconds: p.analysis.intervalSeconds,
      stepWeight: p.analysis.stepWeight,
      maxWeight: p.analysis.maxWeight,
      threshold: p.analysis.threshold,
      maxSteps: o.maxSteps ?? 40,
    });
    let { obs } = await env.reset({ seed: c.seed });
    const t0 = obs.t - p.analysis.intervalSeconds;
    let state: unknown;
    let outcome = 'running';
    for (;;) {
      if (c.bad) blast += obs.canary.rps * p.analysis.intervalSeconds;
      const core = env.toCoreObservation();
      const out = await p.policy.decide(core, {
        nowMs: core.at,
        minReplicas: 1,
        maxReplicas: 30,
        sloP95Ms: 250,
        sloErrorRate: 0.01,
        state,
      });
      state = out.state;
      if (out.ref?.fallback) fallbacks++;
      const verb = out.action.type === 'canary' ? out.action.verb : 'hold';
      const r = await env.step(CANARY_ACTIONS.indexOf(verb));
      obs = r.obs;
      outcome = r.info.outcome;
      if (r.terminated || r.truncated) break;
    }
    if (outcome === 'promoted') {
      if (c.bad) badPromotions++;
      else {
        goodPromoted++;
        promoteSeconds += obs.t - t0;
      }
    } else if (outcome === 'rolled-back') {
      if (!c.bad) falseRollbacks++;
    } else undecided++;
  }
  const bad = cases.filter((c) => c.bad).length;
  return {
    policy: p.name,
    analysis: p.analysis,
    good: cases.length - bad,
    bad,
    badPromotions,
    falseRollbacks,
    undecided,
    meanTimeToPromoteSeconds: goodPromoted ? promoteSeconds / goodPromoted : NaN,
    blastRadiusRequests: Math.round(blast),
    fallbacks,
  };
}

export function canaryTable(rows: readonly CanaryEvalSummary[]): string {
  const head = [
    'policy',
    'bad promotions',
    'false rollbacks',
    'undecided',
    'time-to-promote s',
    'blast radius req',
  ];
  const body = rows.map((r) => [
    r.policy,
    `${r.badPromotions}/${r.bad}`,
    `${r.falseRollbacks}/${r.good}`,
    String(r.undecided),
    Number.isFinite(r.meanTimeToPromoteSeconds) ? r.meanTimeToPromoteSeconds.toFixed(0) : '-',
    String(r.blastRadiusRequests),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
