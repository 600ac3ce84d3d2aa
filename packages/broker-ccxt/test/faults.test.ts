import type { BrokerEvent, Fill, Strategy } from '@bt/core';
import { TradingController } from '@bt/core';
import type { FaultConfig } from '@bt/exchange-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtBrokerOptions } from '../src/index.js';
import type { CcxtBroker } from '../src/index.js';
import type { RecordingProxy, Venue } from './helpers.js';
import { closeOf, recordedBroker, startProxy, startVenue, SYMBOL, waitFor } from './helpers.js';

/** Buys 0.01 when flat and closes when long, once per new bar, with nothing pending. */
function flipper(seen: Fill[]): Strategy {
  return {
    async onTick(ctx) {
      if (!ctx.isNewBar || (await ctx.orders.openOrders()).length > 0) return;
      if (ctx.position.side === 'flat') await ctx.orders.buy(0.01);
      else await ctx.orders.close();
    },
    onFill(fill) {
      seen.push(fill);
    },
  };
}

/** Loops that sleep on the ManualClock while the bot idles: the emulator's bar timer, the broker's poll loop, the worker. */
const PARKED = 3;

interface Run {
  readonly venue: Venue;
  readonly proxy: RecordingProxy;
  readonly broker: CcxtBroker;
  readonly controller: TradingController;
  readonly events: BrokerEvent[];
  readonly strategyFills: Fill[];
  readonly records: ReturnType<typeof recordedBroker>['records'];
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/**
 * Runs the flipper through the TradingController (live pacing on the emulator's ManualClock) for
 * `bars` bars. Between wake-ups the driver waits, in wall time, for every loop to park on the
 * clock, then moves the clock to the next wake-up: retry backoffs, poll intervals and bar closes
 * all elapse on the one clock. `phase(run, barsDone)` arms faults as the run goes.
 */
async function runBot(options: {
  bars: number;
  broker?: Partial<CcxtBrokerOptions>;
  faults?: FaultConfig;
  phase?: (run: Run, step: number) => void;
}): Promise<Run> {
  const venue = await startVenue();
  const proxy = await startProxy(venue.emulator.url);
  const recorded = recordedBroker(
    venue.brokerOptions({
      urls: { rest: proxy.url, ws: `ws://127.0.0.1:${venue.emulator.port}` },
      pollIntervalMs: 15_000,
      ...options.broker,
    }),
  );
  const strategyFills: Fill[] = [];
  const controller = new TradingController({
    broker: recorded.broker,
    clock: venue.clock,
    symbols: [{ symbol: SYMBOL, timeframe: '1m', strategies: [{ id: 'flip', create: () => flipper(strategyFills), lookback: 20 }] }],
    pacing: { kind: 'live', pollIntervalMs: 30_000, backoff: { initialMs: 1_000, maxMs: 5_000 } },
    positionMonitor: false,
    logger: recorded.logger,
    runId: 'f',
  });
  const run: Run = { venue, proxy, broker: recorded.broker, controller, events: recorded.events, strategyFills, records: recorded.records };
  cleanup = async () => {
    await controller.stop();
    await recorded.broker.close();
    await proxy.close();
    await venue.close();
  };
  await venue.drive(controller.initialize());
  if (options.faults !== undefined) venue.emulator.control.setFaults(options.faults);
  controller.start();
  const end = closeOf(100 + options.bars) + 20_000;
  let step = 0;
  while (venue.clock.now() < end) {
    await waitFor(() => venue.clock.pendingSleeps >= PARKED, 30_000, 'every loop to park on the clock');
    options.phase?.(run, step++);
    await venue.clock.advanceTo(Math.min(end, venue.clock.nextWakeAt() ?? end));
  }
  await waitFor(() => venue.clock.pendingSleeps >= PARKED, 30_000, 'the last pass');
  await controller.stop();
  await recorded.broker.sync();
  return run;
}

/** The four promises of every fault test. */
async function expectHealthy(run: Run, options: { resentAfterConfirmedAbsence?: number } = {}): Promise<void> {
  const { controller, venue, proxy, broker, events } = run;
  // 1. The bot kept running: no failure, and it kept trading through the faults.
  expect(controller.failure).toBeUndefined();
  expect(controller.state).toBe('stopped');
  const journal = controller.orders();
  const accepted = journal.filter((e) => e.ack?.accepted === true).map((e) => e.clientOrderId);
  expect(accepted.length).toBeGreaterThanOrEqual(4);
  // 2. No duplicate order: the venue holds exactly the orders the bot had accepted, each once...
  const atVenue = venue.emulator.orders().map((o) => o.clientOrderId);
  expect([...atVenue].sort()).toEqual([...accepted].sort());
  // ...and ccxt posted each client order id once, except resends after the venue confirmed it had none.
  const posts = proxy.orderPosts();
  const resent = [...posts.values()].filter((n) => n > 1).length;
  expect(resent).toBe(options.resentAfterConfirmedAbsence ?? 0);
  expect(Math.max(...posts.values())).toBeLessThanOrEqual(2);
  // 3. No fill lost or repeated: the broker emitted exactly the venue's fills, and the strategy got each one.
  const fills = events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
  expect(fills.map((f) => [f.clientOrderId, f.amount, f.price])).toEqual(
    venue.emulator.fills().map((f) => [f.clientOrderId, f.amount, f.price]),
  );
  expect(new Set(fills.map((f) => f.id)).size).toBe(fills.length);
  expect(run.strategyFills.length).toBeGreaterThanOrEqual(fills.length - 1);
  // 4. The final position and balances match the venue's account.
  await broker.connect();
  const position = (await broker.getPositions(SYMBOL))[0];
  const venuePosition = venue.emulator.positions().find((p) => p.symbol === SYMBOL);
  expect(position?.size ?? 0).toBeCloseTo(venuePosition?.size ?? 0, 12);
  const balances = await broker.getBalances();
  for (const b of venue.emulator.balances()) {
    expect(balances.find((x) => x.currency === b.currency)?.total ?? 0).toBeCloseTo(b.total, 8);
  }
}

describe('fault tolerance against the emulator, with a TradingController running', () => {
  it('5xx: retries reads; after a 5xx on a new order it looks the order up and resends only when the venue has none', async () => {
    const armed = new Set<string>();
    const run = await runBot({
      bars: 8,
      faults: { serverError: { method: 'GET', path: '/api/v3/klines', count: 2, status: 502 } },
      phase: (r) => {
        const injected = r.venue.emulator.control.faults().injected.serverError;
        if (injected === 2 && !armed.has('lost')) {
          armed.add('lost');
          r.venue.emulator.control.setFaults({
            serverError: { method: 'POST', path: '/api/v3/order', count: 1, status: 503, execute: false },
          });
        }
        if (injected === 3 && !armed.has('executed')) {
          armed.add('executed');
          r.venue.emulator.control.setFaults({
            serverError: { method: 'POST', path: '/api/v3/order', count: 1, status: 500, execute: true },
          });
        }
      },
    });
    expect(run.venue.emulator.control.faults().injected.serverError).toBe(4);
    expect(run.records.filter((r) => r.message === 'fetchOHLCV failed; retrying')).toHaveLength(2);
    expect(run.records.filter((r) => r.message.startsWith('the venue does not have the order; resending'))).toHaveLength(1);
    expect(run.records.filter((r) => r.message.startsWith('order found by client order id after a failed submission'))).toHaveLength(1);
    await expectHealthy(run, { resentAfterConfirmedAbsence: 1 });
  }, 90_000);

  it('429 with Retry-After: waits at least as long as the venue asks, on the clock, and keeps trading', async () => {
    const run = await runBot({
      bars: 8,
      faults: { rateLimit: { method: 'GET', path: '/api/v3/klines', count: 2, retryAfterSeconds: 4 } },
      phase: (r) => {
        if (r.controller.orders().length === 2 && r.venue.emulator.control.faults().injected.rateLimit === 2) {
          r.venue.emulator.control.setFaults({ rateLimit: { method: 'POST', path: '/api/v3/order', count: 1, retryAfterSeconds: 3 } });
        }
      },
    });
    expect(run.venue.emulator.control.faults().injected.rateLimit).toBe(3);
    const waits = run.records.filter((r) => r.message === 'fetchOHLCV failed; retrying').map((r) => r.fields.delayMs as number);
    expect(waits).toHaveLength(2);
    for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(4_000);
    // The rate-limited order was refused before execution: looked up, absent, resent once.
    expect(run.records.filter((r) => r.message.startsWith('the venue does not have the order; resending'))).toHaveLength(1);
    await expectHealthy(run, { resentAfterConfirmedAbsence: 1 });
  }, 90_000);

  it('timeout that still executes (the duplicate-order trap): finds the order by client id and never resends it', async () => {
    const run = await runBot({
      bars: 8,
      broker: { timeoutMs: 800 },
      faults: { timeout: { method: 'POST', path: '/api/v3/order', count: 1, mode: 'hold' } },
      phase: (r) => {
        if (r.controller.orders().length === 3 && r.venue.emulator.control.faults().injected.timeout === 1) {
          r.venue.emulator.control.setFaults({ timeout: { method: 'POST', path: '/api/v3/order', count: 1, mode: 'drop' } });
        }
      },
    });
    expect(run.venue.emulator.control.faults().injected.timeout).toBe(2);
    expect(
      run.records.filter((r) => r.message.startsWith('order found by client order id after a failed submission; not resent')),
    ).toHaveLength(2);
    const failures = run.records.filter((r) => r.message.startsWith('order submission failed')).map((r) => r.fields.code);
    expect(failures).toEqual(['NETWORK', 'NETWORK']);
    await expectHealthy(run);
  }, 90_000);

  it('dropped WebSocket: falls back to polling, keeps getting closed bars, then resubscribes', async () => {
    let droppedAt: number | undefined;
    const bars: number[] = [];
    const run = await runBot({
      bars: 10,
      broker: { useWebSocket: true, timeframe: '1m' },
      phase: (r, step) => {
        const feed = r.broker.barFeeds()[0];
        if (feed?.mode === 'streaming' && droppedAt === undefined && r.controller.orders().length >= 2) {
          droppedAt = step;
          expect(r.venue.emulator.control.dropWebSockets()).toBeGreaterThan(0);
        }
        bars.push(r.venue.clock.now());
      },
    });
    expect(droppedAt).toBeDefined();
    const feed = run.broker.barFeeds()[0];
    expect(feed).toMatchObject({ symbol: SYMBOL, timeframe: '1m', mode: 'streaming' });
    expect(feed?.streamFailures).toBeGreaterThanOrEqual(1);
    expect(feed?.resubscriptions).toBeGreaterThanOrEqual(1);
    expect(run.records.some((r) => r.message.startsWith('bar stream failed; polling REST'))).toBe(true);
    expect(run.records.some((r) => r.message.startsWith('bar stream resubscribed'))).toBe(true);
    // Bars kept coming while the stream was down: the strategy traded on every bar after the drop too.
    const newest = (await run.broker.getBars(SYMBOL, '1m', 1)).closeTime(-1);
    expect(newest).toBe(closeOf(110));
    await expectHealthy(run);
  }, 90_000);

  it('rejected orders: a venue "no" is an ack with accepted: false, never resent, and the bot trades on', async () => {
    const run = await runBot({
      bars: 8,
      faults: { rejectOrders: { count: 1 } },
      phase: (r) => {
        if (r.controller.orders().length === 3 && r.venue.emulator.control.faults().injected.rejectOrders === 1) {
          r.venue.emulator.control.setFaults({
            rejectOrders: { count: 1, code: -2010, msg: 'Account has insufficient balance for requested action.' },
          });
        }
      },
    });
    const rejected = run.controller.orders().filter((e) => e.ack?.accepted === false);
    expect(rejected.map((e) => e.ack?.reason)).toEqual([
      expect.stringMatching(/Order was rejected/),
      expect.stringMatching(/insufficient balance/),
    ]);
    expect(run.controller.orders().filter((e) => e.error !== undefined)).toEqual([]);
    expect(run.records.filter((r) => r.message === 'order rejected by the venue').map((r) => r.fields.code)).toEqual([
      'INVALID_ORDER',
      'INSUFFICIENT_FUNDS',
    ]);
    for (const e of rejected) expect(run.proxy.orderPosts().get(e.clientOrderId)).toBe(1);
    await expectHealthy(run);
  }, 90_000);
});
