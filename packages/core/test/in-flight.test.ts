import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/manual-clock.js';
import type { PendingOrder } from '../src/pending-orders.js';
import type { ExitRules, StrategyContext } from '../src/strategy.js';
import { TradingController } from '../src/trading-controller.js';
import { SlowVenue } from './support/slow-venue.js';

const T0 = 1_700_000_000_000;

/** What a strategy saw at one tick. */
interface Seen {
  readonly at: number;
  readonly size: number;
  readonly exposure: number;
  readonly pending: readonly PendingOrder[];
}

/**
 * A live controller on a fake clock, polling each second, over a venue that fills `fillDelayMs`
 * after its ack. Its one strategy buys 1 whenever `entry(ctx)` says so, and records what it saw.
 */
function setup(options: { fillDelayMs: number; parts?: number; entry: (ctx: StrategyContext) => boolean; exits?: ExitRules }) {
  const clock = new ManualClock(T0);
  const venue = new SlowVenue(clock, {
    fillDelayMs: options.fillDelayMs,
    ...(options.parts === undefined ? {} : { parts: options.parts }),
  });
  const seen: Seen[] = [];
  const controller = new TradingController({
    broker: venue,
    clock,
    pacing: { kind: 'live', pollIntervalMs: 1000, monitorIntervalMs: 1000 },
    symbols: [
      {
        symbol: 'BTC/USD',
        timeframe: '1m',
        strategies: [
          {
            id: 'buyer',
            ...(options.exits === undefined ? {} : { exits: options.exits }),
            create: () => ({
              async onTick(ctx) {
                seen.push({ at: clock.now() - T0, size: ctx.position.size, exposure: ctx.pendingExposure, pending: ctx.pendingOrders });
                if (options.entry(ctx)) await ctx.orders.buy(1);
              },
            }),
          },
        ],
      },
    ],
    runId: 'r',
  });
  return { clock, venue, controller, seen };
}

async function runSeconds(s: ReturnType<typeof setup>, seconds: number): Promise<void> {
  await s.controller.initialize();
  s.controller.start();
  await s.clock.advance(0);
  for (let i = 0; i < seconds; i++) await s.clock.advance(1000);
  await s.controller.stop();
}

const flatAndIdle = (ctx: StrategyContext): boolean => ctx.position.size === 0 && ctx.pendingExposure === 0;

describe('orders in flight, over a venue that fills seconds after the ack', () => {
  it('a strategy that buys when flat and idle enters once while its buy is in flight', async () => {
    const s = setup({ fillDelayMs: 3500, entry: flatAndIdle });
    await runSeconds(s, 8);
    expect(s.venue.submissions.map((r) => r.clientOrderId)).toEqual(['r-0-1']);
    // Flat with the buy in flight for three ticks, then long with nothing in flight.
    expect(s.seen.map((t) => [t.at, t.size, t.exposure])).toEqual([
      [0, 0, 0],
      [1000, 0, 1],
      [2000, 0, 1],
      [3000, 0, 1],
      [4000, 1, 0],
      [5000, 1, 0],
      [6000, 1, 0],
      [7000, 1, 0],
      [8000, 1, 0],
    ]);
    expect(s.seen[1]?.pending).toEqual([
      {
        clientOrderId: 'r-0-1',
        side: 'buy',
        type: 'market',
        amount: 1,
        filled: 0,
        price: undefined,
        stopPrice: undefined,
        source: 'strategy',
        status: 'open',
        submittedAt: T0,
      },
    ]);
    expect(s.seen[4]?.pending).toEqual([]);
  });

  it('without the in-flight check, the same strategy enters again at every tick until the fill', async () => {
    const s = setup({ fillDelayMs: 3500, entry: (ctx) => ctx.position.size === 0 });
    await runSeconds(s, 8);
    expect(s.venue.submissions).toHaveLength(4);
    expect(s.seen.at(-1)?.size).toBe(4);
  });

  it('a partial fill leaves the rest in flight: no second entry while part of the position is on its way', async () => {
    const s = setup({ fillDelayMs: 2000, parts: 2, entry: (ctx) => ctx.position.size < 1 && ctx.pendingExposure === 0 });
    await runSeconds(s, 6);
    expect(s.venue.submissions).toHaveLength(1);
    expect(s.seen.map((t) => [t.size, t.exposure])).toEqual([
      [0, 0],
      [0, 1],
      [0.5, 0.5],
      [0.5, 0.5],
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    expect(s.seen[2]?.pending[0]).toMatchObject({ filled: 0.5, status: 'open' });
  });

  it("shows the trade manager's exit in flight as the strategy's negative exposure", async () => {
    const s = setup({ fillDelayMs: 2500, entry: flatAndIdle, exits: { maxHoldingMs: 500 } });
    await runSeconds(s, 9);
    const exiting = s.seen.filter((t) => t.exposure < 0);
    expect(exiting.length).toBeGreaterThan(0);
    for (const t of exiting) {
      expect(t.size).toBe(1);
      expect(t.exposure).toBe(-1);
      expect(t.pending).toMatchObject([{ side: 'sell', source: 'trade-manager', amount: 1 }]);
    }
    // One entry, one exit, then (flat and idle again) the next entry.
    expect(s.venue.submissions.map((r) => `${r.side}${r.reduceOnly === true ? ' reduce-only' : ''}`).slice(0, 3)).toEqual([
      'buy',
      'sell reduce-only',
      'buy',
    ]);
  });
});
