import type { Logger, LogRecord, Market } from '@bt/core';
import { BtError, createMemoryLogger, ManualClock } from '@bt/core';
import * as ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { profileOf } from '../src/profiles.js';
import { closedBars } from '../src/bars.js';
import { toOrder } from '../src/mapping.js';
import { toMarket } from '../src/markets.js';
import { resolveOptions } from '../src/options.js';
import { parseRetryAfter, retrying } from '../src/retry.js';
import { snapToStep } from '../src/precision.js';
import { overrideUrls } from '../src/urls.js';
import {
  backoffDelay,
  CcxtBroker,
  ccxtErrorClass,
  classifyCcxtError,
  createCcxtBroker,
  credentialEnvName,
  precisionToStep,
  prepareOrder,
  REDACTED,
  RETRY_AFTER_LIMIT_MS,
  Redactor,
  redactingLogger,
  seededRandom,
} from '../src/index.js';

const context = { adapter: 'ccxt:binance', method: 'createOrder' };

describe('classifyCcxtError', () => {
  const cases: [new (message: string) => Error, string, boolean][] = [
    [ccxt.NetworkError, 'NETWORK', true],
    [ccxt.RequestTimeout, 'NETWORK', true],
    [ccxt.ExchangeNotAvailable, 'NETWORK', true],
    [ccxt.OnMaintenance, 'NETWORK', true],
    [ccxt.DDoSProtection, 'RATE_LIMIT', true],
    [ccxt.RateLimitExceeded, 'RATE_LIMIT', true],
    [ccxt.AuthenticationError, 'AUTHENTICATION', false],
    [ccxt.PermissionDenied, 'AUTHENTICATION', false],
    [ccxt.AccountSuspended, 'AUTHENTICATION', false],
    [ccxt.InsufficientFunds, 'INSUFFICIENT_FUNDS', false],
    [ccxt.InvalidOrder, 'INVALID_ORDER', false],
    [ccxt.DuplicateOrderId, 'INVALID_ORDER', false],
    [ccxt.OrderNotFound, 'ORDER_NOT_FOUND', false],
    [ccxt.BadSymbol, 'INVALID_ORDER', false],
    [ccxt.NotSupported, 'NOT_SUPPORTED', false],
    [ccxt.ExchangeError, 'EXCHANGE', false],
  ];

  it.each(cases)('maps ccxt %o to its code and retryability', (ErrorClass, code, retryable) => {
    const error = classifyCcxtError(new ErrorClass('binance says no'), context);
    expect(error).toBeInstanceOf(BtError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.details.ccxtError).toBe(ErrorClass.name);
    expect(error.message).toBe('ccxt:binance createOrder: binance says no');
  });

  it('flags only the failures after which a write may have executed', () => {
    expect(classifyCcxtError(new ccxt.RequestTimeout('t'), context).details.outcomeUnknown).toBe(true);
    expect(classifyCcxtError(new ccxt.ExchangeNotAvailable('503'), context).details.outcomeUnknown).toBe(true);
    expect(classifyCcxtError(new ccxt.RateLimitExceeded('429'), context).details.outcomeUnknown).toBe(false);
    expect(classifyCcxtError(new ccxt.InvalidOrder('no'), context).details.outcomeUnknown).toBe(false);
  });

  it('reads the class from the prototype chain, so a subclass ccxt adds later maps like its parent', () => {
    class FutureTimeout extends ccxt.RequestTimeout {}
    expect(ccxtErrorClass(new FutureTimeout('x'))).toBe('RequestTimeout');
    expect(classifyCcxtError(new FutureTimeout('x'), context).code).toBe('NETWORK');
  });

  it('keeps BtErrors and maps anything else to INTERNAL', () => {
    const own = new BtError('CONFIG', 'bad');
    expect(classifyCcxtError(own, context)).toBe(own);
    expect(ccxtErrorClass(new TypeError('x'))).toBeUndefined();
    expect(classifyCcxtError(new TypeError('boom'), context)).toMatchObject({ code: 'INTERNAL', retryable: false });
  });

  it('redacts credentials from the message, the kept cause and the details', () => {
    const redactor = new Redactor(['my-api-key-123', 'my-secret-xyz']);
    const error = classifyCcxtError(
      new ccxt.AuthenticationError('binance {"msg":"key my-api-key-123 / my-secret-xyz rejected"}'),
      { ...context, details: { note: 'sent my-api-key-123' } },
      redactor,
    );
    const everything = JSON.stringify({ message: error.message, cause: String(error.cause), details: error.details });
    expect(everything).not.toMatch(/my-api-key-123|my-secret-xyz/);
    expect(error.message).toContain(REDACTED);
    expect(error.code).toBe('AUTHENTICATION');
  });
});

describe('backoff', () => {
  const options = { attempts: 6, baseMs: 100, maxMs: 1_000 };

  it('grows exponentially with equal jitter, capped at maxMs', () => {
    const random = seededRandom(3);
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(1_000, 100 * 2 ** (retry - 1));
      const delay = backoffDelay(options, retry, random);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('is reproducible with a seed and varies between seeds', () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return [1, 2, 3, 4].map((r) => backoffDelay(options, r, random));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it("never retries sooner than the venue's Retry-After", () => {
    expect(backoffDelay(options, 1, () => 0, 3_000)).toBe(3_000);
    expect(backoffDelay(options, 4, () => 1, 10)).toBe(800);
    expect(parseRetryAfter('3', 0)).toBe(3_000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });

  it('retries retryable errors on the injected clock, at most `attempts` times, then throws', async () => {
    const clock = new ManualClock(0);
    const delays: number[] = [];
    let calls = 0;
    const jitter = seededRandom(9);
    const running = retrying(
      { options: { attempts: 4, baseMs: 100, maxMs: 1_000 }, clock, random: jitter, onRetry: (_, __, ms) => delays.push(ms) },
      async () => {
        calls++;
        throw new BtError('NETWORK', 'down');
      },
    );
    running.catch(() => undefined);
    for (let i = 0; i < 20 && calls < 4; i++) await clock.advanceTo(clock.nextWakeAt() ?? clock.now());
    await expect(running).rejects.toMatchObject({ code: 'NETWORK' });
    expect(calls).toBe(4);
    const replay = seededRandom(9);
    expect(delays).toEqual([1, 2, 3].map((r) => backoffDelay({ attempts: 4, baseMs: 100, maxMs: 1_000 }, r, replay)));
    expect(clock.now()).toBe(delays.reduce((a, b) => a + b, 0));
  });

  it('gives up at once when the venue asks to wait longer than RETRY_AFTER_LIMIT_MS', async () => {
    let calls = 0;
    const clock = new ManualClock(0);
    await expect(
      retrying(
        { options: { attempts: 5, baseMs: 1, maxMs: 1 }, clock, random: Math.random, retryAfterMs: () => RETRY_AFTER_LIMIT_MS + 1 },
        async () => {
          calls++;
          throw new BtError('RATE_LIMIT', 'banned');
        },
      ),
    ).rejects.toMatchObject({ code: 'RATE_LIMIT' });
    expect(calls).toBe(1);
    expect(clock.now()).toBe(0);
  });

  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    const clock = new ManualClock(0);
    await expect(
      retrying({ options: { attempts: 5, baseMs: 1, maxMs: 1 }, clock, random: Math.random }, async () => {
        calls++;
        throw new BtError('INVALID_ORDER', 'no');
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ORDER' });
    expect(calls).toBe(1);
  });
});

describe('precision and limits, with ccxt’s own helpers', () => {
  const exchange = new ccxt.binance();
  exchange.setMarkets([
    {
      id: 'BTCUSDT',
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      baseId: 'BTC',
      quoteId: 'USDT',
      type: 'spot',
      spot: true,
      active: true,
      precision: { amount: 0.00001, price: 0.01 },
      limits: { amount: { min: 0.0001, max: 9000 }, cost: { min: 5 }, price: {} },
      info: {},
    },
  ]);
  const market: Market = toMarket(exchange.market('BTC/USDT'), exchange.precisionMode as number);

  it('reads steps and minimums from the ccxt market', () => {
    expect(market).toMatchObject({
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      amountStep: 0.00001,
      priceStep: 0.01,
      minAmount: 0.0001,
      minNotional: 5,
    });
    expect(precisionToStep(3, 2)).toBe(0.001); // DECIMAL_PLACES
    expect(precisionToStep(0.5, 4)).toBe(0.5); // TICK_SIZE
    expect(precisionToStep(5, 3)).toBeUndefined(); // SIGNIFICANT_DIGITS: no fixed step
  });

  it('truncates amounts and rounds prices to the market precision', () => {
    expect(
      prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.0123456789, price: 40000.126 }, undefined),
    ).toEqual({
      ok: true,
      amount: 0.01234,
      price: 40000.13,
    });
  });

  it('takes float noise just below a step as the step, so that a remainder leaves no dust', () => {
    const remainder = 0.3 - 0.1;
    expect(remainder).toBeLessThan(0.2);
    expect(prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: remainder }, 40000)).toEqual({
      ok: true,
      amount: 0.2,
    });
    // A real shortfall is still truncated.
    expect(prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 0.399999 }, 40000)).toEqual({
      ok: true,
      amount: 0.39999,
    });
    expect(snapToStep(0.123456, 0.00001)).toBe(0.123456);
    expect(snapToStep(0.30000000000000004, undefined)).toBe(0.30000000000000004);
    for (let i = 1; i <= 1000; i++) {
      const a = i / 1000;
      const b = a - (a - 0.1);
      expect(snapToStep(b, 0.00001)).toBeCloseTo(0.1, 12);
      expect(snapToStep(a * 3 - a * 2, 0.001)).toBe(a);
    }
  });

  it('rejects, in words, what the limits forbid before anything is sent', () => {
    const tooSmall = prepareOrder(
      exchange,
      market,
      { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.00005, price: 40000 },
      undefined,
    );
    expect(tooSmall).toMatchObject({ ok: false, reason: expect.stringMatching(/below the minimum amount 0.0001/) });
    const dust = prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.000001 }, 40000);
    expect(dust).toMatchObject({ ok: false, reason: expect.stringMatching(/minimum amount precision/) });
    const cheap = prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.0001 }, 40000);
    expect(cheap).toMatchObject({ ok: false, reason: expect.stringMatching(/notional 4 .* below the minimum notional 5/) });
    expect(prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.0001 }, undefined)).toMatchObject({
      ok: true,
    });
    expect(prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1 }, 1)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/needs a positive limit price/),
    });
    expect(prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: -1 }, 1)).toMatchObject({ ok: false });
  });
});

describe('bars', () => {
  const candle = (openTime: number, close: number): [number, number, number, number, number, number] => [
    openTime,
    close,
    close,
    close,
    close,
    1,
  ];

  it('drops the still-forming candle, by close time against the clock', () => {
    const now = 180_000 + 30_000; // 30 s into the candle opening at 180 s
    const bars = closedBars([candle(60_000, 1), candle(120_000, 2), candle(180_000, 3)], 'X/Y', '1m', 60_000, now);
    expect(bars.map((b) => b.close)).toEqual([1, 2]);
    expect(bars.at(-1)?.closeTime).toBe(180_000);
    expect(closedBars([candle(180_000, 3)], 'X/Y', '1m', 60_000, 240_000).map((b) => b.closeTime)).toEqual([240_000]);
  });

  it('sorts and deduplicates candles by open time, the later copy winning', () => {
    const bars = closedBars([candle(120_000, 2), candle(60_000, 1), candle(120_000, 2.5)], 'X/Y', '1m', 60_000, 1e9);
    expect(bars.map((b) => [b.openTime, b.close])).toEqual([
      [60_000, 1],
      [120_000, 2.5],
    ]);
  });
});

describe('orders from ccxt', () => {
  const base = { id: '7', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 10, timestamp: 5 } as const;
  it('maps statuses and fill progress', () => {
    const order = (extra: Record<string, unknown>) => toOrder({ ...base, ...extra } as never, undefined, 99);
    expect(order({ status: 'open', filled: 0 }).status).toBe('open');
    expect(order({ status: 'open', filled: 0.4, remaining: 0.6 })).toMatchObject({ status: 'partially-filled', remaining: 0.6 });
    expect(order({ status: 'closed', filled: 1, average: 10 })).toMatchObject({ status: 'filled', remaining: 0, averagePrice: 10 });
    expect(order({ status: 'canceled', filled: 0 }).status).toBe('canceled');
    expect(order({ status: 'expired', filled: 0 })).toMatchObject({ status: 'canceled', reason: 'expired' });
    expect(order({ status: 'rejected', filled: 0 }).status).toBe('rejected');
  });
  it('completes the order with what the adapter sent', () => {
    const intent = {
      clientOrderId: 'c',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      timeInForce: 'IOC',
      amount: 1,
      reduceOnly: true,
      tag: 'strat',
    } as const;
    expect(toOrder({ ...base, status: 'open', filled: 0 } as never, intent, 0)).toMatchObject({
      clientOrderId: 'c',
      tag: 'strat',
      reduceOnly: true,
      timeInForce: 'IOC',
    });
  });
});

describe('URL overrides', () => {
  it('points every REST and WebSocket endpoint of a real ccxt instance at the emulator, keeping paths', () => {
    const exchange = new ccxt.pro.binance();
    const api = exchange.urls.api as Record<string, unknown> & { ws: Record<string, unknown> };
    const changed = overrideUrls(api, { rest: 'http://127.0.0.1:9999', ws: 'ws://127.0.0.1:9998' });
    expect(changed).toBeGreaterThan(10);
    expect(api.public).toBe('http://127.0.0.1:9999/api/v3');
    expect(api.private).toBe('http://127.0.0.1:9999/api/v3');
    expect(api.ws.spot).toBe('ws://127.0.0.1:9998/ws');
    expect(JSON.stringify(api)).not.toMatch(/binance\.com/);
  });
});

describe('options', () => {
  it('reads credentials from the environment when not given, and options win', () => {
    expect(credentialEnvName('binance', 'API_KEY')).toBe('BINANCE_API_KEY');
    const env = { BINANCE_API_KEY: 'env-key', BINANCE_SECRET: 'env-secret' };
    expect(resolveOptions({ exchange: 'binance' }, env).credentials).toEqual({ apiKey: 'env-key', secret: 'env-secret' });
    expect(resolveOptions({ exchange: 'binance', apiKey: 'own' }, env).credentials.apiKey).toBe('own');
    expect(new CcxtBroker({ exchange: 'binance', env: {} }).canTrade).toBe(false);
    expect(createCcxtBroker({ exchange: 'binance', env }).canTrade).toBe(true);
  });

  it('names the bad field', () => {
    expect(() => new CcxtBroker({ exchange: 'Bin ance' })).toThrow(/exchange: expected a ccxt exchange id/);
    expect(() => new CcxtBroker({ exchange: 'binance', urls: { rest: 'http://127.0.0.1:1/api/v3' } })).toThrow(
      /urls.rest: expected an origin/,
    );
    expect(() => new CcxtBroker({ exchange: 'binance', urls: { ws: 'http://127.0.0.1:1' } })).toThrow(/urls.ws/);
    expect(() => new CcxtBroker({ exchange: 'binance', retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(() => new CcxtBroker({ exchange: 'binance', retry: { baseMs: 10, maxMs: 5 } })).toThrow(/retry.maxMs/);
    expect(() => new CcxtBroker({ exchange: 'binance', pollIntervalMs: -1 })).toThrow(/pollIntervalMs/);
  });

  it('fails loudly before connect and for an exchange ccxt does not know', async () => {
    const broker = new CcxtBroker({ exchange: 'binance', env: {} });
    await expect(broker.getMarkets()).rejects.toMatchObject({ code: 'STATE' });
    await expect(new CcxtBroker({ exchange: 'nosuchvenue', env: {} }).connect()).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('sends the client order id in the venue’s own parameter', () => {
    expect(profileOf('binance')).toMatchObject({ clientOrderIdParam: 'newClientOrderId', lookupParam: 'origClientOrderId' });
    expect(profileOf('kraken')).toMatchObject({ clientOrderIdParam: 'clientOrderId' });
  });
});

describe('redaction', () => {
  it('replaces every secret, also URL-encoded, in text and nested fields', () => {
    const redactor = new Redactor(['k3y/with+chars', 'short', undefined, 'abc']);
    expect(redactor.redact('a k3y/with+chars b k3y%2Fwith%2Bchars c short abc')).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED} abc`);
    expect(redactor.redactFields({ a: { b: ['short'] }, e: new Error('short') })).toEqual({
      a: { b: [REDACTED] },
      e: `Error: ${REDACTED}`,
    });
  });

  it('wraps a logger so no line carries a secret, children included', () => {
    const records: LogRecord[] = [];
    const logger: Logger = redactingLogger(createMemoryLogger(records), new Redactor(['topsecret']));
    logger.child({ key: 'topsecret' }).warn('failed with topsecret', { nested: { value: 'x topsecret y' } });
    expect(JSON.stringify(records)).not.toContain('topsecret');
    expect(records[0]).toMatchObject({ level: 'warn', message: `failed with ${REDACTED}` });
  });
});
