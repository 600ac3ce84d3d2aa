/**
 * `node --expose-gc dist/probe.js [size] [strategy] [runs]`: a quick probe for optimisation work,
 * next to the full suite. It runs one full-path variant `runs` times in this process (the first
 * two are warm-up) and prints the median and min wall time per run and the median time spent in
 * garbage collection during a run (read from `gc` performance entries).
 *
 * - `size`: `<symbols>x<bars>` (default `50x20000`); `LAYOUT=ragged` for ragged data.
 * - `strategy`: `sma` (sma-cross, as figure 2), `sma-exits` (with the monitor and figure 3's exits),
 *   `sma-only` (the same indicators, no orders), `orders` (no indicator: a buy every 10th bar while
 *   flat, a close every 10th bar while long: one order per 10 bars) or `none` (an empty strategy:
 *   the loop shape alone).
 *
 * Subtracting variants splits a run's time: `none` is the controller, barrier and broker; `sma-only`
 * adds the indicators; `sma` adds the orders. `orders` minus `none`, over a tenth of the bars, is the
 * cost of one order's whole life (submission, fill, events, results). In-process runs are not isolated as the suite's are:
 * compare variants run the same way, and repeat (other processes share the machine).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { StrategySpec } from '@bt/core';
import { BacktestController } from '@bt/core';
import { SimulatedBroker } from '@bt/sim-broker';
import { CrossOver, ExactSma, smaCrossSpec } from '@bt/strategies';
import { TimeController, TimeMode } from '@bt/time-controller';
import type { Layout } from './data.js';
import { generateDataset } from './data.js';
import { FIGURE3_EXITS } from './path-job.js';
import { collectGarbage, summarize } from './stats.js';

const [symbols, bars] = (process.argv[2] ?? '50x20000').split('x').map(Number) as [number, number];
const strategy = process.argv[3] ?? 'sma';
const runs = Number(process.argv[4] ?? 12);
if (!(symbols > 0 && bars > 0 && runs >= 3))
  throw new Error('usage: probe.js <symbols>x<bars> <sma|sma-exits|sma-only|orders|none> <runs >= 3>');
const layout: Layout = process.env.LAYOUT === 'ragged' ? 'ragged' : 'aligned';
const data = generateDataset({ symbols, bars, layout });

/** The same indicators as sma-cross, and no order. */
const smaOnly: StrategySpec = {
  id: 'sma-only',
  lookback: 31,
  create: () => {
    const fast = new ExactSma(10);
    const slow = new ExactSma(30);
    const cross = new CrossOver();
    return {
      onTick: (ctx) => {
        if (!ctx.isNewBar) return undefined;
        const close = ctx.bars.close(ctx.bars.length - 1);
        const f = fast.update(close);
        const s = slow.update(close);
        if (fast.ready && slow.ready) cross.update(f - s);
        return undefined;
      },
    };
  },
};
/** One order every 10 bars, no indicator: buy while flat, close while long. */
const everyTenth: StrategySpec = {
  id: 'orders',
  lookback: 1,
  create: () => {
    let bar = 0;
    return {
      onTick: (ctx) => {
        if (!ctx.isNewBar || ++bar % 10 !== 0) return undefined;
        return ctx.position.side === 'flat' ? ctx.orders.buy(1).then(() => undefined) : ctx.orders.close().then(() => undefined);
      },
    };
  },
};
const specs: Record<string, StrategySpec> = {
  orders: everyTenth,
  sma: smaCrossSpec(),
  'sma-exits': { ...smaCrossSpec(), exits: FIGURE3_EXITS },
  'sma-only': smaOnly,
  none: { id: 'none', lookback: 31, create: () => ({ onTick: () => undefined }) },
};
const spec = specs[strategy];
if (spec === undefined) throw new Error(`strategy: expected one of ${Object.keys(specs).join(', ')}, got ${strategy}`);
const monitor = strategy === 'sma-exits';

let gcMs = 0;
let timing = false;
new PerformanceObserver((list) => {
  if (timing) for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const wall: number[] = [];
const gc: number[] = [];
for (let run = 0; run < runs; run++) {
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  gcMs = 0;
  timing = true;
  const start = performance.now();
  const broker = new SimulatedBroker({ data });
  const backtest = new BacktestController({
    broker,
    timeController: new TimeController({
      participants: data.map((c) => c.symbol),
      includePositionMonitor: monitor,
      mode: TimeMode.MAX_SPEED,
    }),
    positionMonitor: monitor,
    symbols: data.map((c) => ({ symbol: c.symbol, timeframe: '1m' as const, strategies: [spec] })),
  });
  await backtest.initialize();
  await backtest.run();
  const ms = performance.now() - start;
  timing = false;
  // GC entries are delivered asynchronously: let the observer see this run's last ones.
  await new Promise((resolve) => setImmediate(resolve));
  if (run >= 2) {
    wall.push(ms);
    gc.push(gcMs);
  }
}
const time = summarize(wall);
const rate = (symbols * bars) / time.median / 1000;
console.log(
  `${strategy} ${symbols}x${bars}/${layout}: median ${time.median.toFixed(0)} ms (min ${time.min.toFixed(0)}), ${rate.toFixed(2)}M symbol-bars/s; GC ${summarize(gc).median.toFixed(0)} ms per run`,
);
