import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMaestroError, MaestroError } from '../../core/errors';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK } from '../exit-codes';
import { FAULT_HELP, FAULTS, parseFaults, type Fault } from '../soak/fault-schedule';
import { runSoak, type SoakReport } from '../soak/run-soak';
import { parseDuration } from '../wiring/parse-duration';

interface SoakOpts {
  duration: string;
  speed: string;
  seed: string;
  faults: string;
  json?: string;
  prometheus: boolean;
}

/**
 * `maestro soak`: runs the demo's pieces under a seeded fault schedule, then fault-free with the same
 * seed, and reports what went wrong (src/cli/soak/run-soak.ts). Exit 0 when every count is 0, 1 when
 * any is not, 2 for bad flags (an unknown fault name lists the supported ones).
 */
export function registerSoak(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('soak')
    .description(
      'fault-injection soak of the demo stack in accelerated virtual time; exits 1 if any count is not 0',
    )
    .option('--duration <d>', 'virtual run length, e.g. 10m, 2h', '10m')
    .option('--speed <x>', 'at most this many virtual seconds per wall second', '60')
    .option('--seed <s>', 'seed of the fault schedule and the simulator', '1')
    .option(
      '--faults <list>',
      `comma list or "all": ${FAULTS.map((f) => `${f} (${FAULT_HELP[f]})`).join('; ')}`,
      'all',
    )
    .option('--json <file>', 'write the full report as JSON to this file')
    .option(
      '--no-prometheus',
      'agents read the simulator directly even when a prometheus binary is installed',
    )
    .action(async (opts: SoakOpts) => {
      let faults: Fault[];
      let durationS: number;
      let speed: number;
      try {
        faults = parseFaults(opts.faults);
        durationS = parseDuration(opts.duration, '--duration') / 1000;
        speed = Number(opts.speed);
        if (!(speed > 0 && speed <= 1000)) {
          throw new MaestroError('INPUT_INVALID', `--speed must be within (0, 1000], got "${opts.speed}"`);
        }
      } catch (e) {
        io.stderr.write(`maestro soak: ${(e as Error).message}\n`);
        exit.code = EXIT_INVALID;
        return;
      }
      let report: SoakReport;
      try {
        report = await runSoak({
          durationS,
          speed,
          seed: opts.seed,
          faults,
          prometheus: opts.prometheus ? 'auto' : 'off',
          say: (l) => io.stderr.write(`${l}\n`),
        });
      } catch (e) {
        io.stderr.write(
          `maestro soak: failed: ${isMaestroError(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`,
        );
        exit.code = EXIT_FAILURE;
        return;
      }
      if (opts.json) writeFileSync(resolve(io.cwd, opts.json), `${JSON.stringify(report, null, 2)}\n`);
      io.stdout.write(formatReport(report));
      exit.code = report.ok ? EXIT_OK : EXIT_FAILURE;
    });
}

export function formatReport(r: SoakReport): string {
  const w = r.withFaults;
  const lines = [
    `soak: ${r.durationS}s virtual, seed ${r.seed}, faults ${r.faults.join(',') || 'none'}`,
    `  metrics: ${w.metrics.description}${
      w.metrics.source === 'prometheus'
        ? `; Prometheus kills ${w.metrics.prometheusKills}, restarts ${w.metrics.prometheusRestarts}, scrape waits timed out ${w.metrics.scrapeWaitsTimedOut}`
        : ''
    }`,
    `  fault events: ${
      Object.entries(w.faultEvents)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ') || 'none'
    }`,
    `  agent commits ${w.agentCommits}, human commits ${w.humanCommitsPushed}, lease commits ${w.leaseCommits}, kills ${w.kills}, restarts ${w.restarts}, leader changes ${w.leaderChanges}, fence refusals ${w.fenceRefusals}`,
    `  agent SIGKILLs by point: ${
      Object.entries(w.killsByPoint)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ') || 'none'
    }${w.killsPending > 0 ? ` (${w.killsPending} armed, not reached before the end)` : ''}`,
    ...Object.entries(r.counts).map(
      ([k, n]) =>
        `  ${k.padEnd(30)} ${n}${n > 0 ? `  <- ${(w.details[k] ?? []).slice(0, 3).join('; ')}` : ''}`,
    ),
    `  SLO violation minutes: ${r.slo.violationMinutes} with faults, ${r.slo.faultFreeViolationMinutes} fault-free (delta ${r.slo.delta})`,
    `  ${r.ok ? 'OK: every count is 0' : 'FAILED: some counts are not 0'} (wall ${Math.max(w.wallSeconds, r.faultFree.wallSeconds)}s, both runs side by side)`,
  ];
  return `${lines.join('\n')}\n`;
}
