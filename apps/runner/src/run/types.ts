import type { BtError, Logger } from '@bt/core';
import type { LoadedConfig } from '../config/load.js';
import type { LogLevel } from '../config/schema.js';
import type { ProgressDisplay, ProgressKind } from '../progress/display.js';
import type { ModuleLoader } from './strategies.js';

/** Options of `runFromConfig`. */
export interface RunOptions {
  /** The results folder, overriding the config's `results` section. */
  readonly outDir?: string;
  /**
   * Aborting it stops the run gracefully: a backtest writes partial results, live trading stops
   * placing orders. A string reason is logged as the warning that announces the stop.
   */
  readonly signal?: AbortSignal;
  /** How progress is shown. Default `none`. */
  readonly progress?: ProgressKind;
  /** Where progress and console log lines go. Default `process.stderr`. */
  readonly stderr?: NodeJS.WritableStream;
  /** Console log level, overriding the config's `logging.level`. */
  readonly consoleLevel?: LogLevel;
  /**
   * Paper/live: the status line (positions, PnL, open orders, last bar, venue health): `tty` in
   * place on the last line, `plain` a line when it changes, `none` (default) off.
   */
  readonly status?: ProgressKind;
  /** Paper/live: take the venue's positions as the bot's when they disagree, instead of refusing to trade. */
  readonly acceptVenueState?: boolean;
  /** Write report.html. Default true. */
  readonly report?: boolean;
  /** Loads strategy modules. Default: jiti. */
  readonly loadModule?: ModuleLoader;
  /** Milliseconds since process start, for the timings. Default `performance.now`. */
  readonly now?: () => number;
}

/** How a run ended. */
export type RunStatus = 'completed' | 'stopped' | 'failed';

/** What a run reports back. */
export interface RunOutcome {
  /** The broker type, which decided the mode. */
  readonly mode: 'sim' | 'paper' | 'ccxt';
  readonly status: RunStatus;
  /** Where the results were written. */
  readonly outDir: string;
  /** True when a backtest did not reach the end of its data. */
  readonly partial: boolean;
  /** What ended a failed run. */
  readonly error?: BtError;
  /** Headline figures (backtests): trades, final equity, return, steps. */
  readonly summary?: RunSummary;
  /** What paper and live trading did: bars processed, orders sent, fills and trades. */
  readonly live?: LiveSummary;
  /** The report, when one was written. */
  readonly reportPath?: string;
  /** Milliseconds since process start at the first bar and at the end. */
  readonly timings: { readonly firstBarMs?: number; readonly endMs: number };
}

/** Headline figures of a backtest. */
export interface RunSummary {
  readonly steps: number;
  readonly totalSteps: number;
  readonly trades: number;
  readonly closedTrades: number;
  readonly initialEquity: number;
  readonly finalEquity: number;
  readonly totalReturn: number;
  readonly maxDrawdown: number;
  readonly currency: string;
}

/** What a paper or live run did. */
export interface LiveSummary {
  /** Bars that closed after the start and were processed (the symbol with the fewest). */
  readonly bars: number;
  readonly orders: number;
  readonly fills: number;
  /** Trade rows (trades.csv), open ones included. */
  readonly trades: number;
  readonly closedTrades: number;
}

/** What every mode's runner gets from `runFromConfig`. */
export interface RunContext {
  readonly loaded: LoadedConfig;
  readonly options: RunOptions;
  readonly outDir: string;
  readonly logger: Logger;
  readonly progress: ProgressDisplay;
  readonly now: () => number;
}

/** The warning logged when `signal` stops a run: its reason when that is a string, else `fallback`. */
export function stopMessage(signal: AbortSignal | undefined, fallback: string): string {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : fallback;
}
