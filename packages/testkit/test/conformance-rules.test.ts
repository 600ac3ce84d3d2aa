import { ArrayBarSeries, BtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { planBrokerConformance, runConformanceCase } from '../src/conformance/index.js';
import type { PlantedBugRow } from './planted-bugs.js';
import { MEMORY, plantedOptions, SIM } from './planted-bugs.js';
import { EVENT_BUGS } from './planted-event-bugs.js';

/**
 * Every rule the conformance suite checks, broken on purpose: each row plants one bug in a
 * correct broker and runs the case of that rule, which must fail with the row's message. The same
 * case on the same broker without the bug (the control) must pass, so it is the bug that fails it.
 * The rows of the events.* cases are in planted-event-bugs.ts.
 */
const ROWS: readonly PlantedBugRow[] = [
  {
    id: 'lifecycle.connect-idempotent',
    bug: 'connect() a second time throws',
    base: MEMORY,
    plant: {
      methods: (inner) => {
        let connected = false;
        return {
          connect: async () => {
            if (connected) throw new BtError('STATE', 'connect(): already connected');
            connected = true;
            await inner.connect();
          },
        };
      },
    },
    message: /already connected/,
  },
  {
    id: 'lifecycle.close-idempotent',
    bug: 'close() a second time throws',
    base: MEMORY,
    plant: {
      methods: (inner) => {
        let closed = false;
        return {
          close: async () => {
            if (closed) throw new BtError('STATE', 'close(): already closed');
            closed = true;
            await inner.close();
          },
        };
      },
    },
    message: /already closed/,
  },
  {
    id: 'markets.fixture-symbol',
    bug: 'getMarkets() lists every market twice',
    base: MEMORY,
    plant: { methods: (inner) => ({ getMarkets: async () => [...(await inner.getMarkets()), ...(await inner.getMarkets())] }) },
    message: /must not repeat a symbol/,
  },
  {
    id: 'bars.closed-ascending-limited',
    bug: 'getBars() hands out the forming bar too',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        getBars: async (symbol, timeframe, limit) => {
          const closed = await inner.getBars(symbol, timeframe, limit);
          const last = closed.toArray().at(-1);
          if (last === undefined) return closed;
          const forming = { ...last, openTime: last.closeTime, closeTime: last.closeTime + 60_000 };
          return new ArrayBarSeries(symbol, timeframe, [...closed.toArray().slice(1), forming]);
        },
      }),
    },
    message: /must have closed by now/,
  },
  {
    id: 'price.latest',
    bug: 'getLatestPrice() answers 0',
    base: MEMORY,
    plant: { methods: () => ({ getLatestPrice: async () => 0 }) },
    message: /must be finite and > 0, got 0/,
  },
  {
    id: 'balances.consistent',
    bug: 'a balance whose free + used is not its total',
    base: MEMORY,
    plant: { methods: () => ({ getBalances: async () => [{ currency: 'USD', free: 100, used: 5, total: 100 }] }) },
    message: /must equal total/,
  },
  {
    id: 'orders.ack',
    bug: 'the ack drops the clientOrderId',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        submitOrder: async (request) => {
          const { clientOrderId: _dropped, ...ack } = await inner.submitOrder(request);
          return ack;
        },
      }),
    },
    message: /echoes the clientOrderId/,
  },
  {
    id: 'orders.open-limit',
    bug: 'getOpenOrders() is always empty',
    base: SIM,
    plant: { methods: () => ({ getOpenOrders: async () => [] }) },
    message: /must list/,
  },
  {
    id: 'orders.cancel',
    bug: 'cancelOrder() answers "canceled" but leaves the order open',
    base: SIM,
    plant: {
      methods: (inner) => ({
        cancelOrder: async (ref) => {
          const order = await inner.fetchOrder(ref);
          if (order === undefined) throw new BtError('ORDER_NOT_FOUND', 'no such order');
          return { ...order, status: 'canceled' };
        },
      }),
    },
    message: /still in getOpenOrders/,
  },
  {
    id: 'orders.fetch-unknown',
    bug: 'fetchOrder() of an unknown order throws',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        fetchOrder: async (ref) => {
          const order = await inner.fetchOrder(ref);
          if (order === undefined) throw new BtError('ORDER_NOT_FOUND', 'no such order');
          return order;
        },
      }),
    },
    message: /fetchOrder of the unknown id .* must resolve to undefined, but it threw BtError: no such order/,
  },
  {
    id: 'orders.cancel-unknown',
    bug: 'cancelOrder() of an unknown order throws a plain Error',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        cancelOrder: (ref) =>
          inner.cancelOrder(ref).catch(() => {
            throw new Error('Unknown order sent.');
          }),
      }),
    },
    message: /must throw BtError ORDER_NOT_FOUND, got Error: Unknown order sent/,
  },
  {
    id: 'orders.fetch-by-client-id',
    bug: 'fetchOrder() by clientOrderId finds nothing',
    base: MEMORY,
    plant: { methods: (inner) => ({ fetchOrder: async (ref) => ('clientOrderId' in ref ? undefined : inner.fetchOrder(ref)) }) },
    message: /fetchOrder\(\{ clientOrderId: /,
  },
  {
    id: 'rejects.zero-amount',
    bug: 'an amount of 0 is accepted',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        submitOrder: async (request) =>
          request.amount === 0 ? { accepted: true, orderId: 'zero', status: 'open' } : inner.submitOrder(request),
      }),
    },
    message: /must be rejected in the ack/,
  },
  {
    id: 'rejects.negative-amount',
    bug: 'a negative amount throws instead of being rejected in the ack',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        submitOrder: async (request) => {
          if (request.amount < 0) throw new BtError('INVALID_ORDER', `negative amount ${request.amount}`);
          return inner.submitOrder(request);
        },
      }),
    },
    message: /negative amount/,
  },
  {
    id: 'rejects.off-precision',
    bug: "an amount off the market's precision is rounded and sent",
    base: SIM,
    plant: {
      methods: (inner) => ({
        submitOrder: (request) => inner.submitOrder({ ...request, amount: Math.round(request.amount * 1000) / 1000 }),
      }),
    },
    message: /must be rejected in the ack/,
  },
  {
    id: 'rejects.insufficient-funds',
    bug: 'an unaffordable order is shrunk to what the account can pay',
    base: SIM,
    plant: {
      methods: (inner) => ({ submitOrder: (request) => inner.submitOrder({ ...request, amount: Math.min(request.amount, 0.01) }) }),
    },
    message: /must end rejected|must be rejected/,
  },
  {
    id: 'rejects.undeclared-type',
    bug: 'an order type the broker does not declare is sent as a market order',
    base: MEMORY,
    plant: { methods: (inner) => ({ submitOrder: (request) => inner.submitOrder({ ...request, type: 'market' }) }) },
    message: /must be rejected in the ack/,
  },
  {
    id: 'orders.client-id-idempotent',
    bug: 'a submission refused as a duplicate is sent again under a fresh client order id',
    base: SIM,
    plant: {
      methods: (inner) => {
        let resent = 0;
        return {
          submitOrder: async (request) => {
            const ack = await inner.submitOrder(request);
            if (ack.accepted) return ack;
            resent++;
            return inner.submitOrder({ ...request, clientOrderId: `${request.clientOrderId}r${resent}` });
          },
        };
      },
    },
    message: /must return the same order/,
  },
  {
    id: 'positions.long-after-buy',
    bug: 'getPositions() is always empty',
    base: MEMORY,
    plant: { methods: () => ({ getPositions: async () => [] }) },
    message: /after a filled buy must list/,
  },
  {
    id: 'positions.short-after-sell',
    bug: 'a short position is reported as long',
    base: MEMORY,
    plant: {
      methods: (inner) => ({
        getPositions: async (symbol) => (await inner.getPositions(symbol)).map((p) => (p.side === 'short' ? { ...p, side: 'long' } : p)),
      }),
    },
    message: /expected 0 - 1/,
  },
  {
    id: 'orders.reduce-only',
    bug: 'the reduceOnly flag is dropped',
    base: SIM,
    plant: { methods: (inner) => ({ submitOrder: ({ reduceOnly: _dropped, ...request }) => inner.submitOrder(request) }) },
    message: /reduce-only buy/,
  },
  {
    id: 'orders.ioc',
    bug: 'the IOC time in force is dropped',
    base: SIM,
    plant: { methods: (inner) => ({ submitOrder: ({ timeInForce: _dropped, ...request }) => inner.submitOrder(request) }) },
    message: /the end of the IOC order/,
  },
];

describe('each rule of the conformance suite, broken on purpose, fails its case', () => {
  it('plants a bug for every case', () => {
    const every = planBrokerConformance(MEMORY.make().capabilities, { name: 'all' }).cases.map((c) => c.id);
    expect([...new Set([...ROWS, ...EVENT_BUGS].map((r) => r.id))].sort()).toEqual([...every].sort());
  });

  for (const row of [...ROWS, ...EVENT_BUGS]) {
    it(`${row.id} fails when ${row.bug} (${row.base.name})`, async () => {
      const buggy = plantedOptions(row.base, row.plant);
      const plan = planBrokerConformance(row.base.make().capabilities, buggy);
      expect(
        plan.run.map((c) => c.id),
        `the suite runs ${row.id} for ${row.base.name}`,
      ).toContain(row.id);
      await expect(runConformanceCase(plantedOptions(row.base), row.id), 'the control, without the bug').resolves.toBeUndefined();
      await expect(runConformanceCase(buggy, row.id)).rejects.toThrow(row.message);
    });
  }
});
