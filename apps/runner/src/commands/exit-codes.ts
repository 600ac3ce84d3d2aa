import { isBtError } from '@bt/core';

/** Exit codes of `bt`. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The run failed. */
  FAILED: 1,
  /** Bad usage or a bad config. */
  USAGE: 2,
  /** A backtest stopped by Ctrl-C (partial results written): 128 + SIGINT. */
  INTERRUPTED: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A config problem is bad usage (2); anything else is a failed run (1). */
export function exitCodeFor(error: unknown): ExitCode {
  return isBtError(error, 'CONFIG') ? ExitCode.USAGE : ExitCode.FAILED;
}

/** Prints `bt: <message>` on stderr, with `hide` applied (secrets). */
export function printError(error: unknown, hide: (text: string) => string = (t) => t): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bt: ${hide(message)}\n`);
}
