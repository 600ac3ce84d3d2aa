import { basename } from 'node:path';
import { BacktestController } from '@bt/core';
import type { BarColumns, SimulationResults } from '@bt/sim-broker';
import { loadOhlcvCsv, SimulatedBroker, tradesCsv } from '@bt/sim-broker';
import { smaCrossSpec } from '@bt/strategies';
import type { ReferenceSeries } from '@bt/testkit';
import { formatTradesCsv, referenceSmaCross } from '@bt/testkit';
import { TimeController, TimeMode } from '@bt/time-controller';
import { beforeAll, describe, expect, it } from 'vitest';
import { marketFile, marketFiles } from './helpers/market.js';

/**
 * The whole backtest path (BacktestController -> TradingController -> TimeController ->
 * SimulatedBroker, with the sma-cross example) on the real market data of fixtures/market, checked
 * against the plain sequential reference implementation of docs/semantics.md.
 */

async function loadDir(files: string[]): Promise<BarColumns[]> {
  return Promise.all(files.map((file) => loadOhlcvCsv(marketFile(file), { timeframe: '1m', symbol: basename(file, '.csv') })));
}

function referenceOf(columns: readonly BarColumns[]): ReturnType<typeof referenceSmaCross> {
  const series: ReferenceSeries[] = columns.map((c) => ({ symbol: c.symbol, time: c.openTime, open: c.open, close: c.close }));
  return referenceSmaCross(series);
}

async function backtest(columns: readonly BarColumns[]): Promise<SimulationResults> {
  const broker = new SimulatedBroker({ data: columns });
  const symbols = columns.map((c) => c.symbol);
  const run = new BacktestController({
    broker,
    timeController: new TimeController({ participants: symbols, includePositionMonitor: true, mode: TimeMode.MAX_SPEED }),
    symbols: symbols.map((symbol) => ({ symbol, timeframe: '1m' as const, strategies: [smaCrossSpec()] })),
  });
  await run.initialize();
  return run.run();
}

describe('docs/semantics.md end to end on the real market data', () => {
  let binance: BarColumns[];
  beforeAll(async () => {
    binance = await loadDir(marketFiles('binanceus-'));
  });

  it('reproduces the reference trade list byte for byte on the three Binance.US pairs', async () => {
    const results = await backtest(binance);
    const reference = referenceOf(binance);
    expect(reference.trades.length).toBeGreaterThan(300);
    expect(tradesCsv(results.trades)).toBe(formatTradesCsv(reference.trades));
    expect(Math.abs(results.finalEquity - reference.finalEquity)).toBeLessThan(1e-6);
    expect(results.ordersUnfilledAtEnd).toBe(reference.ordersUnfilledAtEnd);
  });

  it('runs the sparse Kraken file (many gaps) and matches the reference there too', async () => {
    const kraken = await loadDir(['kraken-BTCUSDC-1m-2023-Q1-sparse.csv']);
    const results = await backtest(kraken);
    const reference = referenceOf(kraken);
    expect(tradesCsv(results.trades)).toBe(formatTradesCsv(reference.trades));
  });
});
