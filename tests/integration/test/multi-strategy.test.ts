import type { Fill, StrategySpec } from '@bt/core';
import { BacktestController } from '@bt/core';
import { MemoryReplayBroker, makeBars } from '@bt/testkit';
import { describe, expect, it } from 'vitest';
import { barrierCoordinator } from './helpers/barrier-coordinator.js';
import { randomAwaits, seededRandom } from './helpers/random.js';

/** Several strategies on one symbol: fixed call order, fills routed to their owner, exits tagged. */
describe('multi-strategy orchestrator', () => {
  it('calls strategies in configured order every tick and routes each fill to the strategy that ordered it', async () => {
    const random = seededRandom(3);
    const calls: string[] = [];
    const fills: Record<string, Fill[]> = { first: [], second: [] };
    const spec = (id: 'first' | 'second', buyOnBar: number): StrategySpec => ({
      id,
      exits: id === 'second' ? { maxHoldingMs: 3 * 60_000 } : undefined,
      create: () => ({
        async onTick(ctx) {
          await randomAwaits(random);
          if (!ctx.isNewBar) return;
          calls.push(`${ctx.bars.length}:${id}`);
          if (ctx.bars.length === buyOnBar) await ctx.orders.buy(id === 'first' ? 1 : 2);
          if (id === 'first' && ctx.bars.length === 12) await ctx.orders.sell(1);
        },
        onFill(fill) {
          fills[id]?.push(fill);
        },
      }),
    });
    const broker = new MemoryReplayBroker({ bars: { XYZ: makeBars('XYZ', 0, 20) } });
    const backtest = new BacktestController({
      broker,
      timeController: barrierCoordinator(),
      symbols: [{ symbol: 'XYZ', timeframe: '1m', strategies: [spec('first', 2), spec('second', 4)] }],
    });
    await backtest.initialize();
    await backtest.run();

    for (let bar = 1; bar <= 20; bar++) expect(calls.filter((c) => c.startsWith(`${bar}:`))).toEqual([`${bar}:first`, `${bar}:second`]);
    expect(fills.first?.map((f) => [f.side, f.amount])).toEqual([
      ['buy', 1],
      ['sell', 1],
    ]);
    // The second strategy's 2 units were closed by the trade manager after the maximum holding time.
    expect(fills.second?.map((f) => [f.side, f.amount])).toEqual([
      ['buy', 2],
      ['sell', 2],
    ]);
    const journal = backtest.orders();
    expect(journal.map((o) => [o.clientOrderId, o.strategyId, o.source, o.reason ?? null])).toEqual([
      ['bt-0-1', 'first', 'strategy', null],
      ['bt-0-2', 'second', 'strategy', null],
      ['bt-0-3', 'second', 'trade-manager', 'max-holding-time'],
      ['bt-0-4', 'first', 'strategy', null],
    ]);
    const exit = fills.second?.[1] as Fill;
    const entry = fills.second?.[0] as Fill;
    expect(exit.timestamp - entry.timestamp).toBeGreaterThanOrEqual(3 * 60_000);
  });
});
