import { describe, expect, it } from 'vitest';
import type { Fill, Order, OrderRequest } from '../src/orders.js';
import { PendingOrderBook } from '../src/pending-orders.js';

function request(clientOrderId: string, side: 'buy' | 'sell', amount: number, price?: number): OrderRequest {
  return {
    symbol: 'BTC/USD',
    side,
    type: price === undefined ? 'market' : 'limit',
    amount,
    ...(price === undefined ? {} : { price }),
    clientOrderId,
    tag: 's',
  };
}

function fill(clientOrderId: string, amount: number): Fill {
  return {
    id: `T-${clientOrderId}-${amount}`,
    orderId: `V-${clientOrderId}`,
    clientOrderId,
    symbol: 'BTC/USD',
    side: 'buy',
    amount,
    price: 100,
    fee: 0,
    feeCurrency: 'USD',
    maker: false,
    timestamp: 0,
  };
}

function order(clientOrderId: string, status: Order['status'], filled: number, amount = 1): Order {
  return {
    id: `V-${clientOrderId}`,
    clientOrderId,
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'market',
    timeInForce: 'GTC',
    amount,
    reduceOnly: false,
    status,
    filled,
    remaining: amount - filled,
    createdAt: 0,
    updatedAt: 0,
  };
}

const OPEN = { accepted: true, orderId: 'V', status: 'open' } as const;

describe('PendingOrderBook', () => {
  it('keeps an order from its send to the fills that cover it, with its signed exposure', () => {
    const book = new PendingOrderBook();
    const mine = book.of('BTC/USD', 's');
    const empty = mine.orders;
    expect(empty).toEqual([]);
    expect(mine.exposure).toBe(0);

    book.sent(request('a', 'buy', 1), 's', 'strategy', 5);
    book.sent(request('b', 'sell', 0.25, 120), 's', 'trade-manager', 6);
    expect(mine.exposure).toBe(0.75);
    expect(mine.orders).toEqual([
      {
        clientOrderId: 'a',
        side: 'buy',
        type: 'market',
        amount: 1,
        filled: 0,
        price: undefined,
        stopPrice: undefined,
        source: 'strategy',
        status: 'sending',
        submittedAt: 5,
      },
      expect.objectContaining({ clientOrderId: 'b', side: 'sell', type: 'limit', price: 120, source: 'trade-manager' }),
    ]);
    // Read twice without a change: the same frozen array.
    expect(mine.orders).toBe(mine.orders);
    expect(Object.isFrozen(mine.orders)).toBe(true);

    book.answered('a', { ...OPEN, clientOrderId: 'a' });
    book.filled('a', fill('a', 0.4));
    expect(mine.orders[0]).toMatchObject({ clientOrderId: 'a', status: 'open', filled: 0.4 });
    expect(mine.exposure).toBeCloseTo(0.6 - 0.25, 12);

    book.filled('a', fill('a', 0.6));
    book.answered('b', { accepted: false, status: 'rejected', reason: 'no' });
    expect(book.size).toBe(0);
    expect(mine.exposure).toBe(0);
    // Nothing in flight again: the shared empty array, as before the first order.
    expect(mine.orders).toBe(empty);
  });

  it("keeps other strategies' orders apart", () => {
    const book = new PendingOrderBook();
    book.sent(request('a', 'buy', 1), 'other', 'strategy', 0);
    expect(book.of('BTC/USD', 's').exposure).toBe(0);
    expect(book.of('BTC/USD', 'other').exposure).toBe(1);
    expect(book.of('ETH/USD', 'other').orders).toEqual([]);
  });

  it('ends an order on rejection, cancellation or proof of absence; keeps one of unknown outcome', () => {
    const book = new PendingOrderBook();
    const mine = book.of('BTC/USD', 's');
    for (const id of ['rejected', 'canceled', 'unknown', 'absent', 'refused']) book.sent(request(id, 'buy', 1), 's', 'strategy', 0);
    book.failed('refused', 'rejected');
    book.updated(order('rejected', 'rejected', 0));
    book.updated(order('canceled', 'canceled', 0));
    book.failed('unknown', 'unknown');
    book.failed('absent', 'unknown');
    expect(mine.orders.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['unknown', 'unknown'],
      ['absent', 'unknown'],
    ]);
    book.absent('absent');
    // A look-up that finds it open: in flight, open.
    book.updated(order('unknown', 'open', 0));
    expect(mine.orders.map((o) => [o.clientOrderId, o.status])).toEqual([['unknown', 'open']]);
  });

  it("a canceled order's exposure ends with it, partial fills included", () => {
    const book = new PendingOrderBook();
    const mine = book.of('BTC/USD', 's');
    book.sent(request('a', 'buy', 1), 's', 'strategy', 0);
    book.filled('a', fill('a', 0.3));
    book.updated(order('a', 'canceled', 0.3));
    expect(mine.exposure).toBe(0);
  });

  it('ends a "filled" order when its fills reach what the venue filled, not before', () => {
    const book = new PendingOrderBook();
    const mine = book.of('BTC/USD', 's');
    // The venue rounded 0.1234567 to 0.123456 and says filled before its fill arrives.
    book.sent(request('a', 'buy', 0.1234567), 's', 'strategy', 0);
    book.answered('a', { accepted: true, orderId: 'V-a', status: 'filled', clientOrderId: 'a' });
    book.updated(order('a', 'filled', 0.123456, 0.123456));
    expect(mine.exposure).toBeCloseTo(0.1234567, 12);
    book.filled('a', fill('a', 0.123456));
    expect(mine.orders).toEqual([]);
    expect(mine.exposure).toBe(0);
  });

  it('ignores reports of orders it does not hold', () => {
    const book = new PendingOrderBook();
    book.filled('nope', fill('nope', 1));
    book.updated(order('nope', 'filled', 1));
    book.answered(undefined, OPEN);
    expect(book.size).toBe(0);
  });
});
