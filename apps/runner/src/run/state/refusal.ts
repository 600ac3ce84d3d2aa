import { BtError, isBtError } from '@bt/core';

/**
 * A refusal to trade because of the bot's state: another instance holds its lock, or its
 * positions disagree with the venue's. A `STATE` {@link BtError} with `details.refused` set, which
 * `bt run` exits with its own code (3); not retryable.
 */
export function stateRefusal(message: string, details: Readonly<Record<string, unknown>>, cause?: unknown): BtError {
  return new BtError('STATE', message, { details: { ...details, refused: true }, ...(cause === undefined ? {} : { cause }) });
}

/** True for an error made by {@link stateRefusal}. */
export function isStateRefusal(error: unknown): error is BtError {
  return isBtError(error, 'STATE') && error.details.refused === true;
}
