import type { Fill } from '@bt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadExchange } from '../src/exchange.js';
import { fetchAccountFills } from '../src/fills.js';
import { resolveOptions } from '../src/options.js';
import type { Venue } from './helpers.js';
import { closeOf, recordedBroker, startVenue, SYMBOL } from './helpers.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

type Recorded = ReturnType<typeof recordedBroker>;

async function open(venue: Venue): Promise<Recorded> {
  const recorded = recordedBroker(venue.brokerOptions());
  cleanup.push(() => recorded.broker.close());
  await venue.drive(recorded.broker.connect());
  return recorded;
}

/** Market orders, one per bar from bar 100, alternating buy and sell, each filled at its bar's close. */
async function trade(venue: Venue, recorded: Recorded, ids: readonly string[], firstBar = 100): Promise<void> {
  for (const [i, clientOrderId] of ids.entries()) {
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const ack = await recorded.broker.submitOrder({ symbol: SYMBOL, side, type: 'market', amount: 0.01, clientOrderId });
    expect(ack.accepted).toBe(true);
    await venue.clock.advanceTo(closeOf(firstBar + i) + 1_000);
    venue.emulator.control.sync();
    await recorded.broker.sync();
  }
}

/** What the venue's REST answers and the engine's own record share. */
const content = (f: Fill) => [f.clientOrderId, f.side, f.amount, f.price];
/** Everything the venue's REST answers of a fill. */
const identity = (f: Fill) => [f.id, f.orderId, f.clientOrderId, f.side, f.amount, f.price, f.timestamp];

describe('fetchFills: the account’s fills since a time, from the venue', () => {
  it('returns every fill at or after `since`, oldest first, with trade id, order id and client order id', async () => {
    const venue = await startVenue();
    cleanup.push(() => venue.close());
    const recorded = await open(venue);
    await trade(venue, recorded, ['f-1', 'f-2', 'f-3', 'f-4']);
    expect(venue.emulator.fills()).toHaveLength(4);
    // The fills the broker emitted as they happened: the venue's own ids and times.
    const emitted = recorded.fills();
    expect(emitted.map(content)).toEqual(venue.emulator.fills().map(content));
    const all = await recorded.broker.fetchFills(SYMBOL, 0);
    // Trade id, order id, client order id and execution time are the venue's own.
    expect(all.map(identity)).toEqual(venue.emulator.trades().map(identity));
    expect(all.map(identity)).toEqual(emitted.map(identity));
    expect(new Set(all.map((f) => f.id)).size).toBe(4);
    expect(all.map((f) => f.clientOrderId)).toEqual(['f-1', 'f-2', 'f-3', 'f-4']);
    const since = emitted[2]?.timestamp as number;
    expect((await recorded.broker.fetchFills(SYMBOL, since)).map(identity)).toEqual(emitted.slice(2).map(identity));
    expect(await recorded.broker.fetchFills(SYMBOL, (emitted[3]?.timestamp as number) + 1)).toEqual([]);
    // A broker that sent none of them (a restart) reads the client order ids from the venue.
    const fresh = await open(venue);
    expect((await fresh.broker.fetchFills(SYMBOL, 0)).map(identity)).toEqual(emitted.map(identity));
    // A query: nothing is emitted.
    expect(fresh.fills()).toEqual([]);
    await expect(recorded.broker.fetchFills(SYMBOL, Number.NaN)).rejects.toMatchObject({ code: 'CONFIG', message: /since/ });
    await expect(recorded.broker.fetchFills('ETH/USDT', 0)).rejects.toMatchObject({ code: 'DATA' });
  }, 60_000);

  it('pages through the history until it is exhausted (by fromId on Binance, by time elsewhere)', async () => {
    const venue = await startVenue();
    cleanup.push(() => venue.close());
    const recorded = await open(venue);
    await trade(venue, recorded, ['p-1', 'p-2', 'p-3', 'p-4', 'p-5']);
    const { exchange } = await loadExchange(resolveOptions(venue.brokerOptions(), {}));
    cleanup.push(() => exchange.close());
    await exchange.loadMarkets();
    for (const pagesById of [true, false]) {
      const calls: Array<[number | undefined, Readonly<Record<string, unknown>>]> = [];
      const fills = await fetchAccountFills(
        {
          quote: 'USDT',
          pagesById,
          pageSize: 2,
          myTrades: (since, limit, params) => {
            calls.push([since, params]);
            return exchange.fetchMyTrades(SYMBOL, since, limit, { ...params });
          },
          intentOf: () => undefined,
          clientOrderIdOf: async (orderId) => (await exchange.fetchOrder(orderId, SYMBOL)).clientOrderId ?? undefined,
        },
        SYMBOL,
        0,
      );
      expect(fills.map(identity)).toEqual(venue.emulator.trades().map(identity));
      expect(fills.map(content)).toEqual(venue.emulator.fills().map(content));
      expect(calls.length).toBeGreaterThanOrEqual(3);
      if (pagesById) expect(calls.slice(1).every(([since, params]) => since === undefined && typeof params.fromId === 'number')).toBe(true);
      else expect(calls.slice(1).every(([since]) => typeof since === 'number')).toBe(true);
    }
  }, 60_000);
});

describe('fills are known by identity (trade id, order id and client order id), not by venue id alone', () => {
  it('an exchange restart whose ids start again at 1 loses no fill, and a fill seen twice is emitted once', async () => {
    const first = await startVenue();
    const port = first.emulator.port;
    let second: Venue | undefined;
    cleanup.push(async () => {
      await second?.close();
      await first.close();
    });
    const recorded = recordedBroker(first.brokerOptions());
    cleanup.push(() => recorded.broker.close());
    await first.drive(recorded.broker.connect());
    await trade(first, recorded, ['r-1']);
    const before = first.emulator.fills();
    expect(before).toHaveLength(1);
    // The exchange restarts on the same port with a fresh book: its order and trade ids start again.
    await recorded.broker.close();
    await first.close();
    second = await startVenue({ port, clock: first.clock });
    await first.drive(recorded.broker.connect());
    await trade(first, recorded, ['r-2'], 101);
    const after = second.emulator.fills();
    expect(after).toHaveLength(1);
    for (let i = 0; i < 3; i++) await recorded.broker.sync();
    const emitted = recorded.fills();
    expect(emitted.map(content)).toEqual([...before, ...after].map(content));
    // Both fills carry the venue's trade id 1 of order 1: told apart by their client order ids.
    expect(emitted.map(identity)).toEqual([...first.emulator.trades(), ...second.emulator.trades()].map(identity));
    expect(emitted.map((f) => [f.id, f.orderId, f.clientOrderId])).toEqual([
      ['1', '1', 'r-1'],
      ['1', '1', 'r-2'],
    ]);
  }, 60_000);
});
