import type { BrokerCapabilities } from '@bt/core';
import { ArrayBarSeries, BtError, isBtError } from '@bt/core';
import type { RunnerTestSuite } from 'vitest';
import { describe, expect, it } from 'vitest';
import type { ConformanceCapabilities, ConformancePlan } from '../src/conformance/index.js';
import { MemoryReplayBroker, makeBars } from '../src/index.js';
import {
  describeBrokerConformance,
  formatConformancePlan,
  planBrokerConformance,
  replayDriver,
  replayFixture,
} from '../src/conformance/index.js';
import { SYMBOL, wrapMemoryBroker } from './conformance-helpers.js';

/** A venue that trades market orders only and declares nothing optional. */
const NARROW: BrokerCapabilities & ConformanceCapabilities = {
  orderTypes: ['market'],
  shorting: false,
  reduceOnly: false,
  ioc: false,
  fetchByClientOrderId: false,
  streamingBars: false,
  replay: true,
  fundsCheck: false,
  uniqueClientOrderIds: false,
};

/** Core's capabilities all declared, and neither of the suite's own flags (so they default to true). */
const FULL: BrokerCapabilities = {
  orderTypes: ['market', 'limit'],
  shorting: true,
  reduceOnly: true,
  ioc: true,
  fetchByClientOrderId: true,
  streamingBars: false,
  replay: true,
};

const EXPECTED_SKIPS = [
  ['orders.open-limit', 'needs order type limit'],
  ['orders.cancel', 'needs order type limit'],
  ['orders.fetch-by-client-id', 'needs capability fetchByClientOrderId'],
  ['rejects.off-precision', 'needs fixture offPrecisionAmount'],
  ['rejects.insufficient-funds', 'needs capability fundsCheck, fixture unaffordableAmount'],
  ['orders.client-id-idempotent', 'needs capability uniqueClientOrderIds'],
  ['positions.short-after-sell', 'needs capability shorting'],
  ['orders.reduce-only', 'needs capability reduceOnly'],
  ['orders.ioc', 'needs order type limit, capability ioc'],
] as const;

describe('a broker that declares fewer capabilities', () => {
  const reports: ConformancePlan[] = [];
  describeBrokerConformance({
    name: 'narrow',
    create: () => replayFixture(wrapMemoryBroker(NARROW)),
    symbol: SYMBOL,
    amount: 1,
    report: (plan) => reports.push(plan),
  });

  it('registers what it lacks with it.skip, the reason in the name, and runs the rest', ({ task }) => {
    const suite = task.suite?.tasks.find((t): t is RunnerTestSuite => t.type === 'suite' && t.name === 'Broker conformance: narrow');
    expect(suite).toBeDefined();
    const skipped = suite!.tasks.filter((t) => t.mode === 'skip');
    expect(skipped.map((t) => t.name)).toEqual(EXPECTED_SKIPS.map(([, reason]) => expect.stringContaining(`[skipped: ${reason}]`)));
    expect(skipped.every((t) => t.result === undefined || t.result.state === 'skip')).toBe(true);
    const ran = suite!.tasks.filter((t) => t.mode === 'run');
    expect(ran.length).toBe(27 - EXPECTED_SKIPS.length);
    expect(ran.map((t) => t.result?.state)).toEqual(ran.map(() => 'pass'));
  });

  it('hands the plan to report() after the run, listing every skipped case and every missing capability', () => {
    expect(reports).toHaveLength(1);
    const plan = reports[0]!;
    expect(plan.skipped.map((c) => [c.id, c.skip])).toEqual(EXPECTED_SKIPS.map(([id, reason]) => [id, reason]));
    expect(plan.missing).toEqual([
      'order type limit',
      'capability fetchByClientOrderId',
      'fixture offPrecisionAmount',
      'capability fundsCheck',
      'fixture unaffordableAmount',
      'capability uniqueClientOrderIds',
      'capability shorting',
      'capability reduceOnly',
      'capability ioc',
    ]);
    const text = formatConformancePlan(plan);
    expect(text.split('\n')[0]).toBe('Broker conformance of narrow: 27 cases, 18 run, 9 skipped');
    expect(text).toContain('skipped positions.short-after-sell: needs capability shorting');
  });
});

describe('planBrokerConformance', () => {
  const facts = { name: 'x', unaffordableAmount: 1e9, offPrecisionAmount: 0.5 };

  it('runs every case for a broker that declares everything but one order type, and a complete fixture', () => {
    const plan = planBrokerConformance(FULL, facts);
    expect(plan.skipped).toEqual([]);
    expect(plan.missing).toEqual([]);
    expect(plan.run).toHaveLength(27);
  });

  it('skips rejects.undeclared-type only for a broker that declares every order type', () => {
    const all = planBrokerConformance({ ...FULL, orderTypes: ['market', 'limit', 'stop', 'stop-limit'] }, facts);
    expect(all.skipped.map((c) => [c.id, c.skip])).toEqual([['rejects.undeclared-type', 'needs an order type it does not declare']]);
    expect(all.missing).toEqual(['an order type it does not declare']);
  });

  it('takes the flags core lacks from the options first, then from the broker, and defaults them to true', () => {
    const skippedIds = (capabilities: BrokerCapabilities & ConformanceCapabilities, declared?: ConformanceCapabilities) =>
      planBrokerConformance(capabilities, { ...facts, ...(declared === undefined ? {} : { capabilities: declared }) }).skipped.map(
        (c) => c.id,
      );
    expect(skippedIds(FULL)).toEqual([]);
    expect(skippedIds({ ...FULL, fundsCheck: false })).toEqual(['rejects.insufficient-funds']);
    expect(skippedIds({ ...FULL, fundsCheck: false }, { fundsCheck: true })).toEqual([]);
    expect(skippedIds(FULL, { uniqueClientOrderIds: false })).toEqual(['orders.client-id-idempotent']);
  });

  it('runs the order-type-agnostic cases with limit orders alone, and marks known failures', () => {
    const plan = planBrokerConformance({ ...FULL, orderTypes: ['limit'] }, { ...facts, knownFailures: { 'orders.cancel': 'bug #12' } });
    expect(plan.run.map((c) => c.id)).toEqual(
      expect.arrayContaining(['orders.open-limit', 'rejects.zero-amount', 'orders.client-id-idempotent', 'orders.fetch-by-client-id']),
    );
    expect(plan.skipped.map((c) => c.id)).toContain('events.fills');
    expect(plan.cases.find((c) => c.id === 'orders.cancel')?.knownFailure).toBe('bug #12');
    expect(formatConformancePlan(plan)).toContain('known failure orders.cancel: bug #12');
  });
});

describe('replayDriver', () => {
  it('advances every symbol one step per call and throws DATA once the replay has no data left', async () => {
    const broker = new MemoryReplayBroker({ bars: { A: makeBars('A', 0, 2), B: makeBars('B', 60_000, 2) } });
    const driver = replayDriver(broker);
    await driver.advance();
    expect(driver.now?.()).toBe(60_000);
    await driver.advance();
    await driver.advance();
    expect(driver.now?.()).toBe(180_000);
    expect((await broker.getBars('B', '1m', 10)).length).toBe(2);
    const error = await driver.advance().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBtError(error, 'DATA')).toBe(true);
  });
});

/**
 * One bug per case, each in a copy of MemoryReplayBroker: every listed case must fail (it.fails)
 * and every other case must still pass. This is what shows the suite's checks can fail.
 */
describe('a broker with bugs', () => {
  const bars = makeBars(SYMBOL, 0, 40);
  describeBrokerConformance({
    name: 'buggy',
    create: () =>
      replayFixture(
        wrapMemoryBroker(new MemoryReplayBroker({ bars: {} }).capabilities, (inner) => ({
          // Hands out the forming bar, whose close is in the future.
          getBars: async (symbol, timeframe, limit) => {
            const visible = bars.filter((b) => b.openTime <= inner.currentTime());
            return new ArrayBarSeries(symbol, timeframe, visible.slice(Math.max(0, visible.length - limit)));
          },
          getLatestPrice: async () => 0,
          getBalances: async () => [{ currency: 'USD', free: 100, used: 5, total: 100 }],
          // Forgets the client order id in the ack, and accepts an amount of 0.
          submitOrder: async (request) => {
            if (request.amount === 0) return { accepted: true, orderId: 'zero', status: 'open' };
            const { clientOrderId: _dropped, ...ack } = await inner.submitOrder(request);
            return ack;
          },
          // Unsubscribing does nothing.
          subscribe: (listener) => {
            inner.subscribe(listener);
            return () => undefined;
          },
          // Throws for an unknown order id instead of answering undefined.
          fetchOrder: async (ref) => {
            const order = await inner.fetchOrder(ref);
            if (order === undefined && 'orderId' in ref) throw new BtError('ORDER_NOT_FOUND', `no order ${ref.orderId}`);
            return order;
          },
          // Leaks a plain Error for an unknown order.
          cancelOrder: async (ref) => {
            try {
              return await inner.cancelOrder(ref);
            } catch {
              throw new Error('Unknown order sent.');
            }
          },
          getPositions: async () => [],
        })),
      ),
    symbol: SYMBOL,
    amount: 1,
    knownFailures: {
      'bars.closed-ascending-limited': 'hands out the forming bar',
      'price.latest': 'latest price 0',
      'balances.consistent': 'free + used != total',
      'orders.ack': 'clientOrderId not echoed',
      'events.unsubscribe': 'unsubscribe is a no-op',
      'orders.fetch-unknown': 'fetchOrder throws for an unknown id',
      'orders.cancel-unknown': 'plain Error instead of ORDER_NOT_FOUND',
      'rejects.zero-amount': 'accepts an amount of 0',
      'positions.long-after-buy': 'getPositions() is always empty',
      'positions.short-after-sell': 'getPositions() is always empty',
    },
    report: () => undefined,
  });
});
