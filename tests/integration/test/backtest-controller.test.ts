import type { Broker, Position } from '@bt/core';
import { BacktestController, BtError } from '@bt/core';
import type { MemoryReplayResults } from '@bt/testkit';
import { MemoryReplayBroker } from '@bt/testkit';
import { describe, expect, it } from 'vitest';
import { barrierCoordinator } from './helpers/barrier-coordinator.js';
import type { TickRecord } from './helpers/recording.js';
import { raggedBars, recordingSpec, symbolsOf } from './helpers/recording.js';

/** Wraps a broker's getPositions() (the monitor's read) so each monitor pass is recorded. */
function watchMonitor(broker: MemoryReplayBroker, onPass: () => void): void {
  const original = broker.getPositions.bind(broker);
  broker.getPositions = (symbol?: string): Promise<readonly Position[]> => {
    if (symbol === undefined) onPass();
    return original(symbol);
  };
}

describe('BacktestController over an in-memory ReplayBroker', () => {
  it('gives each worker its own bars in order once each, runs the monitor once per step after the strategies, and ends with the last symbol', async () => {
    const bars = raggedBars();
    const broker = new MemoryReplayBroker({ bars });
    const ticks: TickRecord[] = [];
    const events: string[] = [];
    watchMonitor(broker, () => events.push(`monitor@${broker.currentTime()}`));
    const backtest = new BacktestController({
      broker,
      timeController: barrierCoordinator(),
      symbols: symbolsOf(bars, () => [
        recordingSpec(ticks, async (ctx) => {
          events.push(`tick:${ctx.symbol}@${ctx.clock.now()}`);
        }),
      ]),
    });
    await backtest.initialize();
    await backtest.run();

    for (const [symbol, symbolBars] of Object.entries(bars)) {
      const seen = ticks.filter((t) => t.symbol === symbol && t.isNewBar).map((t) => t.newest);
      expect(seen, symbol).toEqual(symbolBars.map((b) => b.closeTime));
    }
    // No bar was ever visible before its close.
    for (const tick of ticks) expect(tick.newest).toBeLessThanOrEqual(tick.now);

    // One monitor pass per step in which any worker ticked, after every tick of that step.
    const times = [...new Set(Object.values(bars).flatMap((b) => b.map((x) => x.closeTime)))].sort((a, b) => a - b);
    const monitorTimes = events.filter((e) => e.startsWith('monitor@')).map((e) => Number(e.slice(8)));
    expect(monitorTimes.slice(1)).toEqual(times);
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as string;
      if (!event.startsWith('monitor@')) continue;
      const at = event.slice(8);
      expect(
        events.slice(i + 1).some((e) => e.startsWith('tick:') && e.endsWith(`@${at}`)),
        `tick after monitor at ${at}`,
      ).toBe(false);
    }

    // The run ended when the last symbol ran out: the last step is the latest close time.
    const lastClose = Math.max(...Object.values(bars).map((b) => (b.at(-1) as { closeTime: number }).closeTime));
    expect(broker.currentTime()).toBe(lastClose);
    expect(backtest.controller.state).toBe('stopped');
  });

  it('rejects with the symbol, step and bar time when a worker throws, and releases every other participant', async () => {
    const bars = raggedBars();
    const broker = new MemoryReplayBroker({ bars });
    const coordinator = barrierCoordinator();
    let bbbTicks = 0;
    const backtest = new BacktestController({
      broker,
      timeController: coordinator,
      symbols: symbolsOf(bars, (symbol) => [
        {
          id: 'boom',
          create: () => ({
            onTick(ctx) {
              if (symbol === 'BBB' && ctx.isNewBar && ++bbbTicks === 4) throw new Error('strategy exploded');
            },
          }),
        },
      ]),
    });
    await backtest.initialize();
    const error = await backtest.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BtError);
    const message = (error as BtError).message;
    expect(message).toMatch(/symbol BBB failed at step \d+ \(bar closing 20\d\d-\d\d-\d\dT\d\d:\d\d:00\.000Z\): strategy exploded/);
    expect((error as BtError).details).toMatchObject({ symbol: 'BBB' });
    expect(coordinator.barrier.aborted).toBe(true);
    expect(backtest.controller.state).toBe('failed');
  });

  it('with onSymbolError "skip" drops the failing symbol and lets the others finish', async () => {
    const bars = raggedBars();
    const broker = new MemoryReplayBroker({ bars });
    const ticks: TickRecord[] = [];
    const backtest = new BacktestController({
      broker,
      timeController: barrierCoordinator(),
      onSymbolError: 'skip',
      symbols: symbolsOf(bars, (symbol) => [
        recordingSpec(ticks, (ctx) => {
          if (symbol === 'AAA' && ctx.bars.length === 3) throw new Error('bad tick');
        }),
      ]),
    });
    await backtest.initialize();
    await backtest.run();
    expect(ticks.filter((t) => t.symbol === 'AAA' && t.isNewBar)).toHaveLength(3);
    expect(ticks.filter((t) => t.symbol === 'CCC' && t.isNewBar)).toHaveLength(bars.CCC?.length ?? -1);
  });

  it('stop() ends a run early with partial results and nothing left waiting', async () => {
    const bars = raggedBars();
    const broker = new MemoryReplayBroker({ bars });
    let backtest: BacktestController<MemoryReplayResults> | undefined;
    let stopping: Promise<void> | undefined;
    backtest = new BacktestController({
      broker,
      timeController: barrierCoordinator(),
      symbols: symbolsOf(bars, () => [
        {
          id: 'stopper',
          create: () => ({
            onTick(ctx) {
              if (ctx.symbol === 'AAA' && ctx.bars.length === 10) stopping = backtest?.stop();
            },
          }),
        },
      ]),
    });
    await backtest.initialize();
    const results = await backtest.run();
    await stopping;
    expect(backtest.stoppedEarly).toBe(true);
    expect(results.steps).toBeLessThan(20);
    expect(backtest.controller.state).toBe('stopped');
  });

  it('refuses a broker that cannot replay', () => {
    const live = { id: 'live', capabilities: { replay: false } } as unknown as Broker;
    expect(
      () =>
        new BacktestController({
          broker: live as never,
          timeController: barrierCoordinator(),
          symbols: [{ symbol: 'X', timeframe: '1m', strategies: [] }],
        }),
    ).toThrow(/cannot replay/);
  });
});
