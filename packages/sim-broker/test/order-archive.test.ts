import type { Order, OrderRequest } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { ClientIdIndex } from '../src/engine/client-id-index.js';
import { FillLog } from '../src/engine/fill-log.js';
import type { ArchivedOrder } from '../src/engine/order-archive.js';
import { OrderArchive } from '../src/engine/order-archive.js';
import { bars, simulate } from './helpers.js';

const order = (fields: Partial<OrderRequest>): OrderRequest => ({ symbol: 'X', side: 'buy', type: 'market', amount: 1, ...fields });

const archived = (fields: Partial<ArchivedOrder>): ArchivedOrder => ({
  m: 0,
  seq: 1,
  side: 'buy',
  type: 'market',
  timeInForce: 'GTC',
  amount: 1,
  price: undefined,
  stopPrice: undefined,
  reduceOnly: false,
  clientOrderId: undefined,
  tag: undefined,
  createdAt: 0,
  status: 'filled',
  reason: undefined,
  updatedAt: 0,
  filled: 1,
  remaining: 0,
  notional: 10,
  fills: 1,
  ...fields,
});

describe('OrderArchive', () => {
  it('gives back every field of every kind of order, in any write order, past its first growth', () => {
    const archive = new OrderArchive();
    const orders = [
      archived({ m: 3, seq: 7, clientOrderId: 'c-1', tag: 'sma', createdAt: 1.5e12, updatedAt: 1.5e12 + 60_000 }),
      archived({ side: 'sell', type: 'stop-limit', timeInForce: 'IOC', price: 9.5, stopPrice: 9.75, reduceOnly: true }),
      archived({ type: 'limit', price: 0.1, status: 'canceled', reason: 'canceled on request', filled: 0.5, remaining: 0.5, fills: 2 }),
      archived({
        type: 'stop',
        stopPrice: 12,
        status: 'rejected',
        reason: 'insufficient USD',
        filled: 0,
        remaining: 1,
        notional: 0,
        fills: 0,
      }),
    ];
    // Orders leave the book out of arrival order; numbers past 256 make the columns grow.
    const numbers = [300, 2, 0, 511];
    orders.forEach((o, i) => {
      archive.write(numbers[i] as number, o);
    });
    orders.forEach((o, i) => {
      expect(archive.read(numbers[i] as number, 'X:1', 'X')).toStrictEqual({ id: 'X:1', symbol: 'X', ...o });
    });
    expect(archive.clientOrderId(300)).toBe('c-1');
    expect(archive.tag(300)).toBe('sma');
    expect(archive.side(2)).toBe('sell');
    expect([archive.market(300), archive.sequence(300)]).toEqual([3, 7]);
  });
});

describe('FillLog', () => {
  it('keeps every execution in order, past its growth', () => {
    const log = new FillLog();
    for (let i = 0; i < 600; i++) log.push(i >> 1, (i & 1) + 1, i + 0.5, 100 + i, i / 1000, i % 3 === 0, 1e12 + i);
    expect(log.length).toBe(600);
    const read = (i: number) => ({
      k: log.orderOf(i),
      n: log.fillNumber(i),
      amount: log.amount(i),
      price: log.price(i),
      fee: log.fee(i),
      maker: log.maker(i),
      timestamp: log.timestamp(i),
    });
    expect(read(0)).toStrictEqual({ k: 0, n: 1, amount: 0.5, price: 100, fee: 0, maker: true, timestamp: 1e12 });
    expect(read(599)).toStrictEqual({ k: 299, n: 2, amount: 599.5, price: 699, fee: 0.599, maker: false, timestamp: 1e12 + 599 });
    expect(read(401)).toMatchObject({ k: 200, n: 2 });
  });
});

describe('the engine keeps orders and fills compactly, and gives back what it emitted', () => {
  it('results, fetches and cancels of archived orders equal the emitted fills and final order updates', async () => {
    const data = bars('X', [
      [10, 11, 9.5, 10.5, 100],
      [11, 12, 10, 11.5, 6],
      [10, 10.5, 9, 9.8, 0],
      [9, 9.6, 8.5, 9.2, 10],
      [9.5, 9.9, 9.1, 9.4, 10],
    ]);
    const sim = simulate([data], { volumeCap: 0.5, fees: { taker: 0.001, maker: 0.0005 } });
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 5, clientOrderId: 'big', tag: 'a' })); // fills 3, then 2 later
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.1, amount: 1, clientOrderId: 'dip', tag: 'b' })); // maker at b3
    await sim.broker.submitOrder(order({ amount: 1, reduceOnly: true, clientOrderId: 'ro' })); // rejected: would grow the long
    await sim.broker.submitOrder(order({ type: 'limit', price: 5, amount: 1, clientOrderId: 'never' })); // canceled below
    await sim.broker.submitOrder(order({ amount: 1, timeInForce: 'IOC' })); // no client id; IOC remainder canceled
    await sim.step(3);
    const cancel = await sim.broker.cancelOrder({ symbol: 'X', clientOrderId: 'never' });
    await sim.step();

    const results = await sim.broker.getResults();
    expect(results.fills.map((f) => [f.orderId, f.amount, f.price, f.maker])).toEqual([
      ['X:1', 3, 11, false],
      ['X:1', 2, 9, false],
      ['X:2', 1, 9, false],
    ]);
    expect(results.fills).toStrictEqual(sim.fills());
    // Each order as its last update showed it; an order never updated is still open.
    const lastUpdate = new Map<string, Order>();
    for (const update of sim.updates()) lastUpdate.set(update.id, update);
    expect(lastUpdate.size).toBe(5);
    expect(results.orders).toStrictEqual(results.orders.map((o) => lastUpdate.get(o.id)));
    expect(results.orders.map((o) => o.status)).toEqual(['filled', 'filled', 'rejected', 'canceled', 'canceled']);
    expect(cancel).toStrictEqual(lastUpdate.get('X:4'));
    // Archived orders are found by either id, and a second cancel changes nothing.
    for (const o of results.orders) {
      expect(await sim.broker.fetchOrder({ symbol: 'X', orderId: o.id })).toStrictEqual(o);
      if (o.clientOrderId !== undefined) {
        expect(await sim.broker.fetchOrder({ symbol: 'X', clientOrderId: o.clientOrderId })).toStrictEqual(o);
      }
    }
    expect(await sim.broker.cancelOrder({ symbol: 'X', orderId: 'X:1' })).toStrictEqual(lastUpdate.get('X:1'));
    // A client order id stays taken after its order left the book.
    expect(await sim.broker.submitOrder(order({ clientOrderId: 'big' }))).toMatchObject({
      accepted: false,
      reason: 'clientOrderId "big" is already used by order X:1',
    });
  });
});

describe('results taken mid-run', () => {
  it('keep the orders and fills of their moment, whenever they are first read', async () => {
    const data = bars('X', [
      [10, 11, 9.5, 10.5],
      [11, 12, 10, 11.5],
      [10, 10.5, 9, 9.8],
      [9, 9.6, 8.5, 9.2],
    ]);
    const sim = simulate([data]);
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 2, clientOrderId: 'now', tag: 'a' }));
    await sim.broker.submitOrder(order({ type: 'limit', price: 9.5, amount: 1, clientOrderId: 'dip', tag: 'b' }));
    await sim.step(); // "now" fills at bar 1's open; "dip" rests
    const early = await sim.broker.getResults();
    const eagerOrders = (await sim.broker.getResults()).orders;
    const eagerFills = (await sim.broker.getResults()).fills;
    await sim.broker.submitOrder(order({ side: 'sell', amount: 2, clientOrderId: 'later' }));
    await sim.step(2); // "dip" fills at bar 2; "later" fills at bar 2's open
    // Read only now: as they were when the results were taken.
    expect(early.orders).toStrictEqual(eagerOrders);
    expect(early.orders.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['now', 'filled'],
      ['dip', 'open'],
    ]);
    expect(early.fills).toStrictEqual(eagerFills);
    expect(early.fills.map((f) => f.clientOrderId)).toEqual(['now']);
    expect(early.ordersUnfilledAtEnd).toBe(1);
    expect(early.orders).toBe(early.orders);
    const late = await sim.broker.getResults();
    expect(late.orders.map((o) => o.status)).toEqual(['filled', 'filled', 'filled']);
    expect(late.fills).toStrictEqual(sim.fills());
    expect(late.ordersUnfilledAtEnd).toBe(0);
  });

  it('are frozen plain data: serialised, spread and compared with their orders and fills, in key order', async () => {
    const sim = simulate([
      bars('X', [
        [10, 11, 9, 10],
        [10, 11, 9, 10.5],
        [10.5, 11, 10, 10.8],
      ]),
    ]);
    await sim.step();
    await sim.broker.submitOrder(order({ amount: 1, clientOrderId: 'a' }));
    await sim.step(2);
    const results = await sim.broker.getResults();
    expect(Object.isFrozen(results)).toBe(true);
    expect(Object.keys(results).slice(11, 15)).toEqual(['positions', 'orders', 'fills', 'trades']);
    const copy = { ...results };
    expect(Object.getOwnPropertyDescriptor(copy, 'orders')?.value).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(results)).fills).toHaveLength(1);
    expect(structuredClone(results).orders[0]).toStrictEqual({ ...results.orders[0] });
    expect(results).toStrictEqual(copy);
  });
});

describe('ClientIdIndex', () => {
  it('finds every id it holds and no other, past several growths, like a Map', () => {
    const index = new ClientIdIndex();
    const reference = new Map<string, number>();
    // Gateway-like ids, long venue-like ids and ids that differ only in their last character.
    const ids = [
      ...Array.from({ length: 3000 }, (_, i) => `bt-${i % 50}-${Math.floor(i / 50) + 1}`),
      ...Array.from({ length: 500 }, (_, i) => `x-${i.toString(36).padStart(24, '0')}`),
      ...Array.from({ length: 100 }, (_, i) => `same-prefix-${String.fromCharCode(0x4e00 + i)}`),
      '',
    ];
    ids.forEach((id, k) => {
      expect(index.get(id)).toBeUndefined();
      index.add(id, k);
      reference.set(id, k);
    });
    expect(index.size).toBe(reference.size);
    for (const [id, k] of reference) expect(index.get(id)).toBe(k);
    for (const absent of ['bt-0-61', 'bt-50-1', 'x-', 'same-prefix-', 'BT-0-1']) expect(index.get(absent)).toBeUndefined();
  });
});
