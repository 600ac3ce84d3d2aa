import { type Fill, type StrategySpec, TradingController } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { journalOrderStore, journalPositions, recoverFromVenue } from '../src/index.js';
import { drive } from './support/drive.js';
import { scratch } from './support/journal.js';
import { RecoveryVenue } from './support/recovery-venue.js';

const s = scratch();
const SYMBOL = 'BTC/USDT';

describe('a restart: recovery, then the controller', () => {
  it('hands the missed fill to the strategy once, and close() sells what the bot bought, not the coins held before', async () => {
    // The run before the restart: an intent sent, killed before the answer; the venue filled it.
    const journal = s.open();
    const id = journal.recordIntent({ strategy: 'sma', symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.5 }).clientOrderId;
    journal.markSent(id);
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 0.5, fills: [0.5] });
    venue.balances = [{ currency: 'BTC', free: 2.5, used: 0, total: 2.5 }];

    const broker = journalPositions(venue, journal);
    const report = await drive(s.clock, recoverFromVenue({ journal, broker, symbols: [SYMBOL], clock: s.clock }));
    expect(report.positions).toEqual([{ symbol: SYMBOL, bot: 0.5, venue: 2.5, heldBefore: 2, ok: true }]);

    const seen: Fill[] = [];
    const sizes: number[] = [];
    const spec: StrategySpec = {
      id: 'sma',
      create: () => {
        let closed = false;
        return {
          async onTick(ctx) {
            sizes.push(ctx.position.size);
            if (closed || ctx.position.size === 0) return;
            closed = true;
            await ctx.orders.close();
          },
          onFill(fill) {
            seen.push(fill);
          },
        };
      },
    };
    venue.takesOrders = true;
    const controller = new TradingController({
      broker,
      clock: s.clock,
      pacing: { kind: 'live', pollIntervalMs: 1000, monitorIntervalMs: 1000 },
      symbols: [{ symbol: SYMBOL, timeframe: '1m', strategies: [spec] }],
      orderStore: journalOrderStore(journal),
    });
    await controller.initialize();
    expect(controller.replayFills(report.missedFills)).toBe(1);
    controller.start();
    for (let i = 0; i < 5; i++) await s.clock.advance(1000);
    await controller.stop();

    expect(seen.filter((f) => f.clientOrderId === id)).toHaveLength(1);
    expect(sizes[0]).toBe(0.5);
    expect(venue.submissions.map((r) => [r.side, r.amount])).toEqual([['sell', 0.5]]);
    expect(journal.netPosition(SYMBOL)).toBe(0);
    expect(venue.balances[0]?.total).toBe(2);
    // Every venue fill of the bot's orders is in the journal once.
    expect(journal.fills().map((f) => [f.venueOrderId, f.tradeId])).toEqual(venue.fills.map((f) => [f.orderId, f.id]));
  });
});
