import type { OrderRequest } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { barSlippage } from '../src/index.js';
import type { BarTuple } from './helpers.js';
import { bars, MINUTE, simulate } from './helpers.js';

// One symbol, 1m bars opening at minute 0, 1, 2...: [open, high, low, close, volume].
const X: BarTuple[] = [
  [10, 11, 9.5, 10.5], // b0
  [11, 12, 10, 11.5], // b1
  [10, 10.5, 9, 9.8], // b2
  [9, 9.6, 8.5, 9.2], // b3
  [13, 14, 12.5, 13.5], // b4
  [13.2, 13.8, 13, 13.4], // b5
];
const CASH = 1_000_000;
const order = (fields: Partial<OrderRequest>): OrderRequest => ({ symbol: 'X', side: 'buy', type: 'market', amount: 1, ...fields });

describe('default matching (next-open)', () => {
  it('fills a market order at the open of the symbol next bar, stamped with that bar open time', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step(); // b0 visible
    const ack = await sim.broker.submitOrder(order({ amount: 2 }));
    expect(ack).toMatchObject({ accepted: true, orderId: 'X:1', status: 'open' });
    expect(sim.fills()).toHaveLength(0);
    await sim.step(); // b1 closes: the order fills at b1's open
    expect(sim.fills()).toMatchObject([{ orderId: 'X:1', side: 'buy', amount: 2, price: 11, fee: 0, maker: false, timestamp: 1 * MINUTE }]);
    const [position] = await sim.broker.getPositions('X');
    // entry 11, marked at b1's close 11.5: unrealized (11.5 - 11) x 2 = 1.
    expect(position).toMatchObject({ side: 'long', size: 2, entryPrice: 11, markPrice: 11.5, unrealizedPnl: 1, openedAt: MINUTE });
    const [balance] = await sim.broker.getBalances();
    expect(balance).toEqual({ currency: 'USD', free: CASH - 2 * 11, used: 0, total: CASH - 2 * 11 });
    const results = await sim.broker.getResults();
    // equity sampled after step 2 = cash + 2 x 11.5
    expect(Array.from(results.equity.values)).toEqual([CASH, CASH - 22 + 2 * 11.5]);
  });

  it('an order sent before the first bar closes fills at the open of the first bar', async () => {
    const sim = simulate([bars('X', X)]);
    expect(sim.broker.currentTime()).toBe(MINUTE - 1);
    expect((await sim.broker.getBars('X', '1m', 10)).length).toBe(0);
    await sim.broker.submitOrder(order({}));
    await sim.step();
    expect(sim.fills()[0]).toMatchObject({ price: 10, timestamp: 0 });
  });

  it('limit buy: waits while low > limit, then fills at the limit as maker; a later gap fills at the open', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5 }));
    await sim.step(); // b1 low 10 > 9.5
    expect(sim.fills()).toHaveLength(0);
    await sim.step(); // b2 low 9 <= 9.5, open 10 > 9.5: min(10, 9.5) = 9.5
    expect(sim.fills()[0]).toMatchObject({ price: 9.5, maker: true, timestamp: 2 * MINUTE });
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5 }));
    await sim.step(); // b3 open 9 <= 9.5: min(9, 9.5) = 9
    expect(sim.fills()[1]).toMatchObject({ price: 9, maker: false });
  });

  it('limit sell mirrors the buy', async () => {
    const sim = simulate([bars('X', X)], { account: { allowShort: true } });
    await sim.step();
    await sim.broker.submitOrder(order({ side: 'sell', type: 'limit', price: 11.8 }));
    await sim.step(); // b1 high 12 >= 11.8, open 11: max(11, 11.8) = 11.8
    expect(sim.fills()[0]).toMatchObject({ side: 'sell', price: 11.8, maker: true });
    await sim.step(3); // b2, b3, b4 visible
    await sim.broker.submitOrder(order({ side: 'sell', type: 'limit', price: 13.1 }));
    await sim.step(); // b5 open 13.2 >= 13.1: max(13.2, 13.1) = 13.2
    expect(sim.fills()[1]).toMatchObject({ price: 13.2, maker: false });
  });

  it('stop buy triggers at max(open, stop); a gap through the stop fills at the open', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    await sim.broker.submitOrder(order({ type: 'stop', stopPrice: 12 }));
    await sim.step(); // b1 high 12 >= 12: max(11, 12) = 12
    expect(sim.fills()[0]).toMatchObject({ price: 12, maker: false });
    await sim.step(2); // b2, b3 visible
    await sim.broker.submitOrder(order({ type: 'stop', stopPrice: 12 }));
    await sim.step(); // b4 open 13 >= 12: max(13, 12) = 13
    expect(sim.fills()[1]).toMatchObject({ price: 13 });
  });

  it('stop sell triggers at min(open, stop); a gap through the stop fills at the open', async () => {
    const sim = simulate([bars('X', X)], { account: { allowShort: true } });
    await sim.step(2); // b0, b1 visible
    await sim.broker.submitOrder(order({ side: 'sell', type: 'stop', stopPrice: 9.5 }));
    await sim.step(); // b2 low 9 <= 9.5, open 10: min(10, 9.5) = 9.5
    expect(sim.fills()[0]).toMatchObject({ side: 'sell', price: 9.5 });
    await sim.broker.submitOrder(order({ side: 'sell', type: 'stop', stopPrice: 9.5 }));
    await sim.step(); // b3 open 9 <= 9.5: min(9, 9.5) = 9
    expect(sim.fills()[1]).toMatchObject({ price: 9 });
  });

  it('stop-limit: triggers, then acts as a limit (fills in a later bar)', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    await sim.broker.submitOrder(order({ type: 'stop-limit', stopPrice: 11.5, price: 10.5 }));
    await sim.step(); // b1 high 12 triggers; limit 10.5 < stop 11.5: rests
    expect(sim.fills()).toHaveLength(0);
    expect((await sim.broker.getOpenOrders('X'))[0]).toMatchObject({ status: 'open' });
    await sim.step(); // b2 as limit buy 10.5: open 10 <= 10.5, fills at 10
    expect(sim.fills()[0]).toMatchObject({ price: 10 });
  });

  it('an order sent on the symbol last bar never fills and counts as unfilled at end', async () => {
    const sim = simulate([bars('X', X)]);
    expect(await sim.step(6)).toBe(true); // b5, the last bar, just became visible
    await sim.broker.submitOrder(order({}));
    expect(await sim.step()).toBe(false);
    const results = await sim.broker.getResults();
    expect(results.fills).toHaveLength(0);
    expect(results.ordersUnfilledAtEnd).toBe(1);
    expect(results.complete).toBe(true);
  });
});

describe('fees and slippage', () => {
  it('charges the taker rate, the maker rate, and the per-order fee once', async () => {
    const sim = simulate([bars('X', X)], { fees: { maker: 0.001, taker: 0.002, perOrder: 1 } });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 2 }));
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5 }));
    await sim.step(2); // b1: market at 11 (taker); b2: limit at 9.5 (maker)
    const takerFee = 2 * 11 * 0.002 + 1;
    const makerFee = 1 * 9.5 * 0.001 + 1;
    expect(sim.fills().map((f) => [f.price, f.fee, f.feeCurrency])).toEqual([
      [11, takerFee, 'USD'],
      [9.5, makerFee, 'USD'],
    ]);
    const [balance] = await sim.broker.getBalances();
    expect(balance?.total).toBe(CASH - 22 - takerFee - 9.5 - makerFee);
    expect((await sim.broker.getResults()).metrics.feesPaid).toBe(takerFee + makerFee);
  });

  it('slips taker fills by fixed bps, never maker fills, and never past a limit', async () => {
    const data = bars('X', [
      [10, 11, 9.5, 10.5],
      [11, 12, 10, 11.5],
      [10, 10.5, 9, 9.8],
      [9.495, 9.6, 8.5, 9.2],
    ]);
    const sim = simulate([data], { slippage: 10 });
    await sim.step();
    await sim.broker.submitOrder(order({}));
    await sim.step(); // b1: market buy at 11 x (1 + 10 / 10000)
    await sim.broker.submitOrder(order({ side: 'sell', type: 'limit', price: 10.2 }));
    await sim.step(); // b2 high 10.5 reaches 10.2: maker, not slipped
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5 }));
    await sim.step(); // b3 open 9.495 <= 9.5: taker at 9.495 x 1.001 = 9.504495, capped at the limit 9.5
    expect(sim.fills().map((f) => f.price)).toEqual([11 * (1 + 10 / 10_000), 10.2, 9.5]);
  });

  it('slippage can be a function of the bar', async () => {
    const sim = simulate([bars('X', X)], { slippage: barSlippage(({ bar }) => 0.1 * (bar.high - bar.low)) });
    await sim.step();
    await sim.broker.submitOrder(order({}));
    await sim.step(); // b1 range 12 - 10 = 2: 11 + 0.1 x 2
    expect(sim.fills()[0]?.price).toBe(11 + 0.1 * (12 - 10));
  });
});

describe('volume cap', () => {
  const data = bars('X', [
    [10, 11, 9.5, 10.5, 100],
    [11, 12, 10, 11.5, 6],
    [10, 10.5, 9, 9.8, 0],
    [9, 9.6, 8.5, 9.2, 10],
  ]);

  it('fills at most share x volume per bar, keeps the rest open, and a zero-volume bar fills nothing', async () => {
    const sim = simulate([data], { volumeCap: 0.5, fees: { perOrder: 1 } });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 5 }));
    await sim.step(); // b1: 0.5 x 6 = 3 of 5 at 11
    expect(sim.updates().at(-1)).toMatchObject({ status: 'partially-filled', filled: 3, remaining: 2 });
    await sim.step(); // b2: volume 0, nothing
    expect(sim.fills()).toHaveLength(1);
    await sim.step(); // b3: cap 5, the remaining 2 at 9
    expect(sim.fills().map((f) => [f.amount, f.price, f.fee])).toEqual([
      [3, 11, 1],
      [2, 9, 0],
    ]);
    expect(await sim.broker.fetchOrder({ symbol: 'X', orderId: 'X:1' })).toMatchObject({
      status: 'filled',
      filled: 5,
      remaining: 0,
      averagePrice: (3 * 11 + 2 * 9) / 5,
    });
  });

  it('shares one bar capacity between orders in sequence order', async () => {
    const sim = simulate([data], { volumeCap: 0.5 });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 2 }));
    await sim.broker.submitOrder(order({ amount: 2 }));
    await sim.step(); // capacity 3: X:1 takes 2, X:2 the last 1
    expect(sim.fills().map((f) => [f.orderId, f.amount])).toEqual([
      ['X:1', 2],
      ['X:2', 1],
    ]);
  });

  it('an IOC order loses what the cap leaves unfilled', async () => {
    const sim = simulate([data], { volumeCap: 0.5 });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 5, timeInForce: 'IOC' }));
    await sim.step();
    expect(sim.updates().at(-1)).toMatchObject({ status: 'canceled', filled: 3, remaining: 2 });
    expect(sim.updates().at(-1)?.reason).toMatch(/^IOC: the remaining 2/);
  });
});

describe('latency, IOC, reduce-only, cancel', () => {
  it('latency: the order reaches the book k bars of its symbol later', async () => {
    const sim = simulate([bars('X', X)], { latencySteps: 2 });
    await sim.step(); // b0 visible: sent now, next bar is b1, two bars later it is b3
    await sim.broker.submitOrder(order({}));
    await sim.step(2); // b1, b2
    expect(sim.fills()).toHaveLength(0);
    await sim.step(); // b3 opens at 9
    expect(sim.fills()[0]).toMatchObject({ price: 9, timestamp: 3 * MINUTE });
  });

  it('IOC: canceled when it cannot execute in its first bar', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5, timeInForce: 'IOC' }));
    await sim.step(); // b1 low 10 > 9.5
    await sim.step(); // b2 would have filled a GTC order
    expect(sim.fills()).toHaveLength(0);
    const update = sim.updates()[0];
    expect(update).toMatchObject({ id: 'X:1', status: 'canceled', filled: 0, updatedAt: 2 * MINUTE });
    expect(update?.reason).toMatch(/^IOC: not executable in its first bar/);
  });

  it('reduce-only: fills up to the position and cancels the rest; refuses to grow or open', async () => {
    const sim = simulate([bars('X', X)], { account: { allowShort: true } });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 2 }));
    await sim.step(); // long 2 at 11
    await sim.broker.submitOrder(order({ side: 'sell', amount: 5, reduceOnly: true, clientOrderId: 'r1' }));
    await sim.broker.submitOrder(order({ side: 'buy', amount: 1, reduceOnly: true, clientOrderId: 'r2' }));
    await sim.step(); // b2 open 10: r1 sells 2 (position flat), r2 would open a long
    expect(sim.fills().map((f) => [f.clientOrderId ?? '', f.side, f.amount, f.price])).toEqual([
      ['', 'buy', 2, 11],
      ['r1', 'sell', 2, 10],
    ]);
    const r1 = await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'r1' });
    expect(r1).toMatchObject({ status: 'canceled', filled: 2, remaining: 3 });
    expect(r1?.reason).toBe('reduce-only: the remaining 3 would open a position');
    const r2 = await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'r2' });
    expect(r2).toMatchObject({ status: 'rejected', filled: 0, reason: 'reduce-only: the position is flat' });
    await sim.broker.submitOrder(order({ amount: 1 }));
    await sim.step(); // long 1 at 9
    await sim.broker.submitOrder(order({ side: 'buy', amount: 1, reduceOnly: true, clientOrderId: 'r3' }));
    await sim.step();
    expect(await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'r3' })).toMatchObject({
      status: 'rejected',
      reason: 'reduce-only: it would grow the long position',
    });
  });

  it('cancel: the order leaves the book, is reported, and never fills', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    const ack = await sim.broker.submitOrder(order({ type: 'limit', price: 9.5, clientOrderId: 'c1' }));
    const canceled = await sim.broker.cancelOrder({ symbol: 'X', orderId: ack.orderId as string });
    expect(canceled).toMatchObject({ status: 'canceled', reason: 'canceled on request', filled: 0 });
    expect(sim.updates()).toEqual([canceled]);
    expect(await sim.broker.getOpenOrders()).toEqual([]);
    await sim.step(2); // b2 reaches 9.5
    expect(sim.fills()).toHaveLength(0);
    // canceling again returns it unchanged; an unknown order is ORDER_NOT_FOUND
    expect(await sim.broker.cancelOrder({ symbol: 'X', clientOrderId: 'c1' })).toStrictEqual(canceled);
    await expect(sim.broker.cancelOrder({ symbol: 'X', orderId: 'X:99' })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });
});

describe('intrabar priority of a stop-loss and a take-profit', () => {
  // b1 reaches both the stop 9.5 (low 9) and the take-profit 11.8 (high 12).
  const data = bars('X', [
    [10, 10.5, 9.8, 10],
    [10, 10.2, 9.9, 10.1],
    [10.5, 12, 9, 10],
    [10, 10.5, 9.5, 10],
  ]);

  async function run(intrabarPriority?: 'stop-first' | 'limit-first') {
    const sim = simulate([data], intrabarPriority === undefined ? {} : { intrabarPriority });
    await sim.step();
    await sim.broker.submitOrder(order({}));
    await sim.step(); // long 1 at b1's open 10
    // take-profit sent first, so it has the lower sequence
    await sim.broker.submitOrder(order({ side: 'sell', type: 'limit', price: 11.8, reduceOnly: true, clientOrderId: 'tp' }));
    await sim.broker.submitOrder(order({ side: 'sell', type: 'stop', stopPrice: 9.5, reduceOnly: true, clientOrderId: 'sl' }));
    await sim.step();
    const tp = await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'tp' });
    const sl = await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'sl' });
    return { sim, tp, sl };
  }

  it('assumes the stop came first by default', async () => {
    const { sim, tp, sl } = await run();
    expect(sl).toMatchObject({ status: 'filled', averagePrice: 9.5 });
    expect(tp).toMatchObject({ status: 'rejected', reason: 'reduce-only: the position is flat' });
    // pnl of the round trip: (9.5 - 10) x 1
    expect((await sim.broker.getResults()).trades).toEqual([
      { symbol: 'X', entryTime: MINUTE, entryPrice: 10, exitTime: 2 * MINUTE, exitPrice: 9.5, size: 1, pnl: (9.5 - 10) * 1 },
    ]);
  });

  it('limit-first lets the take-profit fill', async () => {
    const { tp, sl } = await run('limit-first');
    expect(tp).toMatchObject({ status: 'filled', averagePrice: 11.8 });
    expect(sl).toMatchObject({ status: 'rejected', reason: 'reduce-only: the position is flat' });
  });
});

describe('cheat-on-close', () => {
  it('fills market orders at the close of the bar that was current when they were sent', async () => {
    const sim = simulate([bars('X', X)], { fillTiming: 'cheat-on-close' });
    await sim.step(); // b0 visible
    await sim.broker.submitOrder(order({}));
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5 }));
    await sim.step(); // market: b0's close 10.5; the limit still follows next-bar rules (b1 low 10 > 9.5)
    expect(sim.fills().map((f) => [f.orderId, f.price, f.timestamp])).toEqual([['X:1', 10.5, 0]]);
    await sim.step(4); // b5, the last bar, visible
    await sim.broker.submitOrder(order({ side: 'sell', amount: 2 }));
    expect(await sim.step()).toBe(false); // the end still fills at b5's close
    expect(sim.fills().map((f) => [f.orderId, f.price])).toEqual([
      ['X:1', 10.5],
      ['X:2', 9.5],
      ['X:3', 13.4],
    ]);
    expect((await sim.broker.getResults()).fillTiming).toBe('cheat-on-close');
  });
});

describe('rejections', () => {
  const markets = [{ symbol: 'X', amountStep: 0.01, priceStep: 0.5, minAmount: 0.1, minNotional: 5 }];

  it.each([
    [{ symbol: 'Y' }, 'unknown symbol "Y": this simulation trades X'],
    [{ amount: 0 }, 'amount must be a positive finite number, got 0'],
    [{ amount: -1 }, 'amount must be a positive finite number, got -1'],
    [{ amount: Number.NaN }, 'amount must be a positive finite number, got NaN'],
    [{ type: 'limit' as const }, 'a limit order needs a limit price (price)'],
    [{ type: 'stop' as const }, 'a stop order needs a trigger price (stopPrice)'],
    [{ type: 'limit' as const, price: -2 }, 'price must be a positive finite number, got -2'],
    [{ amount: 1.005 }, 'amount 1.005 is not a multiple of the amount step 0.01 of X'],
    [{ type: 'limit' as const, price: 10.2 }, 'price 10.2 is not a multiple of the price step 0.5 of X'],
    [{ amount: 0.05 }, 'amount 0.05 is below the minimum amount 0.1 of X'],
    [{ type: 'limit' as const, price: 10, amount: 0.3 }, 'notional 3 (amount 0.3 x price 10) is below the minimum notional 5 of X'],
  ])('%o is rejected at submission: %s', async (fields, reason) => {
    const sim = simulate([bars('X', X)], { markets });
    const ack = await sim.broker.submitOrder(order(fields));
    expect(ack).toEqual({ accepted: false, status: 'rejected', reason });
    expect(await sim.broker.getOpenOrders()).toEqual([]);
    expect((await sim.broker.getResults()).rejectedSubmissions).toEqual([
      { time: MINUTE - 1, symbol: (fields as Partial<OrderRequest>).symbol ?? 'X', reason },
    ]);
  });

  it('rejects a duplicate clientOrderId and finds orders by either id', async () => {
    const sim = simulate([bars('X', X)]);
    expect(await sim.broker.submitOrder(order({ clientOrderId: 'a' }))).toMatchObject({
      accepted: true,
      orderId: 'X:1',
      clientOrderId: 'a',
    });
    expect(await sim.broker.submitOrder(order({ clientOrderId: 'a' }))).toEqual({
      accepted: false,
      status: 'rejected',
      clientOrderId: 'a',
      reason: 'clientOrderId "a" is already used by order X:1',
    });
    const byClient = await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'a' });
    expect(byClient).toStrictEqual(await sim.broker.fetchOrder({ symbol: 'X', orderId: 'X:1' }));
    expect(await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: 'nope' })).toBeUndefined();
    expect(await sim.broker.fetchOrder({ symbol: 'Y', orderId: 'X:1' })).toBeUndefined();
  });

  it('insufficient funds is found at match time and reported as a rejected order update', async () => {
    const sim = simulate([bars('X', X)], { account: { balances: { USD: 20 } } });
    await sim.step();
    const ack = await sim.broker.submitOrder(order({ amount: 2 }));
    expect(ack.accepted).toBe(true);
    await sim.step(); // 2 x 11 = 22 > 20
    expect(sim.fills()).toHaveLength(0);
    expect(sim.updates()).toEqual([
      expect.objectContaining({
        id: 'X:1',
        status: 'rejected',
        reason: 'insufficient USD: buying 2 X at 11 (fee 0) needs 22 USD free, but 20 is free',
      }),
    ]);
  });

  it('a sell that would open a short is rejected unless the account allows shorts', async () => {
    const sim = simulate([bars('X', X)]);
    await sim.step();
    await sim.broker.submitOrder(order({ side: 'sell' }));
    await sim.step();
    expect(sim.updates()[0]).toMatchObject({
      status: 'rejected',
      reason: 'short selling is not allowed (account.allowShort is false): selling 1 X with no position would open a short of 1',
    });
    expect(sim.broker.capabilities.shorting).toBe(false);
  });
});
