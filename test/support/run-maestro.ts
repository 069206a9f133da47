import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main';

export interface MaestroRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `maestro <args>` in-process through the real CLI (commander, zod, the commands) with captured
 * output: what a user would see, without a child process.
 */
export async function runMaestro(
  args: readonly string[],
  o: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly stdin?: string } = {},
): Promise<MaestroRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(['node', 'maestro', ...args], {
    stdout,
    stderr,
    stdin: o.stdin === undefined ? new PassThrough() : Readable.from([o.stdin]),
    env: o.env ?? {},
    cwd: o.cwd ?? process.cwd(),
  });
  return { code, stdout: out, stderr: err };
}
