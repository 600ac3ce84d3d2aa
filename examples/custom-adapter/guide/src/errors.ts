import type { BtErrorCode } from '@bt/core';
import { BtError, isBtError } from '@bt/core';
import { VenueError } from './venue.js';

/** The venue's error codes, in core's terms. A code not listed is `EXCHANGE`. */
const CODES: Readonly<Record<string, BtErrorCode>> = {
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_FUNDS',
  INVALID_QTY: 'INVALID_ORDER',
  INVALID_PRICE: 'INVALID_ORDER',
  UNKNOWN_MARKET: 'INVALID_ORDER',
  DUPLICATE_CLIENT_ID: 'INVALID_ORDER',
  UNKNOWN_ORDER: 'ORDER_NOT_FOUND',
};

/**
 * Turns whatever a venue call threw into core's one error type. No answer, a 5xx and a rate limit
 * are retryable (core's default for `NETWORK` and `RATE_LIMIT`); what the venue refused is not.
 * `details.venueCode` keeps the venue's own code.
 *
 * @example
 * ```ts
 * classify(new VenueError(429, 'RATE_LIMITED', 'slow down'), 'placeOrder'); // BtError RATE_LIMIT, retryable
 * ```
 */
export function classify(error: unknown, call: string): BtError {
  if (isBtError(error)) return error;
  if (!(error instanceof VenueError)) {
    // fetch throws a TypeError when the connection fails: the call may not have reached the venue.
    return new BtError('NETWORK', `${call}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const code: BtErrorCode =
    error.status === 0 || error.status >= 500
      ? 'NETWORK'
      : error.status === 429
        ? 'RATE_LIMIT'
        : error.status === 401 || error.status === 403
          ? 'AUTHENTICATION'
          : (CODES[error.code] ?? 'EXCHANGE');
  return new BtError(code, `${call}: ${error.message}`, {
    cause: error,
    details: { call, status: error.status, venueCode: error.code },
  });
}

/**
 * Runs one venue call; whatever it throws comes out as a BtError (see {@link classify}).
 *
 * @example
 * ```ts
 * const markets = await venueCall('markets', () => venue.markets());
 * ```
 */
export async function venueCall<T>(name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classify(error, name);
  }
}
