import type { Fill, Strategy } from '@bt/core';
import { TradingController } from '@bt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeOf, MINUTE, recordedBroker, startProxy, startVenue, SYMBOL, waitFor } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Buys 0.01 once; the trade manager's max-holding exit closes it. */
function buyOnce(fills: Fill[]): Strategy {
  let bought = false;
  return {
    async onTick(ctx) {
      if (bought || !ctx.isNewBar) return;
      bought = true;
      await ctx.orders.buy(0.01);
    },
    onFill(fill) {
      fills.push(fill);
    },
  };
}

/** Loops parked on the clock while the bot idles: the emulator's bar timer, the broker's poll loop, the worker, the position monitor. */
const PARKED = 4;

describe('an exit through a venue outage (real ccxt, the emulator, a TradingController)', () => {
  it('five non-executed 503s on the exit’s POST /order: the exit is retried with backoff, placed after the outage, and fills once', async () => {
    const venue = await startVenue();
    const proxy = await startProxy(venue.emulator.url);
    const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url }, pollIntervalMs: 15_000 }));
    const fills: Fill[] = [];
    const controller = new TradingController({
      broker: recorded.broker,
      clock: venue.clock,
      symbols: [
        {
          symbol: SYMBOL,
          timeframe: '1m',
          strategies: [{ id: 'once', create: () => buyOnce(fills), exits: { maxHoldingMs: 2 * MINUTE } }],
        },
      ],
      pacing: { kind: 'live', pollIntervalMs: 30_000, monitorIntervalMs: 30_000, backoff: { initialMs: 1_000, maxMs: 8_000 } },
      logger: recorded.logger,
      runId: 'x',
    });
    cleanup = async () => {
      await controller.stop();
      await recorded.broker.close();
      await proxy.close();
      await venue.close();
    };
    await venue.drive(controller.initialize());
    controller.start();
    const end = closeOf(112);
    let armed = false;
    while (venue.clock.now() < end) {
      await waitFor(() => venue.clock.pendingSleeps >= PARKED, 30_000, 'every loop to park on the clock');
      // Once the entry has filled, the venue answers the next five order posts 503 without executing them.
      if (!armed && fills.length > 0) {
        venue.emulator.control.setFaults({ serverError: { method: 'POST', path: '/api/v3/order', count: 5, status: 503 } });
        armed = true;
      }
      await venue.clock.advanceTo(Math.min(end, venue.clock.nextWakeAt() ?? end));
    }
    await waitFor(() => venue.clock.pendingSleeps >= PARKED, 30_000, 'the last pass');
    await controller.stop();
    expect(controller.failure).toBeUndefined();
    expect(armed).toBe(true);
    // Every 503 was taken by an exit attempt: the outage happened, and the exit outlived it.
    const sells = proxy.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/order' && r.params.get('side') === 'SELL');
    expect(sells.length).toBeGreaterThan(5);
    const exits = controller.orders().filter((e) => e.source === 'trade-manager');
    expect(exits.length).toBeGreaterThanOrEqual(1);
    // At the venue: the entry and one exit, each once, both filled; the position is gone.
    const atVenue = venue.emulator.orders();
    expect(atVenue.map((o) => [o.side, o.status])).toEqual([
      ['buy', 'filled'],
      ['sell', 'filled'],
    ]);
    expect(new Set(atVenue.map((o) => o.clientOrderId)).size).toBe(2);
    expect(venue.emulator.positions().find((p) => p.symbol === SYMBOL)?.size ?? 0).toBeCloseTo(0, 12);
    expect(fills.map((f) => f.side)).toEqual(['buy', 'sell']);
  }, 120_000);
});
