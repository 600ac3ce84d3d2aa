import type { RunnableStepCoordinator, Strategy, SymbolConfig } from '@bt/core';
import { BacktestController, Barrier, POSITION_MONITOR } from '@bt/core';
import { describe, expect, it } from 'vitest';
import type { SimulationResults } from '../src/index.js';
import { SimulatedBroker, toStableJson, tradesCsv } from '../src/index.js';
import type { BarTuple } from './helpers.js';
import { bars } from './helpers.js';

/** core's Barrier as a RunnableStepCoordinator: the smallest time controller a backtest can run on. */
class BarrierCoordinator implements RunnableStepCoordinator {
  readonly #barrier: Barrier;

  constructor(participants: readonly string[]) {
    this.#barrier = new Barrier(participants);
  }

  waitForNextStep(participant: string): Promise<boolean> {
    return this.#barrier.arrive(participant);
  }

  join(participant: string): void {
    this.#barrier.join(participant);
  }

  leave(participant: string): void {
    this.#barrier.leave(participant);
  }

  abort(reason?: unknown): void {
    this.#barrier.abort(reason);
  }

  start(): void {}

  stop(): void {
    this.#barrier.abort('stopped');
  }

  participants(): string[] {
    return this.#barrier.participants();
  }
}

const rising = (...opens: (number | null)[]): (BarTuple | null)[] =>
  opens.map((o) => (o === null ? null : [o, o + 0.5, o - 0.5, o + 0.25]));

/** Buys 1 on the symbol's 2nd bar and closes on its 4th. */
const buyThenClose: Strategy = {
  async onTick(ctx) {
    if (!ctx.isNewBar) return;
    if (ctx.bars.length === 2 && ctx.position.side === 'flat') await ctx.orders.buy(1);
    if (ctx.bars.length === 4) await ctx.orders.close();
  },
};

async function backtest(stopAtBar?: number): Promise<SimulationResults> {
  const broker = new SimulatedBroker({
    data: [
      bars('A', rising(10, 11, 12, 13, 14, 15), 0),
      // starts at minute 3, no bar at minute 5
      bars('B', rising(20, 21, null, 23, 24, 25), 3),
    ],
  });
  let run: BacktestController<SimulationResults> | undefined;
  // On A's bar `stopAtBar`, stops the run from inside a strategy (without awaiting itself).
  const stopper: Strategy = {
    onTick(ctx) {
      if (ctx.bars.length === stopAtBar) void run?.stop();
    },
  };
  const symbols: SymbolConfig[] = ['A', 'B'].map((symbol) => ({
    symbol,
    timeframe: '1m',
    strategies: [
      { id: 'bc', create: () => buyThenClose },
      ...(symbol === 'A' && stopAtBar !== undefined ? [{ id: 'stop', create: () => stopper }] : []),
    ],
  }));
  const timeController = new BarrierCoordinator(['A', 'B', POSITION_MONITOR]);
  run = new BacktestController({ broker, timeController, symbols });
  await run.initialize();
  return run.run();
}

describe('a backtest through core BacktestController', () => {
  it('fills each order at the open of its own symbol next bar, across a gap', async () => {
    const results = await backtest();
    // A: sent on bar 1 (close 2 min), filled at bar 2's open 12 (minute 2); closed on bar 3, filled at bar 4's open 14.
    // B: sent on its bar 1 (minute 4), filled at its next row, minute 6 (open 23); closed at minute 8 (open 25).
    expect(tradesCsv(results.trades)).toBe(
      [
        'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl',
        `A,${2 * 60_000},12,${4 * 60_000},14,1,${(14 - 12) * 1}`,
        `B,${6 * 60_000},23,${8 * 60_000},25,1,${(25 - 23) * 1}`,
        '',
      ].join('\n'),
    );
    expect(results.fills.map((f) => f.clientOrderId)).toEqual(['bt-0-1', 'bt-0-2', 'bt-1-1', 'bt-1-2']);
    expect(results).toMatchObject({ complete: true, ordersUnfilledAtEnd: 0, finalEquity: 1_000_000 + 2 + 2 });
    // timeline: A closes at 1..6 min, B at 4, 5, 7, 8, 9 min: union 1..9
    expect(results.equity.values.length).toBe(9);
  });

  it('gives byte-identical results run after run', async () => {
    const first = toStableJson(await backtest());
    const second = toStableJson(await backtest());
    expect(second).toBe(first);
  });

  it('returns partial results after an early stop', async () => {
    const results = await backtest(3);
    // stopped during step 3 (A's third bar): A bought at minute 2 and is still long, B never traded
    expect(results).toMatchObject({ complete: false, steps: 3, totalSteps: 9, ordersUnfilledAtEnd: 0 });
    expect(results.trades).toEqual([{ symbol: 'A', entryTime: 2 * 60_000, entryPrice: 12, size: 1 }]);
    // cash 1e6 - 12, plus 1 x A's latest close 12.25
    expect(results.finalEquity).toBe(1_000_000 - 12 + 12.25);
  });
});
