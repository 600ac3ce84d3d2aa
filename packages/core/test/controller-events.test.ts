import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/manual-clock.js';
import type { Fill } from '../src/orders.js';
import { TradingController } from '../src/trading-controller.js';
import { LiveVenue } from './support/live-venue.js';

/** A live controller on a fake clock whose one strategy buys 1 at its first tick and records the fills it is handed. */
function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const venue = new LiveVenue(clock);
  const fills: Fill[] = [];
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
            create: () => {
              let bought = false;
              return {
                async onTick(ctx) {
                  if (bought) return;
                  bought = true;
                  await ctx.orders.buy(1);
                },
                onFill(fill) {
                  fills.push(fill);
                },
              };
            },
          },
        ],
      },
    ],
    runId: 'r',
  });
  return { clock, venue, controller, fills };
}

describe('fills reported twice', () => {
  it('reach the strategy and the trade manager once', async () => {
    const s = setup();
    await s.controller.initialize();
    s.controller.start();
    await s.clock.advance(0);
    const entry = s.venue.fills[0] as Fill;
    s.venue.emitFill(entry);
    s.venue.emitFill({ ...entry });
    await s.clock.advance(1000);
    expect(s.fills).toEqual([entry]);
    // A second fill of the same order with its own trade id is another fill.
    s.venue.emitFill({ ...entry, id: 'T-other', amount: 0.5 });
    await s.clock.advance(1000);
    expect(s.fills.map((f) => f.id)).toEqual(['T1', 'T-other']);
    await s.controller.stop();
  });
});
