import { describe, expect, it } from 'vitest';
import { BtError, isBtError, notSupported, toBtError } from '../src/errors.js';

describe('BtError', () => {
  it('carries a code, a retryable flag defaulting by code, details and cause', () => {
    const cause = new Error('socket hang up');
    const network = new BtError('NETWORK', 'lost the venue', { cause, details: { symbol: 'X' } });
    expect(network.retryable).toBe(true);
    expect(network.cause).toBe(cause);
    expect(network.details).toEqual({ symbol: 'X' });
    expect(new BtError('INVALID_ORDER', 'no').retryable).toBe(false);
    expect(new BtError('EXCHANGE', 'maintenance', { retryable: true }).retryable).toBe(true);
    expect(isBtError(network, 'NETWORK')).toBe(true);
    expect(isBtError(network, 'DATA')).toBe(false);
  });

  it('wraps foreign errors and names unsupported adapter methods', () => {
    expect(toBtError(new TypeError('x'), 'STRATEGY')).toMatchObject({ code: 'STRATEGY', message: 'x' });
    expect(toBtError('plain')).toMatchObject({ code: 'INTERNAL', message: 'plain' });
    expect(notSupported('sim', 'fetchOrder').message).toBe('fetchOrder is not supported by the sim adapter');
  });
});
