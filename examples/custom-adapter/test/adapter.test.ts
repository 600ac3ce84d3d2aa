import type { BrokerEvent } from '@bt/core';
import { BtError, isBtError } from '@bt/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { venueError } from '../src/index.js';
import type { Venue } from './venue.js';
import { MINUTE, START, startVenue, SYMBOL, writeBars } from './venue.js';

// What the conformance suite does not reach: how failures are classified, re-sending after a lost
// reply, closed bars, and the poll loop on the injected clock.
const bars = await writeBars();
afterAll(() => bars.remove());

let venue: Venue | undefined;
afterEach(async () => {
  await venue?.dispose();
  venue = undefined;
});

async function connected(options: Parameters<typeof startVenue>[1] = {}): Promise<Venue> {
  venue = await startVenue(bars.file, options);
  await venue.broker.connect();
  return venue;
}

async function failure(promise: Promise<unknown>): Promise<BtError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BtError)) throw new Error(`expected a BtError, got ${String(error)}`);
  return error;
}

describe('venueError', () => {
  const where = { method: 'POST', path: '/api/v3/order' };
  const reply = (code: number, msg: string) => JSON.stringify({ code, msg });

  it.each([
    [400, reply(-2010, 'Account has insufficient balance for requested action.'), 'INSUFFICIENT_FUNDS', false],
    [400, reply(-2010, 'Duplicate order sent.'), 'INVALID_ORDER', false],
    [400, reply(-1013, 'Filter failure: LOT_SIZE'), 'INVALID_ORDER', false],
    [400, reply(-1100, "Illegal characters found in parameter 'quantity'"), 'INVALID_ORDER', false],
    [400, reply(-2013, 'Order does not exist.'), 'ORDER_NOT_FOUND', false],
    [400, reply(-2011, 'Unknown order sent.'), 'ORDER_NOT_FOUND', false],
    [401, reply(-2015, 'Invalid API-key, IP, or permissions for action.'), 'AUTHENTICATION', false],
    [400, reply(-1022, 'Signature for this request is not valid.'), 'AUTHENTICATION', false],
    [400, reply(-1021, 'Timestamp for this request is outside of the recvWindow.'), 'NETWORK', true],
    [429, reply(-1003, 'Too much request weight used'), 'RATE_LIMIT', true],
    [418, reply(-1003, 'Way too much request weight used; IP banned'), 'RATE_LIMIT', true],
    [503, '503 Service Unavailable', 'NETWORK', true],
    [400, reply(-9999, 'Something new'), 'EXCHANGE', false],
    [400, 'not json', 'EXCHANGE', false],
  ] as const)('HTTP %i %s is %s (retryable: %s)', (status, body, code, retryable) => {
    const error = venueError(status, body, where);
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code, retryable });
    expect(error.message).toContain('POST /api/v3/order');
  });
});

describe('failures against the emulator', () => {
  it('turns a 5xx into a retryable NETWORK error, and a 429 into a retryable RATE_LIMIT with Retry-After', async () => {
    const { emulator, broker } = await connected();
    emulator.control.setFaults({ serverError: { count: 1, path: '/api/v3/ticker/price' } });
    expect(await failure(broker.getLatestPrice(SYMBOL))).toMatchObject({ code: 'NETWORK', retryable: true, details: { status: 503 } });
    emulator.control.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 7 } });
    expect(await failure(broker.getBalances())).toMatchObject({
      code: 'RATE_LIMIT',
      retryable: true,
      details: { status: 429, venueCode: -1003, retryAfterSeconds: 7 },
    });
    await expect(broker.getLatestPrice(SYMBOL)).resolves.toBeGreaterThan(0);
  });

  it('refuses a wrong secret as AUTHENTICATION, not retryable', async () => {
    const { broker } = await connected({ secret: 'wrong' });
    expect(await failure(broker.getBalances())).toMatchObject({ code: 'AUTHENTICATION', retryable: false, details: { venueCode: -1022 } });
  });

  it('re-sending an order whose reply was lost returns the order the venue has, and it fills once', async () => {
    const v = await connected();
    const events: BrokerEvent[] = [];
    v.broker.subscribe((e) => events.push(e));
    v.emulator.control.setFaults({ timeout: { count: 1, mode: 'drop', method: 'POST', path: '/api/v3/order' } });
    const request = { symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.001, clientOrderId: 'resend-1' } as const;
    const lost = await failure(v.broker.submitOrder(request));
    expect(lost).toMatchObject({ code: 'NETWORK', retryable: true });
    const ack = await v.broker.submitOrder(request);
    expect(ack).toMatchObject({ accepted: true, clientOrderId: 'resend-1' });
    expect(v.emulator.orders().map((o) => o.clientOrderId)).toEqual(['resend-1']);
    await v.advance();
    await v.advance();
    const fills = events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
    expect(fills.map((f) => [f.orderId, f.clientOrderId, f.amount])).toEqual([[ack.orderId, 'resend-1', 0.001]]);
  });

  it('answers a cancel of an order that already filled with the order as it ended', async () => {
    const v = await connected();
    const ack = await v.broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.001 });
    await v.advance();
    const order = await v.broker.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId as string });
    expect(order).toMatchObject({ id: ack.orderId, status: 'filled', filled: 0.001 });
  });

  it('throws STATE before connect(), and rejects a stop order in the ack', async () => {
    venue = await startVenue(bars.file);
    expect(isBtError(await failure(venue.broker.getMarkets()), 'STATE')).toBe(true);
    await venue.broker.connect();
    const ack = await venue.broker.submitOrder({ symbol: SYMBOL, side: 'sell', type: 'stop', amount: 0.001, stopPrice: 40_000 });
    expect(ack).toMatchObject({ accepted: false, status: 'rejected', reason: expect.stringContaining('"stop" is not supported') });
  });
});

describe('bars', () => {
  it('drops the forming kline, and gives the closed ones core close times', async () => {
    const { broker, emulator } = await connected();
    const raw = (await (await fetch(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=1m&limit=3`)).json()) as [number][];
    expect(raw.map((row) => row[0])).toEqual([START - 30_000 - 2 * MINUTE, START - 30_000 - MINUTE, START - 30_000]);
    const series = await broker.getBars(SYMBOL, '1m', 2);
    expect(series.toArray().map((b) => [b.openTime, b.closeTime])).toEqual([
      [START - 30_000 - 2 * MINUTE, START - 30_000 - MINUTE],
      [START - 30_000 - MINUTE, START - 30_000],
    ]);
  });
});

describe('the poll loop', () => {
  it('polls every pollIntervalMs of the injected clock, with no poll() call', async () => {
    const v = await connected({ pollIntervalMs: MINUTE });
    const events: BrokerEvent[] = [];
    v.broker.subscribe((e) => events.push(e));
    const ack = await v.broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.001 });
    await v.clock.advance(MINUTE); // the bar closes, the order fills, and the loop's sleep ends
    await v.broker.close(); // waits for the loop's poll to finish
    expect(events.map((e) => (e.type === 'fill' ? ['fill', e.fill.orderId] : ['order', e.order.status]))).toEqual([
      ['fill', ack.orderId],
      ['order', 'filled'],
    ]);
  });
});
