import type { Bar, BarSeries, Timeframe } from '@bt/core';
import { BtError } from '@bt/core';
import type { BarColumns } from './columns.js';

/**
 * A zero-copy {@link BarSeries} over a window of a {@link BarColumns}: bars
 * `[max(0, end - limit), end)` of the columns. The broker keeps one per symbol and moves its
 * window in place with {@link ColumnarBarSeries.setWindow} as time advances, so a tick allocates
 * nothing.
 *
 * Indexing follows {@link BarSeries}: `0` is the oldest bar in the window, `length - 1` the
 * newest, a negative index counts from the newest; out of range (or not an integer) gives NaN, or
 * undefined from {@link ColumnarBarSeries.at}. A new series shows no bar until `setWindow` is called.
 *
 * @example
 * ```ts
 * const series = new ColumnarBarSeries(columns);
 * series.setWindow(101, 50); // bars 51..100; series.close(-1) is columns.close[100]
 * ```
 */
export class ColumnarBarSeries implements BarSeries {
  /** The columns this view reads. */
  readonly columns: BarColumns;
  /** The columns' symbol. */
  readonly symbol: string;
  /** The columns' timeframe. */
  readonly timeframe: Timeframe;
  #start = 0;
  // The columns read every tick, held directly: a read touches this object and the array only.
  readonly #length: number;
  readonly #openTime: Float64Array;
  readonly #close: Float64Array;
  readonly #timeframeMs: number;
  #end = 0;

  /** A view over `columns` that shows no bar until {@link ColumnarBarSeries.setWindow} is called. */
  constructor(columns: BarColumns) {
    this.columns = columns;
    this.#length = columns.length;
    this.#openTime = columns.openTime;
    this.#close = columns.close;
    this.#timeframeMs = columns.timeframeMs;
    this.symbol = columns.symbol;
    this.timeframe = columns.timeframe;
  }

  /**
   * Shows bars `[max(0, end - limit), end)` of the columns (`end` exclusive, so the newest visible
   * bar is `end - 1`). Updates this object in place and returns it.
   *
   * @param end integer in `[0, columns.length]`.
   * @param limit most bars to show, an integer `>= 0` or `Infinity`.
   * @throws BtError `INTERNAL` when `end` or `limit` is out of range.
   */
  setWindow(end: number, limit: number): this {
    if (!(end >= 0 && end <= this.#length && (end | 0) === end)) {
      throw new BtError(
        'INTERNAL',
        `ColumnarBarSeries(${this.symbol}).setWindow: end ${end} is not an integer in [0, ${this.columns.length}]`,
      );
    }
    if (!(limit >= 0 && (Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY))) {
      throw new BtError('INTERNAL', `ColumnarBarSeries(${this.symbol}).setWindow: limit ${limit} is not an integer >= 0 or Infinity`);
    }
    this.#end = end;
    this.#start = Math.max(0, end - limit);
    return this;
  }

  /** Column index of the oldest bar in the window. */
  get windowStart(): number {
    return this.#start;
  }

  /** Column index one past the newest bar in the window. */
  get windowEnd(): number {
    return this.#end;
  }

  /** Number of bars in the window. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** The bar at `index` as a new object, or undefined when out of range. */
  at(index: number): Bar | undefined {
    const i = this.#resolve(index);
    if (i < 0) return undefined;
    const c = this.columns;
    const openTime = c.openTime[i]!;
    return {
      symbol: this.symbol,
      timeframe: this.timeframe,
      openTime,
      closeTime: openTime + c.timeframeMs,
      open: c.open[i]!,
      high: c.high[i]!,
      low: c.low[i]!,
      close: c.close[i]!,
      volume: c.volume[i]!,
    };
  }

  /** Open price at `index` (NaN when out of range). */
  open(index: number): number {
    return read(this.columns.open, this.#resolve(index));
  }

  /** High price at `index` (NaN when out of range). */
  high(index: number): number {
    return read(this.columns.high, this.#resolve(index));
  }

  /** Low price at `index` (NaN when out of range). */
  low(index: number): number {
    return read(this.columns.low, this.#resolve(index));
  }

  /** Close price at `index` (NaN when out of range). */
  close(index: number): number {
    return read(this.#close, this.#resolve(index));
  }

  /** Volume at `index` (NaN when out of range). */
  volume(index: number): number {
    return read(this.columns.volume, this.#resolve(index));
  }

  /** Open time at `index`, epoch ms (NaN when out of range). */
  openTime(index: number): number {
    return read(this.#openTime, this.#resolve(index));
  }

  /** Close time at `index`: open time + timeframe, epoch ms (NaN when out of range). */
  closeTime(index: number): number {
    // Written out (no helper calls): strategies call it several times a tick, and callers too
    // large to inline more into would otherwise pay a call for each.
    const length = this.#end - this.#start;
    const k = index < 0 ? length + index : index;
    if (k >= 0 && k < length && (k | 0) === k) return (this.#openTime[this.#start + k] as number) + this.#timeframeMs;
    return Number.NaN;
  }

  /** A copy of the window's bars, oldest first. */
  toArray(): Bar[] {
    const bars: Bar[] = [];
    for (let i = 0; i < this.length; i++) bars.push(this.at(i)!);
    return bars;
  }

  /** Column index of window index `index`, or -1 when out of range. */
  #resolve(index: number): number {
    const length = this.#end - this.#start;
    const k = index < 0 ? length + index : index;
    // (k | 0) === k: an integer (k < length < 2^31), without Number.isInteger's call.
    return k >= 0 && k < length && (k | 0) === k ? this.#start + k : -1;
  }
}

function read(array: Float64Array, i: number): number {
  return i < 0 ? Number.NaN : array[i]!;
}
