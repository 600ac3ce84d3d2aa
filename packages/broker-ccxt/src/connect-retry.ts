import type { Clock, Logger } from '@bt/core';
import type { RandomSource, RetryOptions } from './retry.js';
import { retrying } from './retry.js';

/** What {@link connectWithRetry} needs. */
export interface ConnectRetryContext {
  /** Backoff between whole connection attempts. */
  readonly options: RetryOptions;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly log: Logger;
  /** Aborts the waiting (the broker is closing). */
  readonly signal: AbortSignal;
}

/**
 * Runs `open` (one whole connection attempt: a fresh ccxt instance, its markets, the start-up
 * reads, each call already retried) again after a retryable failure (network, 429, 5xx), with
 * bounded backoff on the injected clock, so a rate-limit burst or a short outage at start is
 * waited out. Each attempt makes a new ccxt instance: a failed ccxt `loadMarkets` is sticky on
 * the instance that tried it. A failure that is not retryable (keys, symbols) ends it at once.
 */
export function connectWithRetry(context: ConnectRetryContext, open: (attempt: number) => Promise<void>): Promise<void> {
  return retrying(
    {
      options: context.options,
      clock: context.clock,
      random: context.random,
      signal: context.signal,
      onRetry: (error, retry, delayMs) =>
        context.log.warn('connect failed; trying again', { retry, delayMs, code: error.code, error: error.message }),
    },
    open,
  );
}
