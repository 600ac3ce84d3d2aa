import { BtError, formatIsoTime, type Timeframe, timeframeToMs } from '@bt/core';
import type { BarColumns } from './columns.js';
import { resized } from './typed-arrays.js';

/**
 * The rule a data row broke, as a closed set. It is `details.rule` of the {@link BtError}
 * (code `DATA`) that the loaders throw.
 *
 * - `time-order`: the open time does not strictly increase (it repeats or goes backwards).
 * - `grid`: the open time is not a multiple of the timeframe (`openTime % timeframeMs !== 0`).
 * - `high`: high is below max(open, close).
 * - `low`: low is above min(open, close).
 * - `price`: a price is not finite or not positive.
 * - `volume`: the volume is negative or not finite.
 * - `column-count`: fewer than 6 columns, or a different count than the first row.
 * - `number`: a price or volume field is not a number.
 * - `timestamp`: the timestamp field is not an epoch (s or ms) or ISO-8601 time with offset.
 * - `blank-line`: an empty line other than the final one.
 * - `no-data`: a CSV file holds no data row.
 */
export type DataRule =
  | 'time-order'
  | 'grid'
  | 'high'
  | 'low'
  | 'price'
  | 'volume'
  | 'column-count'
  | 'number'
  | 'timestamp'
  | 'blank-line'
  | 'no-data';

/** How a failing row is named in messages: a 1-based file `line` or a 0-based `row` index. */
export type LocationKind = 'line' | 'row';

/** The `DATA` error for a broken rule at one line (CSV) or row (rows API). */
export function dataError(source: string, kind: LocationKind, where: number, rule: DataRule, message: string): BtError {
  if (kind === 'line') {
    return new BtError('DATA', `${source}:${where}: ${message}`, { details: { file: source, line: where, rule } });
  }
  return new BtError('DATA', `${source}: row ${where}: ${message}`, { details: { file: source, row: where, rule } });
}

const INITIAL_CAPACITY = 1024;

/**
 * Collects validated bars into growable columns (capacity doubles), then trims them to the exact
 * length. Internal to the data layer: every loader funnels through {@link ColumnsBuilder.push}, so
 * CSV, arrays and async iterables obey the same rules.
 */
export class ColumnsBuilder {
  /** Symbol of the bars. */
  readonly symbol: string;
  /** Bar length. */
  readonly timeframe: Timeframe;
  /** Bar length in ms. */
  readonly timeframeMs: number;
  /** Named in error messages. */
  readonly source: string;
  /** Whether errors name a file line or a row index. */
  readonly kind: LocationKind;
  /** Bars pushed so far. */
  length = 0;
  #capacity: number;
  #openTime: Float64Array;
  #open: Float64Array;
  #high: Float64Array;
  #low: Float64Array;
  #close: Float64Array;
  #volume: Float64Array;
  #lastTime = Number.NEGATIVE_INFINITY;

  /** `capacityHint`: the expected number of bars (the arrays start that large and double when full). */
  constructor(symbol: string, timeframe: Timeframe, source: string, kind: LocationKind, capacityHint = INITIAL_CAPACITY) {
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.timeframeMs = timeframeToMs(timeframe);
    this.source = source;
    this.kind = kind;
    const capacity = Math.max(16, Math.ceil(capacityHint));
    this.#capacity = capacity;
    this.#openTime = new Float64Array(capacity);
    this.#open = new Float64Array(capacity);
    this.#high = new Float64Array(capacity);
    this.#low = new Float64Array(capacity);
    this.#close = new Float64Array(capacity);
    this.#volume = new Float64Array(capacity);
  }

  /**
   * Validates one bar and appends it. `where` is the 1-based line or 0-based row named in an error.
   * @throws BtError `DATA` naming the source, the location and the rule.
   */
  push(time: number, open: number, high: number, low: number, close: number, volume: number, where: number): void {
    // Every comparison is written so that NaN fails it.
    if (!(time > -8.64e15 && time < 8.64e15)) {
      this.fail(where, 'timestamp', `timestamp ${time} is not an epoch-ms time (finite, within ±8.64e15)`);
    }
    const step = this.timeframeMs;
    // Same as `time % step === 0` for integers below 2^53, without the slow float modulo.
    if (Math.floor(time / step) * step !== time) {
      const offset = ((time % step) + step) % step;
      this.fail(
        where,
        'grid',
        `open time ${formatIsoTime(time)} is off the ${this.timeframe} grid (openTime % ${this.timeframeMs} = ${offset}, expected 0)`,
      );
    }
    if (!(time > this.#lastTime)) {
      const what = time === this.#lastTime ? 'repeats' : 'goes backwards from';
      this.fail(where, 'time-order', `open time ${formatIsoTime(time)} ${what} the previous bar's ${formatIsoTime(this.#lastTime)}`);
    }
    if (!(open > 0 && open < Number.POSITIVE_INFINITY)) this.#badPrice(where, 'open', open);
    if (!(high > 0 && high < Number.POSITIVE_INFINITY)) this.#badPrice(where, 'high', high);
    if (!(low > 0 && low < Number.POSITIVE_INFINITY)) this.#badPrice(where, 'low', low);
    if (!(close > 0 && close < Number.POSITIVE_INFINITY)) this.#badPrice(where, 'close', close);
    if (!(volume >= 0 && volume < Number.POSITIVE_INFINITY)) {
      this.fail(where, 'volume', `volume ${volume} is ${volume < 0 ? 'negative' : 'not finite'}`);
    }
    const top = Math.max(open, close);
    if (high < top) this.fail(where, 'high', `high ${high} is below max(open, close) ${top}`);
    const bottom = Math.min(open, close);
    if (low > bottom) this.fail(where, 'low', `low ${low} is above min(open, close) ${bottom}`);

    const i = this.length;
    if (i === this.#capacity) this.#grow();
    this.#openTime[i] = time;
    this.#open[i] = open;
    this.#high[i] = high;
    this.#low[i] = low;
    this.#close[i] = close;
    this.#volume[i] = volume;
    this.#lastTime = time;
    this.length = i + 1;
  }

  /** The collected bars, with every array trimmed to exactly `length`. The builder is spent. */
  finish(): BarColumns {
    const n = this.length;
    const trim = (a: Float64Array): Float64Array => (a.length === n ? a : a.slice(0, n));
    const columns: BarColumns = {
      symbol: this.symbol,
      timeframe: this.timeframe,
      timeframeMs: this.timeframeMs,
      length: n,
      openTime: trim(this.#openTime),
      open: trim(this.#open),
      high: trim(this.#high),
      low: trim(this.#low),
      close: trim(this.#close),
      volume: trim(this.#volume),
      source: this.source,
    };
    this.#capacity = 0;
    this.#openTime = this.#open = this.#high = this.#low = this.#close = this.#volume = new Float64Array(0);
    return columns;
  }

  /** Throws the `DATA` error for `rule` at `where`. */
  fail(where: number, rule: DataRule, message: string): never {
    throw dataError(this.source, this.kind, where, rule, message);
  }

  #badPrice(where: number, field: string, value: number): never {
    this.fail(where, 'price', `${field} ${value} is not a ${Number.isFinite(value) ? 'positive' : 'finite'} price`);
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    this.#openTime = resized(this.#openTime, capacity);
    this.#open = resized(this.#open, capacity);
    this.#high = resized(this.#high, capacity);
    this.#low = resized(this.#low, capacity);
    this.#close = resized(this.#close, capacity);
    this.#volume = resized(this.#volume, capacity);
    this.#capacity = capacity;
  }
}
