/**
 * Canary decisions, as `maestro eval-canary` measures them (src/eval/canary-eval.ts: the simulator's
 * CanaryEnv, seeded releases): 100 good and 100 bad releases per policy (the command's default
 * set, seed 1). Policies: `flagger` and `judge` under Flagger's default analysis, and the shipped
 * model `onnx:policies/canary.onnx` (under the analysis its card was trained for) when it exists.
 * `--quick`: 20 + 20 releases.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel, type LoadedModel } from '../src/adapters/onnx/onnx-model';
import { onnxPolicyFromModel } from '../src/adapters/onnx/onnx-policy';
import { cardAnalysis } from '../src/cli/wiring/evaluate-for-card';
import { findPackageRoot } from '../src/cli/wiring/template-files';
import { createPolicy } from '../src/core/policies/policy-registry';
import {
  evaluateCanaryPolicy,
  FLAGGER_DEFAULT_ANALYSIS,
  type CanaryEvalPolicy,
  type CanaryEvalSummary,
} from '../src/eval/canary-eval';
import { isQuick, printTable, writeResults } from './lib/report';

async function main(): Promise<void> {
  const quick = isQuick();
  const options = { releases: quick ? 40 : 200, badFraction: 0.5, seed: 1 };
  const policies: CanaryEvalPolicy[] = ['flagger', 'judge'].map((ref) => ({
    name: ref,
    policy: createPolicy(ref),
    analysis: FLAGGER_DEFAULT_ANALYSIS,
  }));
  const models: LoadedModel[] = [];
  const modelPath = join(findPackageRoot(), 'policies', 'canary.onnx');
  if (existsSync(modelPath)) {
    const m = await loadOnnxModel(modelPath);
    models.push(m);
    policies.push({
      name: 'onnx:policies/canary.onnx',
      policy: onnxPolicyFromModel(m, { fallback: createPolicy('flagger'), now: () => performance.now() }),
      analysis: cardAnalysis(m),
    });
  } else process.stdout.write('policies/canary.onnx not found: flagger and judge only\n');
  const started = performance.now();
  try {
    const rows: Array<CanaryEvalSummary & { seconds: number }> = [];
    for (const p of policies) {
      const t0 = performance.now();
      const r = await evaluateCanaryPolicy(p, options);
      rows.push({ ...r, seconds: (performance.now() - t0) / 1000 });
    }
    printTable(
      [
        'policy',
        'analysis (interval s / step / max / threshold)',
        'bad promotions',
        'false rollbacks',
        'undecided',
        'time-to-promote s',
        'blast radius req',
        'fallbacks',
        'seconds',
      ],
      rows.map((r) => [
        r.policy,
        `${r.analysis.intervalSeconds} / ${r.analysis.stepWeight} / ${r.analysis.maxWeight} / ${r.analysis.threshold}`,
        `${r.badPromotions}/${r.bad}`,
        `${r.falseRollbacks}/${r.good}`,
        r.undecided,
        r.meanTimeToPromoteSeconds,
        r.blastRadiusRequests,
        r.fallbacks,
        r.seconds,
      ]),
    );
    const seconds = (performance.now() - started) / 1000;
    writeResults('canary', { options, seconds, rows });
  } finally {
    await Promise.all(models.map((m) => m.close()));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
