import type { Writable } from 'node:stream';

/** What a command needs from the process, injected so commands run in-process in tests. */
export interface CommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** A command reports its exit code through this holder (commander actions return nothing useful). */
export interface ExitCodeHolder {
  code: number;
}
