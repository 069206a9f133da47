import type { Command } from 'commander';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_FAILURE } from '../exit-codes';

/**
 * Action for a command whose issue has not landed yet: says so plainly and exits non-zero, so
 * `maestro --help` can list the whole CLI while no caller mistakes it for a working command.
 */
export function notYetImplemented(io: CommandIo, exit: ExitCodeHolder, issue: number) {
  return function (this: Command): void {
    io.stderr.write(`maestro ${this.name()}: not implemented yet (tracked in issue ${issue})\n`);
    exit.code = EXIT_FAILURE;
  };
}
