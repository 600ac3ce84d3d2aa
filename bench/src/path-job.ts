import type { ExitRules } from '@bt/core';
import { tradesCsv } from '@bt/sim-broker';
import { formatTradesCsv } from '@bt/testkit';
import type { Layout } from './data.js';
import { generateDataset } from './data.js';
import type { FloorResult } from './floor.js';
import { runFloor } from './floor.js';
import type { FullPathOptions, FullPathRun } from './full-path.js';
import { runFullPath } from './full-path.js';
import type { Summary } from './stats.js';
import { timeRuns } from './stats.js';

/** Exit rules of figure 3: tight enough that the trade manager really exits trades. */
export const FIGURE3_EXITS: ExitRules = Object.freeze({ stopLoss: 0.004, takeProfit: 0.006 });

/**
 * One measurement, run in a fresh process (`path-child.js`): V8's optimized code depends on what
 * ran before in the process, so datasets and variants measured one after the other in one process
 * interfere (a run can lose a third of its speed after runs over another dataset). A `bt run` is
 * one backtest per process too.
 */
export interface PathJob {
  /** `path`: the floor and the full path; `monitor`: the full path with the monitor and exits. */
  readonly kind: 'path' | 'monitor';
  readonly symbols: number;
  readonly bars: number;
  readonly layout: Layout;
  readonly seed?: number;
  readonly runs: number;
  readonly warmup: number;
  /** TimeController options to vary (figure 2's variants). */
  readonly timeController?: FullPathOptions['timeController'];
  /** Also time the floor (the `path` jobs of the plain path). */
  readonly floor?: boolean;
}

/** What a {@link PathJob} reports, in ms per run. */
export interface PathJobResult {
  readonly path: Summary;
  readonly floor?: Summary;
  readonly trades: number;
  readonly steps: number;
  readonly managerOrders?: number;
}

/** Throws unless the full path produced exactly the floor's trades (docs/semantics.md §7 bytes). */
export function checkSameTrades(what: string, run: FullPathRun, floor: FloorResult, expectedCsv: string): void {
  const actual = tradesCsv(run.results.trades);
  if (actual !== expectedCsv) {
    const a = actual.split('\n');
    const b = expectedCsv.split('\n');
    let line = 0;
    while (line < a.length && a[line] === b[line]) line++;
    throw new Error(
      `${what}: the full path's trades differ from the floor's (${a.length - 2} vs ${b.length - 2} rows); first difference at line ${line + 1}:\n  full:  ${a[line]}\n  floor: ${b[line]}`,
    );
  }
  if (Math.abs(run.results.finalEquity - floor.finalEquity) > 1e-6) {
    throw new Error(`${what}: final equity ${run.results.finalEquity} differs from the floor's ${floor.finalEquity}`);
  }
  if (run.results.ordersUnfilledAtEnd !== floor.ordersUnfilledAtEnd) {
    throw new Error(`${what}: ${run.results.ordersUnfilledAtEnd} orders unfilled at end, the floor has ${floor.ordersUnfilledAtEnd}`);
  }
}

/**
 * Runs one job: generates its dataset (untimed), then times the floor (if asked) and the full
 * path, checking every full-path run against the floor's trades, or, with the monitor and exits
 * (which the floor does not model), that every run gives the same trades.
 */
export async function runPathJob(job: PathJob): Promise<PathJobResult> {
  const what = `${job.kind} ${job.symbols}x${job.bars}/${job.layout}`;
  const data = generateDataset({
    symbols: job.symbols,
    bars: job.bars,
    layout: job.layout,
    ...(job.seed === undefined ? {} : { seed: job.seed }),
  });
  const options = { warmup: job.warmup };
  if (job.kind === 'monitor') {
    let reference: string | undefined;
    let managerOrders = 0;
    let steps = 0;
    let trades = 0;
    const path = await timeRuns(job.runs, () => runFullPath(data, { monitor: true, exits: FIGURE3_EXITS }), {
      ...options,
      check: (run) => {
        const csv = tradesCsv(run.results.trades);
        if (reference === undefined) reference = csv;
        else if (csv !== reference) throw new Error(`${what}: two runs gave different trades`);
        managerOrders = run.managerOrders();
        steps = run.steps;
        trades = run.results.trades.length;
      },
    });
    if (managerOrders === 0) throw new Error(`${what}: the trade manager sent no exit; tighten FIGURE3_EXITS`);
    return { path, trades, steps, managerOrders };
  }
  const floorResult = runFloor(data);
  const expected = formatTradesCsv(floorResult.trades);
  const floor = job.floor
    ? await timeRuns(job.runs, () => runFloor(data), {
        ...options,
        check: (result) => {
          if (result.trades.length !== floorResult.trades.length) throw new Error(`${what}: the floor is not deterministic`);
        },
      })
    : undefined;
  let steps = 0;
  const path = await timeRuns(
    job.runs,
    () => runFullPath(data, job.timeController === undefined ? {} : { timeController: job.timeController }),
    {
      ...options,
      check: (run) => {
        checkSameTrades(what, run, floorResult, expected);
        steps = run.steps;
      },
    },
  );
  return { path, ...(floor === undefined ? {} : { floor }), trades: floorResult.trades.length, steps };
}
