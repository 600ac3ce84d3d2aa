import { isBtError } from '@bt/core';
import { isStateRefusal } from '../run/state/refusal.js';

/** Exit codes of `bt`. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The run failed. */
  FAILED: 1,
  /** Bad usage or a bad config. */
  USAGE: 2,
  /**
   * Refused to trade because of the bot's state: another instance holds its lock, or its
   * positions disagree with the venue's (fail-closed). Nothing was sent.
   */
  REFUSED: 3,
  /** A backtest stopped by Ctrl-C (partial results written): 128 + SIGINT. */
  INTERRUPTED: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A config problem is bad usage (2), a refusal because of the bot's state 3; anything else is a failed run (1). */
export function exitCodeFor(error: unknown): ExitCode {
  if (isStateRefusal(error)) return ExitCode.REFUSED;
  return isBtError(error, 'CONFIG') ? ExitCode.USAGE : ExitCode.FAILED;
}

/** Prints `bt: <message>` on stderr, with `hide` applied (secrets). */
export function printError(error: unknown, hide: (text: string) => string = (t) => t): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bt: ${hide(message)}\n`);
}
