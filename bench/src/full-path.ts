import type { ExitRules } from '@bt/core';
import { BacktestController } from '@bt/core';
import type { BarColumns, SimulationResults } from '@bt/sim-broker';
import { SimulatedBroker } from '@bt/sim-broker';
import { smaCrossSpec } from '@bt/strategies';
import { TimeController, TimeMode } from '@bt/time-controller';

/** Options of {@link runFullPath}. */
export interface FullPathOptions {
  /** Run the position monitor and trade manager. Default false. */
  readonly monitor?: boolean;
  /** Exit rules given to every strategy (the trade manager applies them). */
  readonly exits?: ExitRules;
  /** A broker already built over `columns` (default: one is built inside the run). */
  readonly broker?: SimulatedBroker;
  /** TimeController options to vary (default: its defaults, as `bt run` uses them). */
  readonly timeController?: { readonly yieldIntervalMs?: number; readonly participantTiming?: boolean };
}

/** What one full-path run returns. */
export interface FullPathRun {
  readonly results: SimulationResults;
  /** Steps the TimeController released. */
  readonly steps: number;
  /** Counts the orders the trade manager sent (call it outside the timed part: it sorts the journal). */
  readonly managerOrders: () => number;
}

/**
 * One backtest through the whole public path, wired as a user would: a SimulatedBroker over the
 * in-memory columns, a TimeController in MAX_SPEED, and a BacktestController (so the one
 * TradingController, its per-symbol orchestrators and, optionally, the position monitor) running
 * `sma-cross` (10/30, 1 unit) on every symbol. Everything from the broker's construction (its
 * timeline) to the results is inside the run.
 */
export async function runFullPath(columns: readonly BarColumns[], options: FullPathOptions = {}): Promise<FullPathRun> {
  const monitor = options.monitor ?? false;
  const broker = options.broker ?? new SimulatedBroker({ data: columns });
  const symbols = columns.map((c) => c.symbol);
  const timeController = new TimeController({
    participants: symbols,
    includePositionMonitor: monitor,
    mode: TimeMode.MAX_SPEED,
    ...options.timeController,
  });
  const spec = options.exits === undefined ? smaCrossSpec() : { ...smaCrossSpec(), exits: options.exits };
  const backtest = new BacktestController({
    broker,
    timeController,
    symbols: symbols.map((symbol) => ({ symbol, timeframe: '1m' as const, strategies: [spec] })),
    positionMonitor: monitor,
  });
  await backtest.initialize();
  const results = await backtest.run();
  const managerOrders = (): number => backtest.orders().filter((o) => o.source === 'trade-manager').length;
  return { results, steps: timeController.currentStep, managerOrders };
}
