import type { LoadedModel } from '../../adapters/onnx/onnx-model';
import { onnxPolicyFromModel } from '../../adapters/onnx/onnx-policy';
import { createPolicy } from '../../core/policies/policy-registry';
import type { Policy } from '../../core/policy';
import { builtInRuns, runSuite } from '../../eval/autoscale-suite';
import {
  canaryTable,
  evaluateCanaryPolicy,
  FLAGGER_DEFAULT_ANALYSIS,
  type CanaryAnalysis,
} from '../../eval/canary-eval';
import { CANARY_MODEL_ANALYSIS } from '../../train/canary-training-env';
import { EVAL_DEFAULTS } from '../commands/eval';

/** The analysis a canary model card says the model was trained for. */
export function cardAnalysis(model: LoadedModel): CanaryAnalysis {
  const env = model.card.training.environment as { analysis?: Partial<CanaryAnalysis> } | undefined;
  return { ...CANARY_MODEL_ANALYSIS, ...env?.analysis };
}

function modelPolicy(model: LoadedModel, fallback: string): Policy {
  return onnxPolicyFromModel(model, { fallback: createPolicy(fallback), now: () => 0, minConfidence: 0.5 });
}

/**
 * The evaluation figures of a freshly trained model for its card: autoscale on every built-in
 * pattern against hpa (70 %) and the oracle; canary over 100 good + 100 bad seeded releases against
 * Flagger's defaults. The same code paths as `maestro eval` / `maestro eval-canary`.
 */
export async function evaluateForCard(
  model: LoadedModel,
  kind: 'autoscale' | 'canary',
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  if (kind === 'autoscale') {
    const suite = await runSuite(
      builtInRuns(),
      [
        { kind: 'policy', policy: createPolicy('hpa') },
        { kind: 'policy', policy: modelPolicy(model, 'hpa') },
        { kind: 'oracle' },
      ],
      {
        seed: EVAL_DEFAULTS.seed,
        sloP95Ms: EVAL_DEFAULTS.sloP95Ms,
        sloErrorRate: 0.01,
        service: { startupSeconds: EVAL_DEFAULTS.startupSeconds, startupJitterSeconds: 0 },
        minReplicas: EVAL_DEFAULTS.minReplicas,
        maxReplicas: EVAL_DEFAULTS.maxReplicas,
      },
    );
    const scenarios: Record<string, unknown> = {};
    for (const run of suite) {
      const [hpa, onnx, oracle] = run.results.map((r) => r.summary);
      scenarios[run.name] = { hpa, model: onnx, oracle };
      log(
        `${run.name}: pod-min model ${onnx!.podMinutes.toFixed(0)} / hpa ${hpa!.podMinutes.toFixed(0)} / oracle ${oracle!.podMinutes.toFixed(0)}; SLO-viol-min model ${onnx!.sloViolationMinutes.toFixed(2)} / hpa ${hpa!.sloViolationMinutes.toFixed(2)}`,
      );
    }
    return {
      method: `built-in patterns (${suite.map((s) => s.name).join(', ')}), up to 2 h each, seed ${EVAL_DEFAULTS.seed}, SLO p95 ${EVAL_DEFAULTS.sloP95Ms} ms, start-up ${EVAL_DEFAULTS.startupSeconds} s, maxReplicas ${EVAL_DEFAULTS.maxReplicas}; maestro eval for traces`,
      scenarios,
    };
  }
  const o = { releases: 200, badFraction: 0.5, seed: 1 };
  const rows = [
    await evaluateCanaryPolicy(
      { name: 'flagger', policy: createPolicy('flagger'), analysis: FLAGGER_DEFAULT_ANALYSIS },
      o,
    ),
    await evaluateCanaryPolicy(
      { name: 'model', policy: modelPolicy(model, 'flagger'), analysis: cardAnalysis(model) },
      o,
    ),
  ];
  log(canaryTable(rows));
  return { method: `maestro eval-canary --releases 200 --bad-fraction 0.5 --seed 1`, results: rows };
}
