/** Process exit codes of the `maestro` command. */
export const EXIT_OK = 0;
/** the command ran and failed (network down, push failed after retries, ...) */
export const EXIT_FAILURE = 1;
/** bad input: config, arguments, files; fix the input and run again */
export const EXIT_INVALID = 2;
