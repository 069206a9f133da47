import type { CanaryVerb } from '../action';
import { memoCanaryEvidence, type CanaryEvidence } from '../canary-evidence';
import type { Observation } from '../observation';

/**
 * The statistical shield of a learned canary policy (shielded RL: Alshiekh et al. 2018, "Safe
 * Reinforcement Learning via Shielding"): the two verbs that cannot be taken back, promote and
 * rollback, stand only when the run's sequential evidence (src/core/canary-evidence.ts) supports
 * them. The model chooses when to advance, hold and decide; the gate makes sure a decision is
 * never taken against the evidence or without it. Pure.
 *
 * Why: a policy network learns its decision boundary from episodes, so its error rate in the
 * tails (a good release rolled back on 11:1 odds, a subtle regression promoted because the primary
 * was no reference) is whatever the training happened to leave there. The sequential tests have
 * error rates one can state beforehand:
 *
 * - rollback needs `regression` ≥ rollbackMinLlr, where regression is the strongest of the always-
 *   valid error test and the four simple-vs-simple SPRT statistics (errors vs SLO, latency balanced,
 *   latency lighter, latency vs SLO). Each is a nonnegative martingale under "the release is good"
 *   (exp of it), so by Ville's inequality a good release reaches log(1/α) with probability ≤ α
 *   however long the analysis runs; with five tests, rollbackMinLlr = log(5/α). Default α = 0.1 %:
 *   log(5000) ≈ 8.52.
 * - promote needs `acceptance` ≤ promoteMaxLlr (default −log 10: the likelihood of "no regression
 *   of the smallest size that matters" at least 10× that of such a regression, on both the errors
 *   and the balanced-load latency) and at least promoteMinBalancedSteps steps at balanced load
 *   (default 1: "the canary is not slower" only means something when it carries the primary's load).
 *   Larger regressions than the smallest one only push acceptance further up.
 *
 * A verb the gate refuses becomes the closest safe one: a refused rollback holds (the weight stays,
 * evidence accumulates); a refused promote advances below maxWeight (the traffic step the promote
 * would also have taken) and holds at it.
 */
export interface CanaryEvidenceGate {
  /** natural-log likelihood ratio a rollback needs; default log(5 / 0.001) */
  readonly rollbackMinLlr: number;
  /** natural-log likelihood ratio a promote may not exceed; default −log(10) */
  readonly promoteMaxLlr: number;
  /** balanced-load steps a promote needs; default 1 */
  readonly promoteMinBalancedSteps: number;
}

export const DEFAULT_CANARY_EVIDENCE_GATE: CanaryEvidenceGate = Object.freeze({
  rollbackMinLlr: Math.log(5 / 0.001),
  promoteMaxLlr: -Math.log(10),
  promoteMinBalancedSteps: 1,
});

/** The evidence for "the canary regressed": the strongest of the five always-valid statistics. */
export function regressionEvidence(e: CanaryEvidence): number {
  return Math.max(
    e.errorVsPrimaryAlwaysValid,
    e.errorVsSlo,
    e.latencyBalanced,
    e.latencyLighter,
    e.latencyVsSlo,
  );
}

/** The evidence against "no regression": the weaker side of errors and balanced-load latency. */
export function acceptanceEvidence(e: CanaryEvidence): number {
  return Math.max(e.errorVsPrimary, e.latencyBalanced);
}

export interface GatedVerb {
  readonly verb: CanaryVerb;
  /** set when the gate changed the verb: why, for the decision's explanation */
  readonly refused?: { readonly verb: CanaryVerb; readonly reason: string };
}

export interface EvidenceSloContext {
  /** ms */
  readonly sloP95Ms: number;
  /** fraction 0..1 */
  readonly sloErrorRate: number;
}

/** The run's evidence from the observation's per-step series; undefined without canary traffic. */
export function observedCanaryEvidence(o: Observation, slo: EvidenceSloContext): CanaryEvidence | undefined {
  const steps = o.canary?.steps;
  if (!steps) return undefined;
  const e = memoCanaryEvidence(steps, slo);
  return e.canaryRequests > 0 ? e : undefined;
}

export function gateCanaryVerb(
  verb: CanaryVerb,
  evidence: CanaryEvidence | undefined,
  position: { readonly weight: number | undefined; readonly maxWeight: number | undefined },
  gate: CanaryEvidenceGate,
): GatedVerb {
  if (verb === 'rollback') {
    const r = evidence ? regressionEvidence(evidence) : undefined;
    if (r !== undefined && r >= gate.rollbackMinLlr) return { verb };
    return {
      verb: 'hold',
      refused: {
        verb,
        reason:
          r === undefined
            ? 'no canary evidence yet'
            : `regression evidence ${r.toFixed(1)} below ${gate.rollbackMinLlr.toFixed(1)}`,
      },
    };
  }
  if (verb === 'promote') {
    const a = evidence ? acceptanceEvidence(evidence) : undefined;
    const balanced = evidence?.balancedSteps ?? 0;
    if (a !== undefined && a <= gate.promoteMaxLlr && balanced >= gate.promoteMinBalancedSteps) {
      return { verb };
    }
    const below =
      position.weight !== undefined &&
      position.maxWeight !== undefined &&
      position.weight < position.maxWeight;
    return {
      verb: below ? 'advance' : 'hold',
      refused: {
        verb,
        reason:
          a === undefined
            ? 'no canary evidence yet'
            : balanced < gate.promoteMinBalancedSteps
              ? `${balanced} of ${gate.promoteMinBalancedSteps} steps at balanced load`
              : `acceptance evidence ${a.toFixed(1)} above ${gate.promoteMaxLlr.toFixed(1)}`,
      },
    };
  }
  return { verb };
}
