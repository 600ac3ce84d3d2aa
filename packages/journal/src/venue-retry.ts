import { BtError, type Clock, isBtError, type Logger } from '@bt/core';

/** How venue calls are retried: up to `attempts` tries, waiting `initialMs`, doubling to `maxMs`. */
export interface RetryPolicy {
  /** Tries in all, at least 1. Default 8. */
  readonly attempts?: number;
  /** Wait before the second try (ms). Default 500. */
  readonly initialMs?: number;
  /** Longest wait between tries (ms). Default 8000. */
  readonly maxMs?: number;
}

/** True for a failure that trying again may cure: a network error, a 429 or a 5xx (BtError `retryable`, `NETWORK`, `RATE_LIMIT`). */
export function isTransient(error: unknown): boolean {
  return isBtError(error) && (error.retryable || error.code === 'NETWORK' || error.code === 'RATE_LIMIT');
}

/**
 * Calls `call` until it succeeds, retrying transient failures ({@link isTransient}) with
 * bounded exponential backoff on `clock`. A failure that is not transient, or the last try's,
 * is thrown as a {@link BtError} (same code) whose message says what was being done and how
 * often it was tried.
 */
export async function withVenueRetry<T>(
  what: string,
  call: () => Promise<T>,
  clock: Clock,
  logger: Logger,
  policy: RetryPolicy = {},
): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 8);
  const maxMs = policy.maxMs ?? 8000;
  let waitMs = policy.initialMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = isBtError(error) ? error.code : 'INTERNAL';
      if (!isTransient(error)) {
        throw new BtError(code, `recovery stopped: ${what} failed: ${message}`, {
          retryable: false,
          cause: error,
          details: { what, attempt },
        });
      }
      if (attempt >= attempts) {
        throw new BtError(code, `recovery stopped: ${what} still failing after ${attempts} tries: ${message}`, {
          retryable: true,
          cause: error,
          details: { what, attempts },
        });
      }
      logger.warn(`recovery: ${what} failed (${message}); trying again in ${waitMs} ms`, { what, attempt, code });
      await clock.sleep(waitMs);
      waitMs = Math.min(maxMs, waitMs * 2);
    }
  }
}
