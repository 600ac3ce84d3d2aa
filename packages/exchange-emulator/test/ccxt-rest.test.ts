import type { binance } from 'ccxt';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ccxt } from './ccxt.js';
import { loadCcxt, restClient } from './ccxt.js';
import type { FixtureBar, Harness } from './helpers.js';
import { MINUTE, startHarness, T0 } from './helpers.js';

// Real ccxt against the emulator on 127.0.0.1; the clock is a ManualClock 30 s into bar 100.
let ccxt: Ccxt;
let h: Harness;
let exchange: binance;
const SYMBOL = 'BTC/USDT';
const FEE = 0.001;

beforeAll(async () => {
  ccxt = await loadCcxt();
});

beforeEach(async () => {
  h = await startHarness();
  exchange = restClient(ccxt, h.emulator);
  await exchange.loadMarkets();
});

afterEach(async () => {
  await h.close();
});

function bar(i: number): FixtureBar {
  return h.bars[i] as FixtureBar;
}

/** An order's id, which ccxt types as optional. */
function idOf(order: { id?: string | undefined }): string {
  expect(order.id).toBeTypeOf('string');
  return order.id as string;
}

function asCandle(b: FixtureBar): number[] {
  return [b.time, b.open, b.high, b.low, b.close, b.volume];
}

describe('market data through ccxt', () => {
  it('loads the spot market with its filters', () => {
    const market = exchange.market(SYMBOL);
    expect(market).toMatchObject({ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', spot: true, type: 'spot', active: true });
    expect(market.precision).toMatchObject({ price: 0.01, amount: 0.00001 });
    expect(market.limits.amount?.min).toBe(0.00001);
    expect(market.limits.cost?.min).toBe(5);
    expect(exchange.symbols).toEqual([SYMBOL]);
  });

  it('serves closed bars as written and the forming bar without its future', async () => {
    const candles = await exchange.fetchOHLCV(SYMBOL, '1m', undefined, 5);
    expect(candles.slice(0, 4)).toEqual([96, 97, 98, 99].map((i) => asCandle(bar(i))));
    const forming = bar(100);
    expect(candles[4]).toEqual([forming.time, forming.open, forming.open, forming.open, forming.open, 0]);

    await h.advance(MINUTE);
    const later = await exchange.fetchOHLCV(SYMBOL, '1m', undefined, 2);
    expect(later[0]).toEqual(asCandle(bar(100)));
    expect(later[1]?.[0]).toBe(bar(101).time);
  });

  it('pages from `since` and aggregates longer intervals', async () => {
    expect(await exchange.fetchOHLCV(SYMBOL, '1m', T0, 3)).toEqual([0, 1, 2].map((i) => asCandle(bar(i))));

    const fiveMinutes = await exchange.fetchOHLCV(SYMBOL, '5m', undefined, 2);
    const bucket = [95, 96, 97, 98, 99].map(bar);
    expect(fiveMinutes[0]).toEqual([
      bar(95).time,
      bar(95).open,
      Math.max(...bucket.map((b) => b.high)),
      Math.min(...bucket.map((b) => b.low)),
      bar(99).close,
      expect.closeTo(
        bucket.reduce((s, b) => s + b.volume, 0),
        8,
      ),
    ]);
    expect(fiveMinutes[1]).toEqual([bar(100).time, bar(100).open, bar(100).open, bar(100).open, bar(100).open, 0]);
  });

  it('serves a ticker at the latest known price', async () => {
    const ticker = await exchange.fetchTicker(SYMBOL);
    expect(ticker.symbol).toBe(SYMBOL);
    expect(ticker.last).toBe(bar(100).open);
    expect(ticker.bid).toBe(bar(100).open);
    expect(ticker.ask).toBe(bar(100).open);
    expect(ticker.timestamp).toBe(h.emulator.now());
    expect(ticker.high).toBe(Math.max(...h.bars.slice(0, 100).map((b) => b.high)));
  });

  it('reports the server time of the simulated clock', async () => {
    expect(await exchange.fetchTime()).toBe(T0 + 100 * MINUTE + 30_000);
  });
});

describe('trading through ccxt', () => {
  it('fills a market buy at the next bar open, with fees, balances and trades to match', async () => {
    const order = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'buy-1' });
    expect(order).toMatchObject({ status: 'open', clientOrderId: 'buy-1', side: 'buy', type: 'market', amount: 0.01, filled: 0 });
    expect((await exchange.fetchOrder(idOf(order), SYMBOL)).status).toBe('open');

    await h.advance(MINUTE); // bar 100 closes: the order fills at its open
    const price = bar(100).open;
    const filled = await exchange.fetchOrder(idOf(order), SYMBOL);
    expect(filled).toMatchObject({ status: 'closed', filled: 0.01, remaining: 0, average: price });
    expect(filled.cost).toBeCloseTo(0.01 * price, 8);

    const byClientId = await exchange.fetchOrder('', SYMBOL, { clientOrderId: 'buy-1' });
    expect(byClientId.id).toBe(order.id);

    const balance = await exchange.fetchBalance();
    expect(balance.BTC?.total).toBeCloseTo(0.01, 10);
    expect(balance.USDT?.total).toBeCloseTo(10_000 - 0.01 * price * (1 + FEE), 8);

    const trades = await exchange.fetchMyTrades(SYMBOL);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: order.id, side: 'buy', price, amount: 0.01, takerOrMaker: 'taker' });
    expect(trades[0]?.fee?.currency).toBe('USDT');
    expect(trades[0]?.fee?.cost).toBeCloseTo(0.01 * price * FEE, 10);
    expect(trades[0]?.timestamp).toBe(bar(100).time + MINUTE);

    const sell = await exchange.createOrder(SYMBOL, 'market', 'sell', 0.01);
    await h.advance(MINUTE);
    expect((await exchange.fetchOrder(idOf(sell), SYMBOL)).average).toBe(bar(101).open);
    expect((await exchange.fetchBalance()).BTC?.total ?? 0).toBeCloseTo(0, 12);
    expect(await exchange.fetchMyTrades(SYMBOL)).toHaveLength(2);
  });

  it('rests a limit order, holds its funds, and cancels it', async () => {
    const order = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.1, 30_000);
    expect(order).toMatchObject({ status: 'open', price: 30_000, amount: 0.1, timeInForce: 'GTC' });
    const open = await exchange.fetchOpenOrders(SYMBOL);
    expect(open.map((o) => o.id)).toEqual([order.id]);
    const held = await exchange.fetchBalance();
    expect(held.USDT?.used).toBeCloseTo(0.1 * 30_000 * (1 + FEE), 8);
    expect(held.USDT?.free).toBeCloseTo(10_000 - 0.1 * 30_000 * (1 + FEE), 8);

    await h.advance(MINUTE); // not reached: the bars trade near 42,000
    expect((await exchange.fetchOrder(idOf(order), SYMBOL)).status).toBe('open');

    const canceled = await exchange.cancelOrder(idOf(order), SYMBOL);
    expect(canceled.status).toBe('canceled');
    expect(await exchange.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect((await exchange.fetchBalance()).USDT?.free).toBe(10_000);
    await expect(exchange.cancelOrder(idOf(order), SYMBOL)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('fills a limit order when the bar reaches it, as maker at the limit price', async () => {
    const limit = 41_900;
    expect(bar(100).low).toBeLessThan(limit); // the fixture reaches it inside bar 100...
    expect(bar(100).open).toBeGreaterThan(limit); // ...without gapping through it
    const order = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.05, limit);
    await h.advance(MINUTE);
    expect(await exchange.fetchOrder(idOf(order), SYMBOL)).toMatchObject({ status: 'closed', average: limit, filled: 0.05 });
    const [trade] = await exchange.fetchMyTrades(SYMBOL);
    expect(trade).toMatchObject({ takerOrMaker: 'maker', price: limit });
  });

  it('books a stop-limit order (STOP_LOSS_LIMIT) and reports its trigger price', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.02);
    await h.advance(MINUTE);
    const stop = await exchange.createOrder(SYMBOL, 'limit', 'sell', 0.02, 41_000, { triggerPrice: 41_100 });
    const fetched = await exchange.fetchOrder(idOf(stop), SYMBOL);
    expect(fetched).toMatchObject({ status: 'open', type: 'limit', price: 41_000, triggerPrice: 41_100 });
    expect(fetched.info.type).toBe('STOP_LOSS_LIMIT');
  });

  it('lists every order of a symbol', async () => {
    const a = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000);
    const b = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    await exchange.cancelOrder(idOf(a), SYMBOL);
    await h.advance(MINUTE);
    const orders = await exchange.fetchOrders(SYMBOL);
    expect(orders.map((o) => [o.id, o.status])).toEqual([
      [a.id, 'canceled'],
      [b.id, 'closed'],
    ]);
  });
});

describe('errors through ccxt', () => {
  it('raises AuthenticationError for a bad signature and for an unknown key', async () => {
    const badSecret = restClient(ccxt, h.emulator, { secret: 'not-the-secret' });
    badSecret.markets = exchange.markets;
    badSecret.markets_by_id = exchange.markets_by_id;
    await expect(badSecret.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(badSecret.fetchBalance()).rejects.toThrow(/-1022/);
    const badKey = restClient(ccxt, h.emulator, { apiKey: 'nobody' });
    await badKey.loadMarkets();
    await expect(badKey.fetchBalance()).rejects.toThrow(/-2015/);
    await expect(badKey.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });

  it('raises InsufficientFunds for a buy beyond the quote balance and a sell beyond the base balance', async () => {
    await expect(exchange.createOrder(SYMBOL, 'market', 'buy', 1)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(exchange.createOrder(SYMBOL, 'limit', 'sell', 0.01, 50_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    // Funds held by an open order are not free.
    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.2, 40_000);
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.1, 40_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
  });

  it('raises InvalidOrder for a filter failure and a duplicate client order id', async () => {
    // ccxt rounds prices to the tick itself, so send an off-tick price through its raw endpoint.
    const offTick = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '40000.005' };
    await expect(exchange.privatePostOrder(offTick)).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(exchange.privatePostOrder(offTick)).rejects.toThrow(/Filter failure: PRICE_FILTER/);
    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000, { clientOrderId: 'same' });
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000, { clientOrderId: 'same' })).rejects.toThrow(
      /Duplicate order sent/,
    );
  });

  it('raises OrderNotFound for an unknown order and BadSymbol for an unknown symbol', async () => {
    await expect(exchange.fetchOrder('999', SYMBOL)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(exchange.fetchOrder('', SYMBOL, { clientOrderId: 'never-sent' })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(exchange.publicGetTickerPrice({ symbol: 'NOPEUSDT' })).rejects.toBeInstanceOf(ccxt.BadSymbol);
  });

  it('raises InvalidNonce when the timestamp is outside recvWindow', async () => {
    exchange.options.timeDifference = 120_000; // ccxt signs with a clock two minutes late
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
  });
});
