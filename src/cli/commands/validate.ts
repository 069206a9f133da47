import type { Command } from 'commander';
import { parseConfigText } from '../../config/load-config';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_INVALID, EXIT_OK } from '../exit-codes';
import { readFileSync } from 'node:fs';

export function registerValidate(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('validate')
    .description(
      'check an agent config file; prints every problem as `path: message` and exits 2 when invalid',
    )
    .requiredOption('-c, --config <file>', 'agent config file (YAML or JSON)')
    .action((opts: { config: string }) => {
      let text: string;
      try {
        text = readFileSync(opts.config, 'utf8');
      } catch (e) {
        io.stderr.write(`${opts.config}: cannot read: ${(e as Error).message}\n`);
        exit.code = EXIT_INVALID;
        return;
      }
      const r = parseConfigText(text, opts.config);
      if (r.ok) {
        io.stdout.write(`${opts.config}: valid (${r.config.targets.length} target(s))\n`);
        exit.code = EXIT_OK;
        return;
      }
      for (const p of r.problems) io.stderr.write(`${p.path}: ${p.message}\n`);
      io.stderr.write(`${opts.config}: ${r.problems.length} problem(s); fix them and run again\n`);
      exit.code = EXIT_INVALID;
    });
}
