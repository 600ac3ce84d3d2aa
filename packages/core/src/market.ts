import type { Timeframe } from './timeframe.js';

/**
 * One OHLCV bar. Times are integer milliseconds since the Unix epoch, UTC.
 * A bar is visible to strategies only from its `closeTime` on.
 */
export interface Bar {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Start of the bar's interval (inclusive). */
  readonly openTime: number;
  /** End of the bar's interval: the moment the bar becomes known. */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * The closed bars of one symbol, oldest first, read without copying.
 *
 * Index `0` is the oldest bar in the series and `length - 1` the newest; a negative index counts
 * from the newest (`-1` is the newest). Brokers may hand out a live view that they update when
 * time moves on: within one tick it never changes, but keep {@link BarSeries.toArray} if you need
 * the bars later.
 */
export interface BarSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Number of bars in the series. */
  readonly length: number;
  /** The bar at `index`, as a new object, or undefined when out of range. */
  at(index: number): Bar | undefined;
  /** Open price at `index` (NaN when out of range). */
  open(index: number): number;
  /** High price at `index` (NaN when out of range). */
  high(index: number): number;
  /** Low price at `index` (NaN when out of range). */
  low(index: number): number;
  /** Close price at `index` (NaN when out of range). */
  close(index: number): number;
  /** Volume at `index` (NaN when out of range). */
  volume(index: number): number;
  /** Open time at `index` (NaN when out of range). */
  openTime(index: number): number;
  /** Close time at `index` (NaN when out of range). */
  closeTime(index: number): number;
  /** A copy of the bars, oldest first. */
  toArray(): Bar[];
}

/** Trading rules of one market, as the venue states them. */
export interface Market {
  /** Unified symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly type: 'spot' | 'swap' | 'future';
  /** Smallest amount step (e.g. 0.00001), or undefined when the venue sets none. */
  readonly amountStep?: number;
  /** Smallest price step (e.g. 0.01), or undefined when the venue sets none. */
  readonly priceStep?: number;
  readonly minAmount?: number;
  readonly minNotional?: number;
  readonly active: boolean;
}

/** A {@link BarSeries} over a plain array of bars. */
export class ArrayBarSeries implements BarSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly #bars: readonly Bar[];

  constructor(symbol: string, timeframe: Timeframe, bars: readonly Bar[]) {
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.#bars = bars;
  }

  get length(): number {
    return this.#bars.length;
  }

  at(index: number): Bar | undefined {
    const bar = this.#bars[index < 0 ? this.#bars.length + index : index];
    return bar === undefined ? undefined : { ...bar };
  }

  open(index: number): number {
    return this.#field(index, 'open');
  }

  high(index: number): number {
    return this.#field(index, 'high');
  }

  low(index: number): number {
    return this.#field(index, 'low');
  }

  close(index: number): number {
    return this.#field(index, 'close');
  }

  volume(index: number): number {
    return this.#field(index, 'volume');
  }

  openTime(index: number): number {
    return this.#field(index, 'openTime');
  }

  closeTime(index: number): number {
    return this.#field(index, 'closeTime');
  }

  toArray(): Bar[] {
    return this.#bars.map((bar) => ({ ...bar }));
  }

  #field(index: number, key: 'open' | 'high' | 'low' | 'close' | 'volume' | 'openTime' | 'closeTime'): number {
    const bar = this.#bars[index < 0 ? this.#bars.length + index : index];
    return bar === undefined ? Number.NaN : bar[key];
  }
}
