import type { Bar, BarSeries, Clock, Logger, Timeframe } from '@bt/core';
import { ArrayBarSeries, BtError } from '@bt/core';

/** One candle as ccxt gives it: `[openTime, open, high, low, close, volume]` (a field may be missing). */
export type CandleRow = readonly (number | undefined)[];

/** How a bar feed gets its bars right now. */
export type BarFeedMode = 'polling' | 'streaming';

/** What a bar feed reports about itself. */
export interface BarFeedStatus {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly mode: BarFeedMode;
  /** Times the stream failed (each one fell back to polling). */
  readonly streamFailures: number;
  /** Times the stream came back after a failure. */
  readonly resubscriptions: number;
}

/** What a {@link BarFeed} needs from the broker. */
export interface BarFeedDeps {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly timeframeMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** REST candles, newest last (a retried, classified call). */
  readonly fetch: (since: number | undefined, limit: number) => Promise<CandleRow[]>;
  /** The next stream update (ccxt pro `watchOHLCV`), or undefined when the venue cannot stream. */
  readonly watch?: () => Promise<CandleRow[]>;
  /** Delay before resubscribing after the `failures`-th consecutive stream failure. */
  readonly resubscribeDelay: (failures: number) => number;
  /** Ends the stream loop. */
  readonly signal: AbortSignal;
}

interface Candle {
  readonly openTime: number;
  readonly raw: CandleRow;
  /** True once the candle is known in its final form: fetched after it closed, or followed by a newer candle on the stream. */
  final: boolean;
}

/** Candles kept per feed beyond the largest lookback asked for. */
const SLACK = 16;

/**
 * Closed bars of one symbol and timeframe. Candles are cached; a REST poll fetches only what is
 * new. When a stream is available, updates come over it and REST is used only to fill gaps: at
 * start, after the stream came back from a failure, and when the newest closed candle has not
 * been confirmed final. While the stream is down, every read polls REST, and the stream loop
 * resubscribes with backoff.
 */
export class BarFeed {
  readonly #deps: BarFeedDeps;
  readonly #candles = new Map<number, Candle>();
  #mode: BarFeedMode = 'polling';
  #needsRest = true;
  #maxLimit = 0;
  #streamFailures = 0;
  #resubscriptions = 0;
  #streaming: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(deps: BarFeedDeps) {
    this.#deps = deps;
  }

  /** Mode and stream health. */
  status(): BarFeedStatus {
    return {
      symbol: this.#deps.symbol,
      timeframe: this.#deps.timeframe,
      mode: this.#mode,
      streamFailures: this.#streamFailures,
      resubscriptions: this.#resubscriptions,
    };
  }

  /** Starts the stream loop (once), when the venue can stream. */
  startStream(): void {
    if (this.#streaming !== undefined || this.#deps.watch === undefined) return;
    this.#streaming = this.#streamLoop(this.#deps.watch);
  }

  /** Resolves when the stream loop has ended (after the signal aborted). */
  async stopped(): Promise<void> {
    await this.#streaming;
  }

  /** The newest `limit` closed bars, oldest first. */
  async bars(limit: number): Promise<BarSeries> {
    const { symbol, timeframe, timeframeMs, clock } = this.#deps;
    if (!(Number.isInteger(limit) && limit >= 0))
      throw new BtError('CONFIG', `getBars(${symbol}): limit must be an integer >= 0, got ${limit}`);
    this.#maxLimit = Math.max(this.#maxLimit, limit);
    if (this.#mustPoll(limit, clock.now())) await this.#refresh(limit);
    const cutoff = clock.now();
    const bars = closedBars(
      [...this.#candles.values()].map((c) => c.raw),
      symbol,
      timeframe,
      timeframeMs,
      cutoff,
    );
    return new ArrayBarSeries(symbol, timeframe, limit === 0 ? [] : bars.slice(-limit));
  }

  #mustPoll(limit: number, now: number): boolean {
    if (this.#mode !== 'streaming' || this.#needsRest || this.#countClosed(now) < limit) return true;
    const newestClosed = this.#newestClosed(now);
    return newestClosed !== undefined && !newestClosed.final;
  }

  #newestClosed(now: number): Candle | undefined {
    let newest: Candle | undefined;
    for (const candle of this.#candles.values()) {
      if (candle.openTime + this.#deps.timeframeMs <= now && (newest === undefined || candle.openTime > newest.openTime)) newest = candle;
    }
    return newest;
  }

  /** One REST poll; concurrent readers share it. */
  async #refresh(limit: number): Promise<void> {
    if (this.#refreshing === undefined) {
      this.#refreshing = this.#poll(limit).finally(() => {
        this.#refreshing = undefined;
      });
    }
    await this.#refreshing;
    // A reader that asked for more than the shared poll fetched polls again.
    if (this.#countClosed(this.#deps.clock.now()) < limit && this.#refreshing === undefined) await this.#poll(limit);
  }

  async #poll(limit: number): Promise<void> {
    const { timeframeMs, clock } = this.#deps;
    const now = clock.now();
    const newest = this.#newestOpenTime();
    // Incrementally, everything from the newest cached candle on (it may have been forming when
    // fetched), while that covers the lookback; else the newest `limit` closed candles afresh.
    const count = newest === undefined ? Number.POSITIVE_INFINITY : Math.max(2, Math.ceil((now - newest) / timeframeMs) + 2);
    const incremental = newest !== undefined && this.#countClosed(now) >= limit && count <= limit + 1;
    const candles = incremental ? await this.#deps.fetch(newest, count) : await this.#deps.fetch(undefined, limit + 1);
    const fetchedAt = clock.now();
    for (const raw of candles) this.#put(raw, fetchedAt, true);
    this.#needsRest = false;
    this.#trim();
  }

  #put(raw: CandleRow, seenAt: number, fromRest: boolean): void {
    const openTime = raw[0];
    if (typeof openTime !== 'number') return;
    const closed = openTime + this.#deps.timeframeMs <= seenAt;
    const previous = this.#candles.get(openTime);
    // A streamed update never downgrades a candle REST already confirmed.
    if (previous?.final && !fromRest) return;
    this.#candles.set(openTime, { openTime, raw, final: fromRest && closed });
    if (!fromRest) {
      // A newer candle on the stream means the older ones received their last update.
      for (const candle of this.#candles.values()) if (candle.openTime < openTime) candle.final = true;
    }
  }

  #countClosed(now: number): number {
    let count = 0;
    for (const candle of this.#candles.values()) if (candle.openTime + this.#deps.timeframeMs <= now) count++;
    return count;
  }

  #newestOpenTime(): number | undefined {
    let newest: number | undefined;
    for (const openTime of this.#candles.keys()) if (newest === undefined || openTime > newest) newest = openTime;
    return newest;
  }

  #trim(): void {
    const keep = this.#maxLimit + SLACK;
    if (this.#candles.size <= keep) return;
    const times = [...this.#candles.keys()].sort((a, b) => a - b);
    for (const openTime of times.slice(0, times.length - keep)) this.#candles.delete(openTime);
  }

  async #streamLoop(watch: () => Promise<CandleRow[]>): Promise<void> {
    const { signal, clock, log, symbol, timeframe } = this.#deps;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const candles = await watch();
        if (signal.aborted) break;
        const now = clock.now();
        for (const raw of candles) this.#put(raw, now, false);
        this.#trim();
        if (this.#mode !== 'streaming') {
          if (this.#streamFailures > 0) {
            this.#resubscriptions++;
            log.info('bar stream resubscribed; gaps are filled over REST', { symbol, timeframe });
          }
          this.#mode = 'streaming';
          // Candles may have closed while the stream was down: the next read fills the gap.
          this.#needsRest = true;
        }
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.#streamFailures++;
        this.#mode = 'polling';
        this.#needsRest = true;
        const delay = this.#deps.resubscribeDelay(failures);
        log.warn('bar stream failed; polling REST until it resubscribes', {
          symbol,
          timeframe,
          failures,
          retryInMs: delay,
          cause: error instanceof Error ? error.message : String(error),
        });
        await clock.sleep(delay, signal);
      }
    }
  }
}

/**
 * Bars of ccxt candles that have closed by `cutoff`: the candle an exchange returns last is
 * usually still forming (its close time, `openTime + timeframeMs`, is after now) and is dropped.
 * Candles are sorted by open time; duplicates keep the last one given.
 */
export function closedBars(
  candles: readonly CandleRow[],
  symbol: string,
  timeframe: Timeframe,
  timeframeMs: number,
  cutoff: number,
): Bar[] {
  const byOpen = new Map<number, Bar>();
  for (const candle of candles) {
    const bar = toBar(candle, symbol, timeframe, timeframeMs);
    if (bar !== undefined && bar.closeTime <= cutoff) byOpen.set(bar.openTime, bar);
  }
  return [...byOpen.values()].sort((a, b) => a.openTime - b.openTime);
}

/** One ccxt candle as a core bar, or undefined when a field is missing. */
export function toBar(candle: CandleRow, symbol: string, timeframe: Timeframe, timeframeMs: number): Bar | undefined {
  const [openTime, open, high, low, close, volume] = candle;
  if (
    typeof openTime !== 'number' ||
    typeof open !== 'number' ||
    typeof high !== 'number' ||
    typeof low !== 'number' ||
    typeof close !== 'number'
  ) {
    return undefined;
  }
  return Object.freeze({
    symbol,
    timeframe,
    openTime,
    closeTime: openTime + timeframeMs,
    open,
    high,
    low,
    close,
    volume: typeof volume === 'number' ? volume : 0,
  });
}
