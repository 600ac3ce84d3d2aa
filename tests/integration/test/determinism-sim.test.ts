import { createHash } from 'node:crypto';
import type { Bar, Position } from '@bt/core';
import { BacktestController, ManualClock } from '@bt/core';
import { barsFromRows, SimulatedBroker, toStableJson } from '@bt/sim-broker';
import { TimeController, TimeMode } from '@bt/time-controller';
import { describe, expect, it } from 'vitest';
import { randomAwaits, seededRandom } from './helpers/random.js';
import { momentumSpec, raggedBars, symbolsOf } from './helpers/recording.js';

/**
 * Determinism of the real path: SimulatedBroker + TimeController + TradingController, with the
 * trade manager active and cash tight enough that symbols compete for it (so canonical matching
 * order matters). The results file must not depend on how promises interleave, nor on the mode.
 */
function columnsOf(bars: Record<string, Bar[]>) {
  return Object.entries(bars).map(([symbol, rows]) =>
    barsFromRows(
      symbol,
      '1m',
      rows.map((b) => ({ time: b.openTime, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })),
    ),
  );
}

async function run(mode: TimeMode, seed: number | undefined): Promise<{ hash: string; rejected: number; fills: number }> {
  const bars = raggedBars();
  const broker = new SimulatedBroker({ data: columnsOf(bars), account: { balances: { USD: 160 } }, fees: { taker: 0.001, maker: 0.0005 } });
  const random = seed === undefined ? undefined : seededRandom(seed);
  const jitter = random === undefined ? undefined : () => randomAwaits(random);
  if (jitter !== undefined) {
    const getPositions = broker.getPositions.bind(broker);
    broker.getPositions = async (symbol?: string): Promise<readonly Position[]> => {
      await jitter();
      return getPositions(symbol);
    };
  }
  const clock = new ManualClock(0);
  const timeController = new TimeController({ participants: Object.keys(bars), includePositionMonitor: true, mode, clock });
  const backtest = new BacktestController({
    broker,
    timeController,
    symbols: symbolsOf(bars, () => [momentumSpec({ stopLoss: 0.01, takeProfit: 0.015 }, jitter)]),
  });
  await backtest.initialize();
  let finished = false;
  const running = backtest.run().finally(() => {
    finished = true;
  });
  // Drive the fake clock for the paced modes: wake the next delay, or let other work run.
  while (!finished) {
    const wake = clock.nextWakeAt();
    if (wake !== undefined) await clock.advanceTo(wake);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const results = await running;
  const rejected = results.orders.filter((o) => o.status === 'rejected').length;
  const body = toStableJson({ results, journal: backtest.orders() });
  return { hash: createHash('sha256').update(body).digest('hex'), rejected, fills: results.fills.length };
}

describe('determinism through SimulatedBroker and TimeController', () => {
  it('gives one results hash across 50 jittered runs, with cash contention and the trade manager active', async () => {
    const baseline = await run(TimeMode.MAX_SPEED, undefined);
    expect(baseline.fills).toBeGreaterThan(10);
    expect(baseline.rejected).toBeGreaterThan(0);
    const hashes = new Set([baseline.hash]);
    for (let seed = 1; seed <= 50; seed++) hashes.add((await run(TimeMode.MAX_SPEED, seed)).hash);
    expect([...hashes]).toEqual([baseline.hash]);
  });

  it('gives the same hash in MAX_SPEED, FAST and REALTIME on a fake clock', async () => {
    const hashes = new Set<string>();
    for (const mode of [TimeMode.MAX_SPEED, TimeMode.FAST, TimeMode.REALTIME]) {
      hashes.add((await run(mode, undefined)).hash);
      hashes.add((await run(mode, 7)).hash);
    }
    expect(hashes.size).toBe(1);
  });
});
