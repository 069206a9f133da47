import { createPolicy } from '../core/policies/policy-registry';
import { forward, outputOf } from './mlp';
import type { ActorCritic } from './ppo';
import { logSoftmaxRow } from './ppo-loss';
import type { AutoscaleTrainingEnv } from './autoscale-training-env';

/**
 * Checkpoint selection for autoscale models on what the acceptance line measures: pod-minutes and
 * SLO-violation minutes against the HPA baseline (70 %) on the same validation episodes, with the
 * model run as the agent runs it — its argmax action when its confidence (max probability) is at
 * least `minConfidence`, else the HPA decides (src/core/policies/onnx-fallback.ts). The HPA runs on
 * every step either way, so its memory is current when it takes over.
 *
 * Score (higher is better): −pod-minutes − VIOLATION_WEIGHT × Σ over episodes of max(0, violation
 * minutes − HPA's in that episode), so a checkpoint that violates more than the HPA anywhere loses
 * to any that does not (the acceptance line holds per trace, not on average).
 */
export const VIOLATION_WEIGHT = 1000;

export interface AutoscaleValidation {
  readonly podMinutes: number;
  readonly violationMinutes: number;
  readonly hpaPodMinutes: number;
  readonly hpaViolationMinutes: number;
  /** Σ over episodes of the violation minutes above the HPA's in the same episode */
  readonly excessViolationMinutes: number;
  /** decisions the HPA made for the model (confidence below minConfidence) / all decisions */
  readonly fallbackFraction: number;
  readonly score: number;
}

interface Run {
  podMinutes: number;
  violationMinutes: number;
  fallbacks: number;
  decisions: number;
}

async function runEpisode(
  env: AutoscaleTrainingEnv,
  seed: number,
  model: ActorCritic | undefined,
  minConfidence: number,
): Promise<Run> {
  const hpa = createPolicy('hpa');
  let obs = env.reset(seed);
  let state: unknown;
  const run: Run = { podMinutes: 0, violationMinutes: 0, fallbacks: 0, decisions: 0 };
  const lp = new Float64Array(env.actionCount);
  for (let t = 0; t < 100_000; t++) {
    const o = env.observation;
    const out = await hpa.decide(o, { ...env.context, nowMs: o.at, state });
    state = out.state;
    let delta = out.action.type === 'replicas' ? out.action.delta : 0;
    if (model) {
      const logits = outputOf(forward(model.policyShape, model.policy, obs, 1));
      logSoftmaxRow(logits, 0, logits.length, lp);
      let a = 0;
      for (let j = 1; j < lp.length; j++) if (lp[j]! > lp[a]!) a = j;
      run.decisions++;
      if (Math.exp(lp[a]!) >= minConfidence) delta = env.deltaFor(a);
      else run.fallbacks++;
    }
    const r = env.stepReplicas(delta);
    const info = env.info!;
    run.podMinutes += info.podSeconds / 60;
    if (info.sloViolated) run.violationMinutes += 15 / 60;
    if (r.terminated || r.truncated) break;
    obs = r.obs;
  }
  return run;
}

/**
 * Validates autoscale checkpoints against the HPA on `episodes` fixed episodes of each env (the
 * HPA's runs are cached). Envs run one episode at a time.
 */
export function autoscaleValidator(
  envs: readonly AutoscaleTrainingEnv[],
  episodes: number,
  seedBase: number,
  minConfidence: number,
): (model: ActorCritic) => Promise<AutoscaleValidation> {
  let hpa: Run[] | undefined;
  const all = async (model: ActorCritic | undefined) => {
    const runs: Run[] = [];
    for (const env of envs) {
      for (let e = 0; e < episodes; e++) runs.push(await runEpisode(env, seedBase + e, model, minConfidence));
    }
    return runs;
  };
  return async (model) => {
    hpa ??= await all(undefined);
    const base = hpa;
    const runs = await all(model);
    const sum = (rs: Run[], k: keyof Run) => rs.reduce((s, r) => s + r[k], 0);
    const podMinutes = sum(runs, 'podMinutes');
    const excess = runs.reduce(
      (s, r, i) => s + Math.max(0, r.violationMinutes - base[i]!.violationMinutes),
      0,
    );
    return {
      podMinutes,
      violationMinutes: sum(runs, 'violationMinutes'),
      hpaPodMinutes: sum(base, 'podMinutes'),
      hpaViolationMinutes: sum(base, 'violationMinutes'),
      excessViolationMinutes: excess,
      fallbackFraction: sum(runs, 'fallbacks') / Math.max(1, sum(runs, 'decisions')),
      score: -podMinutes - VIOLATION_WEIGHT * excess,
    };
  };
}
