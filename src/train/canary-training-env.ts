import { encodeFeatures, featureCard } from '../core/features';
import type { Observation } from '../core/observation';
import {
  DEFAULT_CANARY_EVIDENCE_GATE,
  gateCanaryVerb,
  observedCanaryEvidence,
  type CanaryEvidenceGate,
} from '../core/policies/canary-evidence-gate';
import { valueOf } from '../core/sample';
import { CANARY_ACTIONS, CanaryEnv, drawRelease } from '../sim/env/canary-env';
import { DEFAULT_CANARY_WEIGHTS, type CanaryRewardWeights } from '../sim/reward';
import { createRng } from '../sim/rng';
import type { TrainingEnv, TrainingStep } from './ppo';

/**
 * The canary env as the trainer sees it: one episode = one release under the Flagger-like
 * controller, observed through the agent's canary features (src/core/features.ts).
 *
 * The analysis the model is trained (and shipped) for is CANARY_MODEL_ANALYSIS: a 20 s interval,
 * 25 % steps to 50 %, threshold 5 — the model, not the threshold, is meant to catch regressions.
 * 50 % is where canary and primary (same pod count) carry the same load, the one weight at which
 * "the canary is not slower" is evidence (src/core/canary-evidence.ts); a step is never 0 → 100 %.
 * The model reads the sequential evidence features (canary features v2).
 * Domain randomisation per episode: load 150..800 rps on 4..10 pods, service time 30..80 ms, and
 * the simulator's release distribution (half bad; error regressions +0.2..10 %, latency ×1.1..3,
 * the small ones subtle).
 *
 * Reward (src/sim/reward.ts canaryReward, weights TRAINING_CANARY_WEIGHTS): −0.05 per tick, −5 × the
 * canary's error share of traffic, −1 × weight/100 per tick of a bad release (bad-version requests,
 * latency regressions too), +1 for promoting a good / rolling back a bad release, −40 for promoting a
 * bad one, −30 for rolling back a good one, −30 for a release still undecided at the step limit.
 * Ticks where Flagger's own checks hold the weight cost only the tick, and a fault the agent could
 * not prevent is not penalised beyond it.
 */
export const CANARY_MODEL_ANALYSIS = Object.freeze({
  intervalSeconds: 20,
  stepWeight: 25,
  maxWeight: 50,
  threshold: 5,
});

/**
 * The simulator's canary reward with the wrong outcomes weighted up (promoting a bad release 3 → 40,
 * rolling back a good one 1 → 50), the blast radius priced in and indecision priced out: the shipped
 * policy must make neither mistake, so a wrong answer has to cost more than many ticks of waiting
 * for evidence (with smaller weights the policy learned to roll back on 11:1 odds, two good releases
 * in a hundred); holding forever must not be a safe haven either. Inside the evidence gate a hold is
 * the only answer the gate never overrides, so indecision costs as much as a wrong rollback and
 * every tick costs 0.05: with 10 and 0.02 the gated policy learned to sit at 25 % whenever the
 * primary was overloaded (no reference, so no evidence) and left 37 of 200 validation releases
 * undecided, instead of taking the 50 % step that relieves the primary and yields the evidence.
 */
export const TRAINING_CANARY_WEIGHTS: CanaryRewardWeights = Object.freeze({
  ...DEFAULT_CANARY_WEIGHTS,
  time: 0.05,
  wrongPromote: 40,
  wrongRollback: 30,
  badTraffic: 1,
  undecided: 30,
});

/**
 * The evidence gate the canary model is trained inside and shipped with (its card's
 * `evidenceGate`): the env applies it to every action before the controller sees it, exactly as the
 * agent does (src/core/policies/onnx-fallback.ts), so the policy learns timing within the gate.
 */
export const CANARY_MODEL_GATE: CanaryEvidenceGate = DEFAULT_CANARY_EVIDENCE_GATE;

export interface CanaryTrainingOptions {
  /** default CANARY_MODEL_GATE; null trains without a gate */
  readonly gate?: CanaryEvidenceGate | null;
  readonly badProbability?: number;
  readonly maxSteps?: number;
  readonly weights?: CanaryRewardWeights;
}

export class CanaryTrainingEnv implements TrainingEnv {
  readonly obsSize = featureCard('canary').inputLength;
  readonly actionCount = CANARY_ACTIONS.length;
  private env: CanaryEnv | undefined;
  /** the observation the policy last saw (features and gate read the same one) */
  private core: Observation | undefined;
  private static readonly ctx = { minReplicas: 1, maxReplicas: 30, sloP95Ms: 250, sloErrorRate: 0.01 };

  constructor(private readonly o: CanaryTrainingOptions = {}) {}

  async reset(seed: number): Promise<Float64Array> {
    const rng = createRng(`canary-dr:${seed}`);
    const rps = 150 + 650 * rng.next();
    const bad = this.o.badProbability ?? 0.5;
    this.env = new CanaryEnv({
      traffic: { kind: 'steady', rps },
      service: { serviceTimeMs: 30 + 50 * rng.next() },
      replicas: rng.int(4, 10),
      release: (r) => drawRelease(r, bad),
      intervalSeconds: CANARY_MODEL_ANALYSIS.intervalSeconds,
      stepWeight: CANARY_MODEL_ANALYSIS.stepWeight,
      maxWeight: CANARY_MODEL_ANALYSIS.maxWeight,
      threshold: CANARY_MODEL_ANALYSIS.threshold,
      maxSteps: this.o.maxSteps ?? 20,
      weights: this.o.weights ?? TRAINING_CANARY_WEIGHTS,
    });
    await this.env.reset({ seed });
    return this.observe();
  }

  async step(action: number): Promise<TrainingStep> {
    const r = await this.env!.step(this.gated(action));
    return { obs: this.observe(), reward: r.reward, terminated: r.terminated, truncated: r.truncated };
  }

  /** The action index after the evidence gate (the same function the agent applies). */
  private gated(action: number): number {
    const gate = this.o.gate === undefined ? CANARY_MODEL_GATE : this.o.gate;
    const verb = CANARY_ACTIONS[action];
    if (!gate || verb === undefined) return action;
    const core = this.core!;
    const g = gateCanaryVerb(
      verb,
      observedCanaryEvidence(core, CanaryTrainingEnv.ctx),
      { weight: valueOf(core.canary?.weight), maxWeight: core.declared.maxWeight },
      gate,
    );
    return CANARY_ACTIONS.indexOf(g.verb);
  }

  private observe(): Float64Array {
    this.core = this.env!.toCoreObservation();
    return Float64Array.from(encodeFeatures(this.core, CanaryTrainingEnv.ctx, 'canary').input);
  }
}
