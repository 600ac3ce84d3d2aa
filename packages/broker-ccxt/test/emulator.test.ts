import { afterEach, describe, expect, it } from 'vitest';
import { CcxtBroker } from '../src/index.js';
import type { Venue } from './helpers.js';
import { API_KEY, closeOf, MINUTE, recordedBroker, SECRET, startProxy, startVenue, SYMBOL, T0 } from './helpers.js';

let venue: Venue | undefined;
let broker: CcxtBroker | undefined;

afterEach(async () => {
  await broker?.close();
  await venue?.close();
  broker = undefined;
  venue = undefined;
});

async function open(extra: Parameters<Venue['brokerOptions']>[0] = {}, startBar = 100) {
  venue = await startVenue({}, startBar);
  const recorded = recordedBroker(venue.brokerOptions(extra));
  broker = recorded.broker;
  await venue.drive(broker.connect());
  return { venue, ...recorded };
}

describe('CcxtBroker against the exchange emulator (real ccxt over HTTP)', () => {
  it('loads the markets once, with the venue’s precision and limits', async () => {
    const { broker } = await open();
    expect(await broker.getMarkets()).toEqual([
      expect.objectContaining({
        symbol: SYMBOL,
        base: 'BTC',
        quote: 'USDT',
        type: 'spot',
        amountStep: 0.00001,
        priceStep: 0.01,
        minNotional: 5,
        active: true,
      }),
    ]);
    await broker.connect();
    expect(broker.connected).toBe(true);
  });

  it('returns only closed bars, newest last, and a new bar only once it has closed', async () => {
    const { broker, venue } = await open();
    // The clock is 30 s into bar 100: bar 99 is the newest closed one.
    const bars = await broker.getBars(SYMBOL, '1m', 5);
    expect(bars.toArray().map((b) => b.closeTime)).toEqual([95, 96, 97, 98, 99].map(closeOf));
    expect(bars.close(-1)).toBe(venue.bars[99]?.close);
    expect(bars.at(0)).toMatchObject({ symbol: SYMBOL, timeframe: '1m', openTime: T0 + 95 * MINUTE, open: venue.bars[95]?.open });
    await venue.clock.advanceTo(closeOf(100) - 1);
    expect((await broker.getBars(SYMBOL, '1m', 5)).closeTime(-1)).toBe(closeOf(99));
    await venue.clock.advanceTo(closeOf(101) + 5_000);
    const later = await broker.getBars(SYMBOL, '1m', 3);
    expect(later.toArray().map((b) => [b.closeTime, b.close])).toEqual([99, 100, 101].map((i) => [closeOf(i), venue.bars[i]?.close]));
    expect(bars.length).toBe(5);
    await expect(broker.getBars('ETH/USDT', '1m', 5)).rejects.toMatchObject({ code: 'DATA' });
  });

  it('sends the client order id, emits each fill once, and its position matches the venue', async () => {
    const { broker, venue, fills, updates } = await open();
    const ack = await broker.submitOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'market',
      amount: 0.0123456,
      clientOrderId: 'bt-0-1',
      tag: 'strat',
    });
    expect(ack).toMatchObject({ accepted: true, clientOrderId: 'bt-0-1', status: 'open' });
    // Rounded to the venue's amount precision (truncated) before sending.
    expect(venue.emulator.orders()).toEqual([expect.objectContaining({ clientOrderId: 'bt-0-1', amount: 0.01234 })]);
    await venue.clock.advanceTo(closeOf(100));
    for (let i = 0; i < 3; i++) await broker.sync();
    expect(fills()).toEqual([
      expect.objectContaining({
        clientOrderId: 'bt-0-1',
        tag: 'strat',
        symbol: SYMBOL,
        side: 'buy',
        amount: 0.01234,
        price: venue.bars[100]?.open,
      }),
    ]);
    expect(fills().map((f) => [f.amount, f.price])).toEqual(venue.emulator.fills().map((f) => [f.amount, f.price]));
    expect(updates()).toEqual([expect.objectContaining({ clientOrderId: 'bt-0-1', status: 'filled', filled: 0.01234 })]);
    const [position] = await broker.getPositions(SYMBOL);
    expect(position).toMatchObject({ side: 'long', size: 0.01234, entryPrice: venue.bars[100]?.open });
    expect(position?.size).toBe(venue.emulator.positions()[0]?.size);
    const usdt = (await broker.getBalances()).find((b) => b.currency === 'USDT');
    expect(usdt?.total).toBeCloseTo(venue.emulator.balances().find((b) => b.currency === 'USDT')?.total ?? Number.NaN, 8);
  });

  it('rejects what the market’s limits forbid without sending it, and a venue refusal as an ack', async () => {
    const { broker, venue } = await open();
    const small = await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.0001, clientOrderId: 'tiny' });
    expect(small).toMatchObject({ accepted: false, status: 'rejected', reason: expect.stringMatching(/minimum notional 5/) });
    const dust = await broker.submitOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: 0.000001,
      price: 40_000,
      clientOrderId: 'dust',
    });
    expect(dust).toMatchObject({ accepted: false, reason: expect.stringMatching(/precision/) });
    expect(venue.emulator.orders()).toEqual([]);
    const poor = await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 10, price: 40_000, clientOrderId: 'poor' });
    expect(poor).toMatchObject({
      accepted: false,
      status: 'rejected',
      clientOrderId: 'poor',
      reason: expect.stringMatching(/insufficient balance/),
    });
    const stop = await broker.submitOrder({ symbol: SYMBOL, side: 'sell', type: 'stop', amount: 0.01, stopPrice: 30_000 });
    expect(stop).toMatchObject({ accepted: false, reason: expect.stringMatching(/not supported/) });
  });

  it('manages resting orders: open orders, fetch and cancel by client order id, unknown ids', async () => {
    const { broker, updates } = await open();
    const ack = await broker.submitOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: 0.001,
      price: 20_000,
      clientOrderId: 'rest-1',
    });
    expect(ack.accepted).toBe(true);
    expect(await broker.getOpenOrders()).toEqual([
      expect.objectContaining({ id: ack.orderId, clientOrderId: 'rest-1', type: 'limit', price: 20_000, status: 'open' }),
    ]);
    expect(await broker.fetchOrder({ symbol: SYMBOL, clientOrderId: 'rest-1' })).toMatchObject({ id: ack.orderId });
    expect(await broker.fetchOrder({ symbol: SYMBOL, clientOrderId: 'nope' })).toBeUndefined();
    expect(await broker.fetchOrder({ symbol: SYMBOL, orderId: '987654321' })).toBeUndefined();
    expect(await broker.cancelOrder({ symbol: SYMBOL, clientOrderId: 'rest-1' })).toMatchObject({ id: ack.orderId, status: 'canceled' });
    expect(updates()).toEqual([expect.objectContaining({ id: ack.orderId, status: 'canceled' })]);
    // Cancelling again answers with the order as it stands; an unknown order is ORDER_NOT_FOUND.
    expect(await broker.cancelOrder({ symbol: SYMBOL, orderId: ack.orderId as string })).toMatchObject({ status: 'canceled' });
    await expect(broker.cancelOrder({ symbol: SYMBOL, orderId: '987654321' })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    expect(
      await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.001, price: 20_000, clientOrderId: 'rest-1' }),
    ).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/already used/),
    });
  });

  it('emulates reduce-only on spot by capping a sell at what is held', async () => {
    const { broker, venue } = await open();
    expect(await broker.submitOrder({ symbol: SYMBOL, side: 'sell', type: 'market', amount: 1, reduceOnly: true })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/flat/),
    });
    await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'in' });
    await venue.clock.advanceTo(closeOf(100));
    await broker.sync();
    const exit = await broker.submitOrder({
      symbol: SYMBOL,
      side: 'sell',
      type: 'market',
      amount: 5,
      reduceOnly: true,
      clientOrderId: 'out',
    });
    expect(exit.accepted).toBe(true);
    expect(await broker.fetchOrder({ symbol: SYMBOL, clientOrderId: 'out' })).toMatchObject({ amount: 0.01, reduceOnly: true });
  });

  it('follows several open orders with one open-orders read, and reads only the ended one by id', async () => {
    venue = await startVenue();
    const proxy = await startProxy(venue.emulator.url);
    try {
      const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url } }));
      broker = recorded.broker;
      await broker.connect();
      const fillsNext = Math.round((venue.bars[100]!.low + 1) * 100) / 100;
      await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.001, price: fillsNext, clientOrderId: 'fills' });
      await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.001, price: 20_000, clientOrderId: 'rests' });
      await venue.clock.advanceTo(closeOf(100));
      const before = proxy.requests.length;
      await broker.sync();
      const paths = proxy.requests.slice(before).map((r) => `${r.method} ${r.path}`);
      expect(paths.filter((p) => p === 'GET /api/v3/openOrders')).toHaveLength(1);
      expect(paths.filter((p) => p === 'GET /api/v3/order')).toHaveLength(1);
      expect(recorded.fills()).toEqual([expect.objectContaining({ clientOrderId: 'fills', price: fillsNext })]);
      expect(recorded.updates()).toEqual([expect.objectContaining({ clientOrderId: 'fills', status: 'filled' })]);
      await broker.sync();
      expect(recorded.updates()).toHaveLength(1);
    } finally {
      await broker?.close();
      await proxy.close();
    }
  });

  it('never loses or repeats a fill across close() and connect()', async () => {
    const { broker, venue, fills } = await open();
    await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.002, price: 45_000, clientOrderId: 'a' });
    await broker.close();
    // It fills while the broker is disconnected.
    await venue.clock.advanceTo(closeOf(101));
    expect(venue.emulator.fills()).toHaveLength(1);
    expect(fills()).toEqual([]);
    await venue.drive(broker.connect());
    await broker.sync();
    await broker.close();
    await venue.drive(broker.connect());
    await broker.sync();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'a', amount: 0.002, price: venue.emulator.fills()[0]?.price })]);
  });

  it('reconciles at connect: adopts the venue’s open orders and reports drift from what the bot expected', async () => {
    venue = await startVenue();
    const first = new CcxtBroker(venue.brokerOptions());
    await first.connect();
    await first.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'old-1' });
    await venue.clock.advanceTo(closeOf(100));
    // A limit the next bar reaches: it rests now and fills in bar 101, after the restart.
    const limit = Math.round((venue.bars[101]!.low + 0.5) * 100) / 100;
    await first.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.003, price: limit, clientOrderId: 'old-2' });
    await first.close();

    const { broker: second, records, fills } = recordedBroker(venue.brokerOptions());
    broker = second;
    await venue.drive(second.connect());
    // At connect nothing is expected yet: the log says what was read and that nothing was compared.
    const startup = records.find((r) => r.message.startsWith("read the venue's account"));
    expect(startup?.message).toMatch(/nothing was compared/);
    expect(startup?.fields).toMatchObject({ positions: ['BTC/USDT long 0.01'], openOrders: ['old-2'] });
    expect(records.some((r) => r.message.includes('venue matches'))).toBe(false);

    const drift = await second.reconcile({
      positions: [{ symbol: SYMBOL, side: 'long', size: 0.02 }],
      openOrders: [{ symbol: SYMBOL, clientOrderId: 'gone' }],
    });
    expect(drift.inSync).toBe(false);
    expect(drift.drift.positions).toEqual([{ symbol: SYMBOL, expected: 0.02, actual: 0.01, difference: expect.closeTo(-0.01, 12) }]);
    expect(drift.drift.orders).toEqual([
      { kind: 'missing', symbol: SYMBOL, clientOrderId: 'gone' },
      expect.objectContaining({ kind: 'unexpected', clientOrderId: 'old-2' }),
    ]);
    expect(records.some((r) => r.level === 'warn' && r.message.includes('differs'))).toBe(true);
    const ok = await second.reconcile({
      positions: [{ symbol: SYMBOL, side: 'long', size: 0.01 }],
      openOrders: [{ symbol: SYMBOL, clientOrderId: 'old-2' }],
    });
    expect(ok.inSync).toBe(true);
    expect(records.at(-1)?.message).toBe('reconciled: the venue matches the expected positions and open orders');

    // The adopted order's fill is emitted, once, with its client order id; the earlier fill is history.
    await venue.clock.advanceTo(closeOf(101));
    await second.sync();
    await second.sync();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'old-2', amount: 0.003, price: limit })]);
    expect((await second.getPositions(SYMBOL))[0]?.size).toBeCloseTo(0.013, 12);
  });

  it('when a submission’s outcome stays unknown, throws without resending, then finds the order by polling', async () => {
    const { broker, venue, fills, updates } = await open();
    venue.emulator.control.setFaults({
      timeout: { method: 'POST', path: '/api/v3/order', count: 1, mode: 'drop' },
      serverError: { method: 'GET', path: '/api/v3/order', count: 4 },
    });
    const error = await venue
      .drive(broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'lost-1' }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'NETWORK', retryable: false, message: expect.stringMatching(/outcome unknown/) });
    expect(venue.emulator.orders().map((o) => o.clientOrderId)).toEqual(['lost-1']);
    await broker.sync();
    expect(updates()).toEqual([expect.objectContaining({ clientOrderId: 'lost-1', status: 'open' })]);
    await venue.clock.advanceTo(closeOf(100));
    await broker.sync();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'lost-1', amount: 0.01 })]);
    expect(venue.emulator.orders()).toHaveLength(1);
  });

  it('declares a submission of unknown outcome absent only after three lookups past the receive window find nothing, with a rejected update', async () => {
    const { broker, venue, updates } = await open();
    venue.emulator.control.setFaults({
      rateLimit: { method: 'POST', path: '/api/v3/order', count: 1, retryAfterSeconds: 1 },
      serverError: { method: 'GET', path: '/api/v3/order', count: 4 },
    });
    await expect(
      venue.drive(broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'never-1' })),
    ).rejects.toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/outcome unknown/) });
    for (let i = 0; i < 3; i++) await broker.sync();
    // Three misses inside the receive window prove nothing: a late request could still arrive.
    expect(updates()).toEqual([]);
    await venue.clock.advanceTo(venue.clock.now() + 7_000);
    await broker.sync();
    expect(updates()).toEqual([
      expect.objectContaining({ clientOrderId: 'never-1', status: 'rejected', reason: expect.stringMatching(/never placed/) }),
    ]);
    await broker.sync();
    expect(updates()).toHaveLength(1);
    expect(venue.emulator.orders()).toEqual([]);
  });

  it('keeps keys out of every log line and error message', async () => {
    venue = await startVenue();
    const { broker: wrong, records } = recordedBroker(
      venue.brokerOptions({ secret: `${SECRET}-wrong`, retry: { attempts: 1, baseMs: 1, maxMs: 1 } }),
    );
    broker = wrong;
    const error = await venue.drive(wrong.connect()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'AUTHENTICATION' });
    const text = JSON.stringify([
      records,
      String(error),
      (error as Error).message,
      (error as { details?: unknown }).details,
      String((error as Error).cause),
    ]);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
  });

  it('reads market data without keys, and refuses account calls in words', async () => {
    venue = await startVenue();
    broker = new CcxtBroker({ ...venue.brokerOptions(), apiKey: undefined, secret: undefined, env: {} });
    await broker.connect();
    expect(broker.canTrade).toBe(false);
    expect((await broker.getBars(SYMBOL, '1m', 2)).length).toBe(2);
    expect(await broker.getLatestPrice(SYMBOL)).toBeGreaterThan(0);
    await expect(broker.getBalances()).rejects.toMatchObject({ code: 'AUTHENTICATION', message: expect.stringMatching(/BINANCE_API_KEY/) });
  });
});
