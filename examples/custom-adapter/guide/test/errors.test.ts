import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/errors.js';
import { VenueError } from '../src/venue.js';

// The venue's quirks, next to the suite: which of its failures may be tried again.
describe('classify', () => {
  it.each([
    [new VenueError(429, 'RATE_LIMITED', 'slow down'), 'RATE_LIMIT', true],
    [new VenueError(503, 'UNAVAILABLE', 'maintenance'), 'NETWORK', true],
    [new TypeError('fetch failed'), 'NETWORK', true],
    [new VenueError(401, 'BAD_KEY', 'invalid key'), 'AUTHENTICATION', false],
    [new VenueError(400, 'INSUFFICIENT_BALANCE', 'USDT: 30000 needed'), 'INSUFFICIENT_FUNDS', false],
    [new VenueError(404, 'UNKNOWN_ORDER', 'no order'), 'ORDER_NOT_FOUND', false],
    [new VenueError(400, 'SOMETHING_NEW', 'what?'), 'EXCHANGE', false],
  ])('%s is %s, retryable: %s', (thrown, code, retryable) => {
    const error = classify(thrown, 'placeOrder');
    expect(isBtError(error, code as never)).toBe(true);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toMatch(/^placeOrder: /);
  });
});
