/**
 * Figure 5, run in its own process (`node --expose-gc memory-child.js <csv dir> <symbols> <bars>`),
 * so that resident memory and the peak RSS belong to one backtest alone. Prints one JSON line.
 *
 * 1. Baseline after a full GC.
 * 2. Loads the `symbols` CSV files of `<csv dir>` (written by the parent) the way `bt run` does:
 *    `loadOhlcvCsv` on every file at once; then GC.
 * 3. Builds the SimulatedBroker (its timeline and replay schedule); GC.
 * 4. Runs the full backtest path (sma-cross, monitor off), sampling RSS every 5 ms.
 */
import { join } from 'node:path';
import { loadOhlcvCsv, SimulatedBroker } from '@bt/sim-broker';
import { symbolName } from './data.js';
import { runFullPath } from './full-path.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('memory-child: run with node --expose-gc');
  process.exit(2);
}
const fullGc = (): void => {
  gc();
  gc();
};

const dir = process.argv[2] as string;
const symbols = Number(process.argv[3]);
const bars = Number(process.argv[4]);
const total = symbols * bars;

fullGc();
const base = process.memoryUsage();
const columns = await Promise.all(
  Array.from({ length: symbols }, (_, s) => loadOhlcvCsv(join(dir, `${symbolName(s)}.csv`), { timeframe: '1m' })),
);
if (columns.some((c) => c.length !== bars)) throw new Error('memory-child: a CSV file does not hold the expected bars');
fullGc();
const loaded = process.memoryUsage();
const broker = new SimulatedBroker({ data: columns });
fullGc();
const withBroker = process.memoryUsage();

let sampledPeak = withBroker.rss;
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > sampledPeak) sampledPeak = rss;
}, 5);
const start = performance.now();
const run = await runFullPath(columns, { broker });
const ms = performance.now() - start;
clearInterval(sampler);
const after = process.memoryUsage();
if (after.rss > sampledPeak) sampledPeak = after.rss;

console.log(
  JSON.stringify({
    symbols,
    bars: total,
    trades: run.results.trades.length,
    backtestMs: ms,
    rssBytesPerBar: (loaded.rss - base.rss) / total,
    arrayBytesPerBar: (loaded.arrayBuffers - base.arrayBuffers) / total,
    rssBytesPerBarWithBroker: (withBroker.rss - base.rss) / total,
    heapTotalGrowth: loaded.heapTotal - base.heapTotal,
    heapUsedGrowth: loaded.heapUsed - base.heapUsed,
    baseRss: base.rss,
    loadedRss: loaded.rss,
    brokerRss: withBroker.rss,
    peakRssSampled: sampledPeak,
    maxRss: process.resourceUsage().maxRSS * 1024,
  }),
);
