import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MaestroError } from '../../core/errors';
import { runSuite, summaryTable } from '../../eval/autoscale-suite';
import { renderHtmlReport } from '../../eval/html-report';
import { patternDuration } from '../../sim/traffic/patterns';
import { parseTraceCsv, traceToPattern } from '../../sim/traffic/trace-csv';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_OK } from '../exit-codes';
import { evalPolicies } from '../wiring/eval-policies';

/** Defaults of `maestro eval` (also in the README). */
export const EVAL_DEFAULTS = Object.freeze({
  peakRps: 1000,
  sloP95Ms: 250,
  startupSeconds: 30,
  seed: 1,
  minReplicas: 1,
  maxReplicas: 30,
});

function num(name: string, v: string | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    throw new MaestroError('INPUT_INVALID', `--${name}: expected a number >= ${min}, got "${v}"`, {
      data: { field: name },
    });
  }
  return n;
}

interface EvalOptions {
  trace: string;
  policies: string;
  peakRps?: string;
  sloP95Ms?: string;
  startupS?: string;
  seed?: string;
  json?: string;
  html?: string;
  maxReplicas?: string;
  hours?: string;
  minConfidence?: string;
}

export function registerEval(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('eval')
    .description(
      'backtest autoscaling policies on a CSV trace in virtual time (same trace, same seed for each)',
    )
    .requiredOption('--trace <file>', 'CSV trace (header; time, requests per row), see traces/README.md')
    .requiredOption('--policies <list>', 'comma-separated: hpa, hpa:<target %>, onnx:<model.onnx>, oracle')
    .option('--peak-rps <n>', `rescale the trace so its peak is N rps (default ${EVAL_DEFAULTS.peakRps})`)
    .option('--slo-p95-ms <ms>', `p95 latency SLO (default ${EVAL_DEFAULTS.sloP95Ms})`)
    .option('--startup-s <s>', `pod start-up delay in seconds (default ${EVAL_DEFAULTS.startupSeconds})`)
    .option('--max-replicas <n>', `replica ceiling (default ${EVAL_DEFAULTS.maxReplicas})`)
    .option('--hours <h>', 'evaluate only the first H hours of the trace (default: all of it)')
    .option(
      '--min-confidence <p>',
      'below this max action probability a model falls back to hpa (default 0.5)',
    )
    .option('--seed <n>', `arrival-noise seed (default ${EVAL_DEFAULTS.seed})`)
    .option('--json <file>', 'write the summaries and per-step series as JSON')
    .option('--html <file>', 'write an HTML report with uPlot charts')
    .action(async (opts: EvalOptions) => {
      const peakRps = num('peak-rps', opts.peakRps, EVAL_DEFAULTS.peakRps, 1);
      const sloP95Ms = num('slo-p95-ms', opts.sloP95Ms, EVAL_DEFAULTS.sloP95Ms, 1);
      const startupSeconds = num('startup-s', opts.startupS, EVAL_DEFAULTS.startupSeconds, 0);
      const maxReplicas = num('max-replicas', opts.maxReplicas, EVAL_DEFAULTS.maxReplicas, 1);
      const seed = num('seed', opts.seed, EVAL_DEFAULTS.seed, 0);
      const minConfidence = num('min-confidence', opts.minConfidence, 0.5, 0);
      let text: string;
      try {
        text = readFileSync(opts.trace, 'utf8');
      } catch (e) {
        throw new MaestroError(
          'INPUT_INVALID',
          `${opts.trace}: cannot read the trace (${(e as Error).message})`,
        );
      }
      const trace = parseTraceCsv(text, opts.trace);
      const pattern = traceToPattern(trace, peakRps);
      const full = patternDuration(pattern) ?? trace.counts.length * trace.stepSeconds;
      const durationSeconds =
        opts.hours !== undefined ? Math.min(full, num('hours', opts.hours, 0, 0.01) * 3600) : full;
      const refs = opts.policies
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { policies, models } = await evalPolicies(refs, {
        fallback: 'hpa',
        minConfidence,
        latencyBudgetMs: 50,
        now: () => performance.now(),
      });
      try {
        const [run] = await runSuite([{ name: opts.trace, pattern, durationSeconds }], policies, {
          seed,
          sloP95Ms,
          sloErrorRate: 0.01,
          service: { startupSeconds, startupJitterSeconds: 0 },
          minReplicas: EVAL_DEFAULTS.minReplicas,
          maxReplicas,
        });
        const summaries = run!.results.map((r) => r.summary);
        io.stdout.write(
          `${opts.trace}: ${(durationSeconds / 3600).toFixed(1)} h at peak ${peakRps} rps, SLO p95 ${sloP95Ms} ms, start-up ${startupSeconds} s, seed ${seed}\n`,
        );
        io.stdout.write(summaryTable(summaries) + '\n');
        if (opts.json) {
          const out = {
            trace: opts.trace,
            peakRps,
            sloP95Ms,
            startupSeconds,
            maxReplicas,
            seed,
            durationSeconds,
            summaries,
            series: {
              t: run!.results[0]?.t ?? [],
              demandRps: run!.results[0]?.demandRps ?? [],
              policies: run!.results.map((r) => r.series),
            },
          };
          writeFileSync(opts.json, JSON.stringify(out, null, 1) + '\n');
        }
        if (opts.html) {
          const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
          const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
          writeFileSync(
            opts.html,
            renderHtmlReport(`maestro eval: ${opts.trace}`, run!, { uplotJs, uplotCss }),
          );
        }
        exit.code = EXIT_OK;
      } finally {
        await Promise.all(models.map((m) => m.close()));
      }
    });
}
