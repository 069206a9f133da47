import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOnnxModel } from '../../adapters/onnx/onnx-model';
import { cardPathFor } from '../../adapters/onnx/model-card';
import { MaestroError } from '../../core/errors';
import { parseTraceCsv, traceToPattern } from '../../sim/traffic/trace-csv';
import { trainPolicy } from '../../train/train-policy';
import type { TrafficPattern } from '../../sim/traffic/patterns';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_OK } from '../exit-codes';
import { evaluateForCard } from '../wiring/evaluate-for-card';

interface TrainOptions {
  kind: string;
  steps: string;
  seed: string;
  out: string;
  trace?: string[];
  evalEvery?: string;
  progress?: boolean;
  cardEval?: boolean;
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new MaestroError('INPUT_INVALID', `--${name}: expected an integer >= ${min}, got "${v}"`, {
      data: { field: name },
    });
  }
  return n;
}

/**
 * `maestro train`: trains, exports, writes `NAME.onnx` and `NAME.card.json` (atomically, only at the
 * end), then loads the exported model through onnxruntime and evaluates it for the card.
 */
export function registerTrain(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('train')
    .description('train a PPO policy in the simulator, export it to ONNX and write its model card')
    .requiredOption('--kind <kind>', 'autoscale or canary')
    .requiredOption('--steps <n>', 'environment steps')
    .option('--seed <n>', 'seed (same seed and steps → same model bytes)', '1')
    .requiredOption('--out <file>', 'model path, e.g. policies/autoscale.onnx (card: .card.json beside it)')
    .option('--trace <file...>', 'training traces for domain randomisation (never traces/eval-*)')
    .option('--eval-every <n>', 'validate every N PPO updates (checkpoint selection)', '5')
    .option('--no-progress', 'no progress bar')
    .option('--no-card-eval', 'skip the evaluation figures in the card')
    .action(async (opts: TrainOptions) => {
      if (opts.kind !== 'autoscale' && opts.kind !== 'canary') {
        throw new MaestroError('INPUT_INVALID', `--kind: expected autoscale or canary, got "${opts.kind}"`, {
          data: { field: 'kind' },
        });
      }
      const kind = opts.kind;
      const steps = int('steps', opts.steps, 1);
      const seed = int('seed', opts.seed, 0);
      const evalEvery = int('eval-every', opts.evalEvery ?? '5', 1);
      if (!/\.onnx$/i.test(opts.out)) {
        throw new MaestroError(
          'INPUT_INVALID',
          `--out: the model file must end in .onnx (got "${opts.out}")`,
        );
      }
      const tracePatterns: TrafficPattern[] = [];
      for (const file of opts.trace ?? []) {
        if (/^eval-/.test(basename(file))) {
          throw new MaestroError(
            'INPUT_INVALID',
            `--trace ${file}: evaluation-only traces must never be used for training (traces/README.md)`,
          );
        }
        tracePatterns.push(traceToPattern(parseTraceCsv(readFileSync(file, 'utf8'), file)));
      }
      const command = [
        'maestro train',
        `--kind ${kind}`,
        `--steps ${steps}`,
        `--seed ${seed}`,
        `--out ${opts.out}`,
        ...(opts.trace ?? []).map((t) => `--trace ${t}`),
        ...(opts.evalEvery && opts.evalEvery !== '5' ? [`--eval-every ${evalEvery}`] : []),
      ].join(' ');
      const bar =
        opts.progress === false
          ? undefined
          : new SingleBar(
              {
                stream: io.stderr,
                format:
                  'train {bar} {value}/{total} steps | {eta_formatted} left | return {ret} | best val {best}',
                noTTYOutput: true,
                notTTYSchedule: 5000,
              },
              Presets.shades_classic,
            );
      bar?.start(steps, 0, { ret: '-', best: '-' });
      const started = performance.now();
      const outcome = await trainPolicy(
        {
          kind,
          steps,
          seed,
          modelFile: basename(opts.out),
          command,
          evalEvery,
          ...(tracePatterns.length ? { tracePatterns } : {}),
        },
        (p) => {
          bar?.update(Math.min(steps, p.stats.steps), {
            ret: Number.isFinite(p.stats.meanEpisodeReturn) ? p.stats.meanEpisodeReturn.toFixed(2) : '-',
            best: p.bestValidationReturn?.toFixed(2) ?? '-',
          });
          if (!bar && p.validationReturn !== undefined) {
            io.stderr.write(
              `train: ${p.stats.steps}/${steps} steps, validation return ${p.validationReturn.toFixed(2)}\n`,
            );
          }
        },
      );
      bar?.stop();
      const wallSeconds = (performance.now() - started) / 1000;
      const card = {
        ...outcome.card,
        training: { ...(outcome.card.training as object), wallSeconds: Math.round(wallSeconds) },
      };
      mkdirSync(dirname(opts.out) || '.', { recursive: true });
      const cardPath = cardPathFor(opts.out);
      const writeAtomic = (path: string, data: string | Uint8Array) => {
        writeFileSync(`${path}.tmp`, data);
        renameSync(`${path}.tmp`, path);
      };
      writeAtomic(opts.out, outcome.bytes);
      writeAtomic(cardPath, JSON.stringify(card, null, 2) + '\n');
      io.stdout.write(
        `${opts.out}: sha256 ${outcome.sha256}, ${steps} steps in ${wallSeconds.toFixed(0)} s (seed ${seed})\n`,
      );
      if (opts.cardEval !== false) {
        const model = await loadOnnxModel(opts.out);
        try {
          const evaluation = await evaluateForCard(model, kind, (line) => io.stdout.write(line + '\n'));
          writeAtomic(cardPath, JSON.stringify({ ...card, evaluation }, null, 2) + '\n');
        } finally {
          await model.close();
        }
      }
      io.stdout.write(`${cardPath}: model card written\n`);
      exit.code = EXIT_OK;
    });
}
