import { Command, CommanderError } from 'commander';
import { isMaestroError } from '../core/errors';
import type { CommandIo, ExitCodeHolder } from './command-context';
import { registerHpaRecommend } from './commands/hpa-recommend';
import { registerSim } from './commands/sim';
import { registerValidate } from './commands/validate';
import { registerTrain } from './commands/train';
import { registerEval } from './commands/eval';
import { registerEvalCanary } from './commands/eval-canary';
import { registerRun } from './commands/run';
import { registerDemo } from './commands/demo';
import { registerOverride } from './commands/override';
import { registerSoak } from './commands/soak';
import { EXIT_FAILURE, EXIT_INVALID } from './exit-codes';

/**
 * Builds the whole CLI. Each command lives in src/cli/commands/<name>.ts; this file only lists
 * them. The CLI is the one place adapters are constructed (shared/ARCHITECTURE.md).
 */
export function buildProgram(io: CommandIo, exit: ExitCodeHolder): Command {
  const program = new Command('maestro')
    .description(
      'GitOps decision agent for Kubernetes: autoscaling and canary decisions, applied through git only',
    )
    .version(readVersion(), '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run `maestro --help` for usage)');

  registerValidate(program, io, exit);

  registerRun(program, io, exit);
  registerDemo(program, io, exit);
  registerOverride(program, io, exit);
  registerSim(program, io, exit);
  registerHpaRecommend(program, io, exit);
  registerTrain(program, io, exit);
  registerEval(program, io, exit);
  registerEvalCanary(program, io, exit);
  registerSoak(program, io, exit);
  return program;
}

function readVersion(): string {
  try {
    // package.json sits two levels above src/cli (and dist/src/cli after the build)
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    // running from src/ under ts-jest: one level less
    return (require('../../package.json') as { version: string }).version;
  }
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const exit: ExitCodeHolder = { code: 0 };
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exitCode 0
      return e.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    if (isMaestroError(e)) {
      io.stderr.write(`maestro: ${e.message}\n`);
      return e.terminal ? EXIT_INVALID : EXIT_FAILURE;
    }
    io.stderr.write(`maestro: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  }
}

function processIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
