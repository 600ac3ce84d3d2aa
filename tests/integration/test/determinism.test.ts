import { createHash } from 'node:crypto';
import type { Position } from '@bt/core';
import { BacktestController } from '@bt/core';
import { MemoryReplayBroker } from '@bt/testkit';
import { describe, expect, it } from 'vitest';
import { barrierCoordinator } from './helpers/barrier-coordinator.js';
import { randomAwaits, seededRandom } from './helpers/random.js';
import { momentumSpec, raggedBars, symbolsOf } from './helpers/recording.js';

/** One backtest whose strategies and monitor reads await a random number of turns (seeded). */
async function runWithJitter(seed: number | undefined): Promise<{ hash: string; fills: number; exits: number }> {
  const bars = raggedBars();
  const broker = new MemoryReplayBroker({ bars });
  const random = seed === undefined ? undefined : seededRandom(seed);
  const jitter = random === undefined ? undefined : () => randomAwaits(random);
  if (jitter !== undefined) {
    const getPositions = broker.getPositions.bind(broker);
    broker.getPositions = async (symbol?: string): Promise<readonly Position[]> => {
      await jitter();
      return getPositions(symbol);
    };
    const getLatestPrice = broker.getLatestPrice.bind(broker);
    broker.getLatestPrice = async (symbol: string): Promise<number> => {
      await jitter();
      return getLatestPrice(symbol);
    };
  }
  const backtest = new BacktestController({
    broker,
    timeController: barrierCoordinator(),
    symbols: symbolsOf(bars, () => [momentumSpec({ stopLoss: 0.01, takeProfit: 0.015, maxHoldingMs: 8 * 60_000 }, jitter)]),
  });
  await backtest.initialize();
  const results = await backtest.run();
  const exits = backtest.orders().filter((o) => o.source === 'trade-manager').length;
  const hash = createHash('sha256')
    .update(JSON.stringify({ results, orders: backtest.orders().map((o) => ({ ...o, submittedAt: o.submittedAt })) }))
    .digest('hex');
  return { hash, fills: results.fills.length, exits };
}

describe('determinism', () => {
  it('50 runs with random awaits injected into strategies and the monitor give one results hash', async () => {
    const baseline = await runWithJitter(undefined);
    expect(baseline.fills).toBeGreaterThan(10);
    expect(baseline.exits).toBeGreaterThan(0);
    const hashes = new Set<string>([baseline.hash]);
    for (let seed = 1; seed <= 50; seed++) hashes.add((await runWithJitter(seed)).hash);
    expect([...hashes]).toEqual([baseline.hash]);
  });
});
