import type { Timeframe } from '@bt/core';
import { ColumnsBuilder } from './builder.js';

/**
 * One symbol's bars in columns, ascending by open time. Every array is exactly `length` long, so
 * a bar costs 6 x 8 = 48 bytes of typed-array memory (plus the timeline's share).
 *
 * Loaders ({@link barsFromRows}, {@link barsFromAsyncIterable}, `parseOhlcvCsv`, `loadOhlcvCsv`)
 * validate every bar: open times strictly increase and lie on the timeframe's grid, prices are
 * finite and positive, `low <= min(open, close)`, `high >= max(open, close)`, volume is finite and
 * not negative. Treat the arrays as read-only.
 */
export interface BarColumns {
  /** Unified symbol, e.g. `BTC/USDT` or the CSV file's name. */
  readonly symbol: string;
  /** Bar length. */
  readonly timeframe: Timeframe;
  /** Bar length in milliseconds: `closeTime = openTime + timeframeMs`. */
  readonly timeframeMs: number;
  /** Number of bars. */
  readonly length: number;
  /** Open time of each bar, epoch milliseconds, strictly increasing. */
  readonly openTime: Float64Array;
  /** Open prices. */
  readonly open: Float64Array;
  /** High prices. */
  readonly high: Float64Array;
  /** Low prices. */
  readonly low: Float64Array;
  /** Close prices. */
  readonly close: Float64Array;
  /** Volumes (base units). */
  readonly volume: Float64Array;
  /** Where the bars came from (file path or a description), used in error messages. */
  readonly source: string;
}

/** One OHLCV bar as plain numbers. `time` is the bar's OPEN time, epoch milliseconds. */
export interface OhlcvRow {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * Builds {@link BarColumns} from rows, validating them with the same rules as the CSV loader.
 * Error messages name `source` and the 0-based row index, e.g.
 * `rows of BTC/USDT: row 3: high 99.5 is below max(open, close) 100.2`.
 *
 * @throws BtError `DATA` with `details: { file, row, rule }` on the first bad row.
 * @example
 * ```ts
 * const columns = barsFromRows('BTC/USDT', '1m', [{ time: 0, open: 1, high: 2, low: 1, close: 2, volume: 5 }]);
 * ```
 */
export function barsFromRows(symbol: string, timeframe: Timeframe, rows: readonly OhlcvRow[], source?: string): BarColumns {
  const builder = new ColumnsBuilder(symbol, timeframe, source ?? `rows of ${symbol}`, 'row', rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    builder.push(row.time, row.open, row.high, row.low, row.close, row.volume, i);
  }
  return builder.finish();
}

/**
 * Builds {@link BarColumns} from an async stream of rows (a database cursor, a paged API),
 * validating each row as {@link barsFromRows} does. Memory grows by doubling, then is trimmed.
 *
 * @throws BtError `DATA` with `details: { file, row, rule }` on the first bad row.
 */
export async function barsFromAsyncIterable(
  symbol: string,
  timeframe: Timeframe,
  rows: AsyncIterable<OhlcvRow>,
  source?: string,
): Promise<BarColumns> {
  const builder = new ColumnsBuilder(symbol, timeframe, source ?? `rows of ${symbol}`, 'row');
  let i = 0;
  for await (const row of rows) {
    builder.push(row.time, row.open, row.high, row.low, row.close, row.volume, i);
    i++;
  }
  return builder.finish();
}
