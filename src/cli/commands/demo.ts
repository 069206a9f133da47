import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MaestroError } from '../../core/errors';
import { createRedactor } from '../../core/redact';
import { createLogger } from '../../server/logger';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK } from '../exit-codes';
import { startDemo } from '../wiring/demo-stack';
import { DemoSummaryCollector } from '../wiring/demo-summary';
import { parseDuration } from '../wiring/parse-duration';
import { yamlTargetManifests } from '../wiring/target-manifests';

/**
 * `maestro demo` (what `npm start` runs): the whole stack on this machine — embedded git server,
 * simulator, Prometheus when installed, the agent and its dashboard. Prints the dashboard URL with a
 * token made for this run. `--headless --duration D --summary FILE` runs unattended for D of wall
 * time and writes a JSON summary.
 */
interface DemoFlags {
  speed: string;
  seed: string;
  scenario: string;
  port: string;
  prometheus: boolean;
  headless?: boolean;
  duration?: string;
  summary?: string;
  user: string;
  logLevel: string;
}

export function registerDemo(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('demo')
    .description(
      'embedded demo: git server, simulator, Prometheus (if installed), agent and dashboard (what `npm start` runs)',
    )
    .option('--speed <x>', 'simulated seconds per wall second (1 = real time)', '1')
    .option('--seed <s>', 'simulator seed', '1')
    .option('--scenario <name>', 'simulator scenario', 'demo')
    .option('--port <n>', 'dashboard/API port (0 = any free port)', '0')
    .option('--no-prometheus', 'read the simulator directly even when a prometheus binary is installed')
    .option('--headless', 'no dashboard user: run for --duration and write --summary')
    .option('--duration <d>', 'how long to run (wall time), e.g. 90s, 10m, 1h')
    .option('--summary <file>', 'write a JSON summary here when the run ends')
    .option(
      '--user <name>',
      'the person the dashboard token belongs to (author of overrides)',
      io.env.USER || 'operator',
    )
    .option('--log-level <level>', 'pino log level', 'warn')
    .action(async (flags: DemoFlags) => {
      const speed = Number(flags.speed);
      const port = Number(flags.port);
      const durationMs =
        flags.duration !== undefined ? parseDuration(flags.duration, '--duration') : undefined;
      if (!Number.isFinite(speed) || speed <= 0)
        throw new MaestroError('INPUT_INVALID', '--speed must be a positive number');
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new MaestroError('INPUT_INVALID', '--port must be 0..65535');
      if (flags.headless && durationMs === undefined) {
        io.stderr.write('maestro demo: --headless needs --duration (e.g. --duration 10m)\n');
        exit.code = EXIT_INVALID;
        return;
      }
      const say = (line: string) => io.stdout.write(`${line}\n`);
      const logger = createLogger(createRedactor([]), { level: flags.logLevel });
      const stack = await startDemo({
        speed,
        seed: /^\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed,
        scenario: flags.scenario,
        prometheus: flags.prometheus ? 'auto' : 'off',
        logger,
        operator: flags.user,
        manifests: yamlTargetManifests(),
        port,
        say,
      });
      const collector = flags.summary ? new DemoSummaryCollector(stack) : undefined;
      say(`Dashboard: ${stack.dashboardUrl}`);
      say(`(a one-time login link: it opens one operator session; overrides are committed as ${flags.user})`);
      let onSignal: (sig: string) => void = () => undefined;
      let timer: NodeJS.Timeout | undefined;
      const stopped = new Promise<string>((resolveStop) => {
        onSignal = (sig: string) => resolveStop(sig);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (durationMs !== undefined) timer = setTimeout(() => resolveStop('duration'), durationMs);
      });
      const why = await stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
      say(`Stopping (${why})…`);
      let code = EXIT_OK;
      if (collector) {
        const summary = await collector.finish();
        const file = resolve(io.cwd, flags.summary!);
        writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
        say(
          `Summary: ${file} (${summary.decisions.total} decisions, ${summary.commits.byAgent} agent commits, ` +
            `${summary.commits.history.length} commits in ${stack.repoPath})`,
        );
        if (summary.decisions.total === 0) code = EXIT_FAILURE;
      }
      await stack.stop();
      say(`Config repo kept at ${stack.repoPath}`);
      exit.code = code;
    });
}
