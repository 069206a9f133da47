import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadOnnxModel, type LoadedModel } from '../../adapters/onnx/onnx-model';
import { onnxPolicyFromModel } from '../../adapters/onnx/onnx-policy';
import { MaestroError } from '../../core/errors';
import { createPolicy, parsePolicyRef } from '../../core/policies/policy-registry';
import {
  canaryTable,
  evaluateCanaryPolicy,
  FLAGGER_DEFAULT_ANALYSIS,
  type CanaryEvalPolicy,
} from '../../eval/canary-eval';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_OK } from '../exit-codes';
import { cardAnalysis } from '../wiring/evaluate-for-card';

interface EvalCanaryOptions {
  releases: string;
  badFraction: string;
  seed: string;
  policies: string;
  json?: string | boolean;
}

function num(name: string, v: string, min: number, max: number, integer: boolean): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new MaestroError(
      'INPUT_INVALID',
      `--${name}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${v}"`,
      {
        data: { field: name },
      },
    );
  }
  return n;
}

/**
 * `maestro eval-canary`: rule baselines run under Flagger's defaults (interval 60 s, threshold 5,
 * stepWeight 10, maxWeight 50); a model runs under the analysis its card says it was trained for.
 */
export function registerEvalCanary(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('eval-canary')
    .description('evaluate canary policies over seeded good and bad releases')
    .option('--releases <n>', 'number of releases', '200')
    .option('--bad-fraction <f>', 'fraction of bad releases', '0.5')
    .option('--seed <n>', 'seed of the release set', '1')
    .requiredOption('--policies <list>', 'comma-separated: flagger, judge, onnx:<model.onnx>')
    .option('--json [file]', 'print (or write to file) the summaries as JSON')
    .action(async (opts: EvalCanaryOptions) => {
      const o = {
        releases: num('releases', opts.releases, 1, 100_000, true),
        badFraction: num('bad-fraction', opts.badFraction, 0, 1, false),
        seed: num('seed', opts.seed, 0, 2 ** 31, true),
      };
      const models: LoadedModel[] = [];
      try {
        const policies: CanaryEvalPolicy[] = [];
        for (const ref of opts.policies
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const p = parsePolicyRef(ref);
          if (p.kind === 'onnx') {
            const m = await loadOnnxModel(p.path);
            models.push(m);
            if (m.card.kind !== 'canary') {
              throw new MaestroError(
                'INPUT_INVALID',
                `${ref}: the model card says kind ${m.card.kind}, not canary`,
              );
            }
            policies.push({
              name: ref,
              policy: onnxPolicyFromModel(m, {
                fallback: createPolicy('flagger'),
                now: () => performance.now(),
              }),
              analysis: cardAnalysis(m),
            });
          } else if (p.kind === 'flagger' || p.kind === 'judge') {
            policies.push({ name: ref, policy: createPolicy(ref), analysis: FLAGGER_DEFAULT_ANALYSIS });
          } else {
            throw new MaestroError(
              'INPUT_INVALID',
              `--policies: ${ref} is not a canary policy (flagger, judge, onnx:<file>)`,
            );
          }
        }
        const rows = [];
        for (const p of policies) rows.push(await evaluateCanaryPolicy(p, o));
        if (opts.json === true) io.stdout.write(JSON.stringify({ ...o, results: rows }, null, 1) + '\n');
        else {
          io.stdout.write(
            `${o.releases} releases (${Math.round(o.releases * o.badFraction)} bad), seed ${o.seed}\n${canaryTable(rows)}\n`,
          );
          if (typeof opts.json === 'string')
            writeFileSync(opts.json, JSON.stringify({ ...o, results: rows }, null, 1) + '\n');
        }
        exit.code = EXIT_OK;
      } finally {
        await Promise.all(models.map((m) => m.close()));
      }
    });
}
