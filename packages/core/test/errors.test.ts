import { describe, expect, it, vi } from 'vitest';
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

describe('BtError across copies of @bt/core', () => {
  // A second instance of the module, as an application gets when it loads both the ESM and the
  // CommonJS build, or two installed versions: its BtError is another class.
  async function otherCopy(): Promise<typeof import('../src/errors.js')> {
    vi.resetModules();
    return import('../src/errors.js');
  }

  it('recognises an error made by another copy, by its brand', async () => {
    const other = await otherCopy();
    expect(other.BtError).not.toBe(BtError);
    const foreign = new other.BtError('RATE_LIMIT', 'slow down', { details: { retryAfterMs: 50 } });
    expect(Object.getPrototypeOf(foreign)).not.toBe(BtError.prototype);
    expect(isBtError(foreign)).toBe(true);
    expect(isBtError(foreign, 'RATE_LIMIT')).toBe(true);
    expect(isBtError(foreign, 'NETWORK')).toBe(false);
    expect(foreign instanceof BtError).toBe(true);
    expect(other.isBtError(new BtError('DATA', 'bad row'))).toBe(true);
    expect(toBtError(foreign)).toBe(foreign);
  });

  it('rejects look-alikes without the brand', () => {
    const lookAlike = Object.assign(new Error('not ours'), { name: 'BtError', code: 'NETWORK', retryable: true });
    expect(isBtError(lookAlike)).toBe(false);
    expect(lookAlike instanceof BtError).toBe(false);
    expect(isBtError({ code: 'NETWORK' })).toBe(false);
    expect(isBtError(null)).toBe(false);
    expect(isBtError('NETWORK')).toBe(false);
    expect(toBtError(lookAlike)).not.toBe(lookAlike);
    expect(toBtError(lookAlike)).toMatchObject({ code: 'INTERNAL', message: 'not ours', cause: lookAlike });
  });

  it('keeps the prototype-chain test for subclasses', () => {
    class VenueError extends BtError {}
    const venue = new VenueError('EXCHANGE', 'maintenance');
    expect(venue instanceof VenueError).toBe(true);
    expect(venue instanceof BtError).toBe(true);
    expect(new BtError('EXCHANGE', 'maintenance') instanceof VenueError).toBe(false);
  });
});
