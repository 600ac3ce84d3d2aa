import { isBtError, isTerminal } from '@bt/core';
import { assert, expect } from 'vitest';
import type { ConformanceCaseBody } from './checks.js';
import { accepted, findsNothing, rejectedInAck, rejectsAmount } from './checks.js';
import { EVENT_CASE_BODIES } from './event-cases.js';
import { UNDECLARABLE } from './plan.js';
import { near, signed, sum } from './session.js';
import type { ConformanceCaseId } from './types.js';

export type { ConformanceCaseBody } from './checks.js';

/** Every case's body, by id. */
export const CASE_BODIES: Readonly<Record<ConformanceCaseId, ConformanceCaseBody>> = {
  ...EVENT_CASE_BODIES,

  async 'lifecycle.connect-idempotent'(s) {
    const before = (await s.broker.getMarkets()).map((m) => m.symbol);
    await s.broker.connect();
    await Promise.all([s.broker.connect(), s.broker.connect()]);
    expect(
      (await s.broker.getMarkets()).map((m) => m.symbol),
      'markets after connecting again',
    ).toEqual(before);
  },

  async 'lifecycle.close-idempotent'(s) {
    await s.broker.close();
    await s.broker.close();
  },

  async 'markets.fixture-symbol'(s) {
    const markets = await s.broker.getMarkets();
    expect(markets.length, 'number of markets').toBeGreaterThan(0);
    const symbols = markets.map((m) => m.symbol);
    expect(new Set(symbols).size, 'markets must not repeat a symbol').toBe(symbols.length);
    const market = await s.market();
    assert(typeof market.base === 'string' && market.base.length > 0, `market ${s.symbol}: base must be a non-empty string`);
    assert(typeof market.quote === 'string' && market.quote.length > 0, `market ${s.symbol}: quote must be a non-empty string`);
    expect(market.active, `market ${s.symbol}: active`).toBe(true);
    const slash = s.symbol.indexOf('/');
    if (slash > 0) {
      expect(market.base, `base of ${s.symbol}`).toBe(s.symbol.slice(0, slash));
      expect(market.quote, `quote of ${s.symbol}`).toBe(s.symbol.slice(slash + 1).split(':')[0]);
    }
  },

  async 'bars.closed-ascending-limited'(s) {
    for (let round = 0; round < 2; round++) {
      const all = (await s.broker.getBars(s.symbol, s.timeframe, 1000)).toArray();
      expect(all.length, `getBars(${s.symbol}, ${s.timeframe}, 1000) after warm-up`).toBeGreaterThan(0);
      const now = s.driver.now?.();
      all.forEach((bar, i) => {
        expect(bar.symbol, `bar ${i}: symbol`).toBe(s.symbol);
        expect(bar.timeframe, `bar ${i}: timeframe`).toBe(s.timeframe);
        expect(bar.openTime, `bar ${i}: openTime < closeTime`).toBeLessThan(bar.closeTime);
        if (i > 0) expect(bar.closeTime, `bar ${i}: closeTime after bar ${i - 1}'s`).toBeGreaterThan(all[i - 1]!.closeTime);
        if (now !== undefined) expect(bar.closeTime, `bar ${i} must have closed by now (${now})`).toBeLessThanOrEqual(now);
      });
      const series = await s.broker.getBars(s.symbol, s.timeframe, 2);
      const two = series.toArray();
      expect(two.length, 'getBars(limit 2): length').toBe(Math.min(2, all.length));
      expect(
        two.map((b) => b.closeTime),
        'getBars(limit 2) gives the newest two bars',
      ).toEqual(all.slice(-2).map((b) => b.closeTime));
      await s.broker.getBars(s.symbol, s.timeframe, 3);
      await s.broker.getBars(s.symbol, s.timeframe, 2);
      expect(series.toArray(), 'a series handed out must not change within a tick').toEqual(two);
      if (round === 0) await s.driver.advance();
    }
  },

  async 'price.latest'(s) {
    const price = await s.broker.getLatestPrice(s.symbol);
    assert(Number.isFinite(price) && price > 0, `getLatestPrice(${s.symbol}) must be finite and > 0, got ${price}`);
  },

  async 'balances.consistent'(s) {
    const balances = await s.broker.getBalances();
    expect(balances.length, 'number of balances').toBeGreaterThan(0);
    const currencies = balances.map((b) => b.currency);
    expect(new Set(currencies).size, 'balances must not repeat a currency').toBe(currencies.length);
    for (const b of balances) {
      assert(typeof b.currency === 'string' && b.currency.length > 0, 'balance: currency must be a non-empty string');
      for (const field of ['free', 'used', 'total'] as const) {
        assert(Number.isFinite(b[field]), `balance ${b.currency}: ${field} must be finite, got ${b[field]}`);
      }
      expect(b.used, `balance ${b.currency}: used`).toBeGreaterThanOrEqual(0);
      assert(near(b.free + b.used, b.total), `balance ${b.currency}: free ${b.free} + used ${b.used} must equal total ${b.total}`);
    }
    const { quote } = await s.market();
    expect(currencies, `balances must list ${s.symbol}'s quote currency`).toContain(quote);
  },

  async 'orders.ack'(s) {
    const clientOrderId = s.clientOrderId('ack');
    const ack = await s.submitMarket('buy', s.options.amount, { clientOrderId });
    const orderId = accepted(ack, 'a market buy');
    expect(ack.clientOrderId, 'the ack echoes the clientOrderId').toBe(clientOrderId);
    const order = await s.broker.fetchOrder({ symbol: s.symbol, orderId });
    expect(order, `fetchOrder(${orderId}) right after the ack`).toMatchObject({
      id: orderId,
      clientOrderId,
      symbol: s.symbol,
      side: 'buy',
      type: 'market',
      amount: s.options.amount,
    });
  },

  async 'orders.open-limit'(s) {
    const clientOrderId = s.clientOrderId('open');
    const orderId = accepted(await s.submitRestingBuy(s.options.amount, { clientOrderId }), 'a resting limit buy');
    const open = (await s.broker.getOpenOrders(s.symbol)).find((o) => o.id === orderId);
    expect(open, `getOpenOrders(${s.symbol}) must list ${orderId}`).toBeDefined();
    expect(open).toMatchObject({ symbol: s.symbol, side: 'buy', type: 'limit', clientOrderId, filled: 0 });
    expect(['open', 'partially-filled'], `status of ${orderId}`).toContain(open?.status);
    expect(
      (await s.broker.getOpenOrders()).some((o) => o.id === orderId),
      'getOpenOrders() without a symbol lists it too',
    ).toBe(true);
  },

  async 'orders.cancel'(s) {
    const orderId = accepted(
      await s.submitRestingBuy(s.options.amount, { clientOrderId: s.clientOrderId('cancel') }),
      'a resting limit buy',
    );
    const canceled = await s.broker.cancelOrder({ symbol: s.symbol, orderId });
    expect(canceled, `cancelOrder(${orderId})`).toMatchObject({ id: orderId, status: 'canceled' });
    expect(
      (await s.broker.getOpenOrders(s.symbol)).some((o) => o.id === orderId),
      'the canceled order is still in getOpenOrders()',
    ).toBe(false);
    const fetched = await s.broker.fetchOrder({ symbol: s.symbol, orderId });
    if (fetched !== undefined) expect(fetched.status, `fetchOrder(${orderId}) after the cancel`).toBe('canceled');
    await s.advanceUntil(() => s.lastUpdateOf(orderId)?.status === 'canceled', `an order update with status canceled for ${orderId}`);
  },

  async 'orders.fetch-unknown'(s) {
    await findsNothing(
      s.broker.fetchOrder({ symbol: s.symbol, orderId: s.unknownOrderId }),
      `fetchOrder of the unknown id ${s.unknownOrderId}`,
    );
  },

  async 'orders.cancel-unknown'(s) {
    let thrown: unknown;
    try {
      await s.broker.cancelOrder({ symbol: s.symbol, orderId: s.unknownOrderId });
    } catch (error) {
      thrown = error;
    }
    assert(thrown !== undefined, `cancelOrder of the unknown order ${s.unknownOrderId} must throw`);
    assert(
      isBtError(thrown, 'ORDER_NOT_FOUND'),
      `cancelOrder of an unknown order must throw BtError ORDER_NOT_FOUND, got ${String(thrown)}`,
    );
  },

  async 'orders.fetch-by-client-id'(s) {
    const clientOrderId = s.clientOrderId('byid');
    const orderId = accepted(await s.submitAnyBuy(s.options.amount, { clientOrderId }), 'a buy');
    const order = await s.broker.fetchOrder({ symbol: s.symbol, clientOrderId });
    expect(order, `fetchOrder({ clientOrderId: ${clientOrderId} })`).toMatchObject({ id: orderId, clientOrderId });
    const unknown = s.clientOrderId('unknown');
    await findsNothing(
      s.broker.fetchOrder({ symbol: s.symbol, clientOrderId: unknown }),
      `fetchOrder of the unknown clientOrderId ${unknown}`,
    );
  },

  async 'rejects.zero-amount'(s) {
    await rejectsAmount(s, 0, 'an amount of 0');
  },

  async 'rejects.negative-amount'(s) {
    await rejectsAmount(s, -s.options.amount, 'a negative amount');
  },

  async 'rejects.off-precision'(s) {
    await rejectsAmount(s, s.options.offPrecisionAmount as number, "an amount off the market's precision");
  },

  async 'rejects.insufficient-funds'(s) {
    const amount = s.options.unaffordableAmount as number;
    const ack = await s.submitMarket('buy', amount, { clientOrderId: s.clientOrderId('funds') });
    if (!ack.accepted) {
      rejectedInAck(ack, `an unaffordable buy of ${amount}`);
      return;
    }
    const orderId = accepted(ack, `an unaffordable buy of ${amount}`);
    await s.advanceUntil(() => {
      const last = s.lastUpdateOf(orderId);
      return last !== undefined && isTerminal(last.status);
    }, `an order update ending the unaffordable order ${orderId}`);
    const last = s.lastUpdateOf(orderId);
    expect(last?.status, `the unaffordable order ${orderId} must end rejected`).toBe('rejected');
    assert(typeof last?.reason === 'string' && last.reason.length > 0, 'the rejected order update needs a reason in words');
    expect(s.fillsOf(orderId), `fills of the unaffordable order ${orderId}`).toEqual([]);
  },

  async 'rejects.undeclared-type'(s) {
    const type = UNDECLARABLE.find((t) => !s.broker.capabilities.orderTypes.includes(t));
    assert(type !== undefined, 'the broker declares every order type: this case should have been skipped');
    const latest = await s.broker.getLatestPrice(s.symbol);
    const before = (await s.broker.getOpenOrders(s.symbol)).length;
    const ack = await s.broker.submitOrder({
      symbol: s.symbol,
      side: 'buy',
      type,
      amount: s.options.amount,
      ...(type === 'limit' || type === 'stop-limit' ? { price: await s.restingPrice() } : {}),
      ...(type === 'stop' || type === 'stop-limit' ? { stopPrice: latest * 2 } : {}),
      clientOrderId: s.clientOrderId('type'),
    });
    rejectedInAck(ack, `a ${type} order, a type the broker does not declare`);
    expect((await s.broker.getOpenOrders(s.symbol)).length, `open orders after the ${type} order`).toBe(before);
  },

  async 'orders.client-id-idempotent'(s) {
    const clientOrderId = s.clientOrderId('dup');
    const resting = s.broker.capabilities.orderTypes.includes('limit');
    const submit = () =>
      resting ? s.submitRestingBuy(s.options.amount, { clientOrderId }) : s.submitMarket('buy', s.options.amount, { clientOrderId });
    const orderId = accepted(await submit(), 'the first submission');
    const again = await submit();
    if (again.accepted) expect(again.orderId, 'a re-submission that is accepted must return the same order').toBe(orderId);
    else assert(typeof again.reason === 'string' && again.reason.length > 0, 'a re-submission rejected as a duplicate needs a reason');
    if (resting) {
      const open = (await s.broker.getOpenOrders(s.symbol)).filter((o) => o.clientOrderId === clientOrderId);
      expect(
        open.map((o) => o.id),
        `open orders with clientOrderId ${clientOrderId}`,
      ).toEqual([orderId]);
    } else {
      await s.filled(orderId, s.options.amount);
      await s.driver.advance();
      const ids = new Set(s.events.flatMap((e) => (e.type === 'fill' && e.fill.clientOrderId === clientOrderId ? [e.fill.orderId] : [])));
      expect([...ids], `orders that filled with clientOrderId ${clientOrderId}`).toEqual([orderId]);
      assert(near(sum(s.fillsOf(orderId).map((f) => f.amount)), s.options.amount), `order ${orderId} must fill ${s.options.amount}, once`);
    }
    if (s.broker.capabilities.fetchByClientOrderId) {
      const order = await s.broker.fetchOrder({ symbol: s.symbol, clientOrderId });
      expect(order?.id, `fetchOrder({ clientOrderId: ${clientOrderId} })`).toBe(orderId);
    }
  },

  async 'positions.long-after-buy'(s) {
    const before = await s.signedPosition();
    const orderId = accepted(await s.submitMarket('buy', s.options.amount, { clientOrderId: s.clientOrderId('long') }), 'a market buy');
    const bought = sum((await s.filled(orderId, s.options.amount)).map((f) => f.amount));
    const position = (await s.broker.getPositions(s.symbol)).find((p) => p.symbol === s.symbol);
    assert(position !== undefined, `getPositions(${s.symbol}) after a filled buy must list ${s.symbol}`);
    assert(near(signed(position), before + bought), `position of ${s.symbol}: ${signed(position)}, expected ${before} + ${bought}`);
    if (before >= 0) expect(position.side, 'side after a buy').toBe('long');
    assert(
      Number.isFinite(position.entryPrice) && position.entryPrice > 0,
      `entryPrice must be finite and > 0, got ${position.entryPrice}`,
    );
    expect(
      (await s.broker.getPositions()).some((p) => p.symbol === s.symbol && p.side === position.side),
      'getPositions() without a symbol lists it too',
    ).toBe(true);
  },

  async 'positions.short-after-sell'(s) {
    const before = await s.signedPosition();
    const orderId = accepted(await s.submitMarket('sell', s.options.amount, { clientOrderId: s.clientOrderId('short') }), 'a market sell');
    const sold = sum((await s.filled(orderId, s.options.amount)).map((f) => f.amount));
    const position = (await s.broker.getPositions(s.symbol)).find((p) => p.symbol === s.symbol);
    assert(position !== undefined, `getPositions(${s.symbol}) after a filled sell must list ${s.symbol}`);
    assert(near(signed(position), before - sold), `position of ${s.symbol}: ${signed(position)}, expected ${before} - ${sold}`);
    if (before <= 0) expect(position.side, 'side after a sell from flat').toBe('short');
  },

  async 'orders.reduce-only'(s) {
    const before = await s.signedPosition();
    // The side that cannot reduce what is held: a buy unless the position is short.
    const side = before < 0 ? 'sell' : 'buy';
    const ack = await s.submitMarket(side, s.options.amount, { reduceOnly: true, clientOrderId: s.clientOrderId('reduce') });
    if (!ack.accepted) {
      rejectedInAck(ack, `a reduce-only ${side} that cannot reduce`);
    } else {
      const orderId = accepted(ack, `a reduce-only ${side}`);
      await s.advanceUntil(() => {
        const last = s.lastUpdateOf(orderId);
        return last !== undefined && isTerminal(last.status);
      }, `an order update ending the reduce-only ${side} ${orderId}`);
      expect(['rejected', 'canceled'], `status of the reduce-only ${side} that cannot reduce`).toContain(s.lastUpdateOf(orderId)?.status);
      expect(s.fillsOf(orderId), `fills of the reduce-only ${side} ${orderId}`).toEqual([]);
    }
    expect(await s.signedPosition(), 'position after the reduce-only order').toBe(before);
  },

  async 'orders.ioc'(s) {
    const clientOrderId = s.clientOrderId('ioc');
    const orderId = accepted(await s.submitRestingBuy(s.options.amount, { clientOrderId, timeInForce: 'IOC' }), 'an IOC limit buy');
    const ended = async () => {
      const fetched = await s.broker.fetchOrder({ symbol: s.symbol, orderId });
      return [fetched?.status, s.lastUpdateOf(orderId)?.status].some((status) => status !== undefined && isTerminal(status));
    };
    await s.advanceUntil(ended, `the end of the IOC order ${orderId}`);
    const order = (await s.broker.fetchOrder({ symbol: s.symbol, orderId })) ?? s.lastUpdateOf(orderId);
    expect(order, `the IOC order ${orderId} that could not fill`).toMatchObject({ status: 'canceled', filled: 0 });
    expect(
      (await s.broker.getOpenOrders(s.symbol)).some((o) => o.id === orderId),
      'the IOC order is still in getOpenOrders()',
    ).toBe(false);
  },
};
