import { BtError } from '@bt/core';
import { fsum } from './fsum.js';
import { compareSymbols } from './symbol-order.js';
import { type ReferenceTrade, sortTrades } from './trades.js';

/** A column of numbers, one per row. */
export type ReferenceColumn = Float64Array | readonly number[];

/** One symbol's bars: equal-length columns, `time` (epoch ms) strictly increasing. */
export interface ReferenceSeries {
  readonly symbol: string;
  readonly time: ReferenceColumn;
  readonly open: ReferenceColumn;
  readonly close: ReferenceColumn;
}

/** Parameters of {@link referenceSmaCross}; the defaults are 10, 30 and 1. */
export interface ReferenceParams {
  readonly fast?: number;
  readonly slow?: number;
  readonly amount?: number;
}

/** What {@link referenceSmaCross} returns. */
export interface ReferenceResult {
  /** Closed round trips and positions still open, sorted by symbol, then entry time. */
  readonly trades: ReferenceTrade[];
  /** Cash plus each open position at its symbol's last close. */
  readonly finalEquity: number;
  /** Orders sent on a symbol's last row, which never fill. */
  readonly ordersUnfilledAtEnd: number;
}

/** Starting cash of the reference backtest. */
export const REFERENCE_INITIAL_CASH = 1_000_000;

/** A market order waiting for its symbol's next row. */
interface PendingOrder {
  readonly side: 'buy' | 'sell';
  readonly size: number;
}

/** Where one symbol stands during the run. */
interface SymbolRun {
  readonly series: ReferenceSeries;
  /** Index of the symbol's current row; -1 before its first. */
  row: number;
  pending: PendingOrder | null;
  position: number;
  openTrade: { readonly entryTime: number; readonly entryPrice: number; readonly size: number } | null;
  /** CrossOver memory L: the last non-zero difference (or the seed). */
  lastNonZero: number;
}

/**
 * The SMA crossover backtest of docs/semantics.md, written out as plainly as possible: the oracle that
 * end-to-end tests and benchmarks compare the engine with. It shares no code with @bt/strategies
 * or the simulated broker; each SMA is recomputed from its window with {@link fsum}.
 *
 * The global timeline is the union of all timestamps. At each timestamp, the pending orders of
 * the symbols that have a row there fill at that row's open; then each of those symbols, in byte
 * order, is evaluated once: from its bar `P = max(fast, slow)` on, an up-cross while flat buys
 * `amount`, a down-cross while long sells the whole position; the order fills at the symbol's
 * next row. Cash starts at 1,000,000; open positions are not closed at the end.
 *
 * @throws BtError `DATA` on a repeated symbol, columns of different lengths, times that do not
 * strictly increase or prices that are not finite; `CONFIG` on bad parameters.
 *
 * @example
 * ```ts
 * const { trades, finalEquity } = referenceSmaCross([{ symbol: 'BTCUSDT', time, open, close }]);
 * const csv = formatTradesCsv(trades);
 * ```
 */
export function referenceSmaCross(series: readonly ReferenceSeries[], params: ReferenceParams = {}): ReferenceResult {
  const fast = period(params.fast ?? 10, 'fast');
  const slow = period(params.slow ?? 30, 'slow');
  const amount = params.amount ?? 1;
  if (!Number.isFinite(amount) || amount <= 0) {
    throw new BtError('CONFIG', `reference params: amount must be a positive number, got ${amount}`, { details: { field: 'amount' } });
  }
  const P = Math.max(fast, slow);

  const runs: SymbolRun[] = [...series]
    .sort((a, b) => compareSymbols(a.symbol, b.symbol))
    .map((s) => ({ series: s, row: -1, pending: null, position: 0, openTrade: null, lastNonZero: 0 }));
  runs.forEach((run, k) => {
    validate(run.series);
    if (k > 0 && runs[k - 1]!.series.symbol === run.series.symbol) {
      throw new BtError('DATA', `reference: symbol ${run.series.symbol} is given twice`, { details: { symbol: run.series.symbol } });
    }
  });

  const timeline = [...new Set(runs.flatMap((run) => Array.from(run.series.time)))].sort((a, b) => a - b);
  let cash = REFERENCE_INITIAL_CASH;
  const trades: ReferenceTrade[] = [];

  for (const T of timeline) {
    const ticking = runs.filter((run) => run.series.time[run.row + 1] === T);
    for (const run of ticking) run.row++;

    // (a) Pending orders of ticking symbols fill at this row's open.
    for (const run of ticking) {
      const order = run.pending;
      if (order === null) continue;
      run.pending = null;
      const price = run.series.open[run.row]!;
      if (order.side === 'buy') {
        cash -= price * order.size;
        run.position += order.size;
        run.openTrade = { entryTime: T, entryPrice: price, size: order.size };
      } else {
        const entry = run.openTrade!;
        cash += price * order.size;
        run.position -= order.size;
        run.openTrade = null;
        trades.push({
          symbol: run.series.symbol,
          entryTime: entry.entryTime,
          entryPrice: entry.entryPrice,
          exitTime: T,
          exitPrice: price,
          size: order.size,
          pnl: (price - entry.entryPrice) * order.size,
        });
      }
    }

    // (b) The strategy runs once for each ticking symbol, in symbol order.
    for (const run of ticking) {
      const i = run.row;
      if (i < P - 1) continue;
      const close = run.series.close;
      const smaFast = fsum(close, i - fast + 1, i + 1) / fast;
      const smaSlow = fsum(close, i - slow + 1, i + 1) / slow;
      const diff = smaFast - smaSlow;
      if (i === P - 1) {
        run.lastNonZero = diff;
        continue;
      }
      const up = run.lastNonZero < 0 && diff > 0;
      const down = run.lastNonZero > 0 && diff < 0;
      if (diff !== 0) run.lastNonZero = diff;
      if (up && run.position === 0) run.pending = { side: 'buy', size: amount };
      else if (down && run.position > 0) run.pending = { side: 'sell', size: run.position };
    }
  }

  let finalEquity = cash;
  let ordersUnfilledAtEnd = 0;
  for (const run of runs) {
    if (run.pending !== null) ordersUnfilledAtEnd++;
    if (run.position !== 0) finalEquity += run.position * run.series.close[run.row]!;
    if (run.openTrade !== null) {
      trades.push({ symbol: run.series.symbol, ...run.openTrade, exitTime: null, exitPrice: null, pnl: null });
    }
  }
  return { trades: sortTrades(trades), finalEquity, ordersUnfilledAtEnd };
}

function period(value: number, field: 'fast' | 'slow'): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BtError('CONFIG', `reference params: ${field} must be a positive integer, got ${value}`, { details: { field } });
  }
  return value;
}

function validate(s: ReferenceSeries): void {
  const fail = (row: number, field: string, expected: string): never => {
    throw new BtError('DATA', `reference: ${s.symbol} row ${row}: expected ${field} to be ${expected}`, {
      details: { symbol: s.symbol, row, field },
    });
  };
  const n = s.time.length;
  if (s.open.length !== n || s.close.length !== n) {
    throw new BtError('DATA', `reference: ${s.symbol} has ${n} times, ${s.open.length} opens and ${s.close.length} closes`, {
      details: { symbol: s.symbol },
    });
  }
  for (let i = 0; i < n; i++) {
    const time = s.time[i]!;
    if (!Number.isFinite(time) || (i > 0 && !(time > s.time[i - 1]!))) fail(i, 'time', 'finite and after the previous row');
    if (!Number.isFinite(s.open[i]!)) fail(i, 'open', 'a finite number');
    if (!Number.isFinite(s.close[i]!)) fail(i, 'close', 'a finite number');
  }
}
