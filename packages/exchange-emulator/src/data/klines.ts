import type { BarColumns } from '@bt/sim-broker';

/** One kline as the emulator serves it (REST and WebSocket). */
export interface Kline {
  readonly openTime: number;
  /** `openTime + interval - 1`, as Binance reports it. */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Base volume. */
  readonly volume: number;
  /** Quote volume, estimated as the sum of each bar's volume x its typical price `(h + l + c) / 3`. */
  readonly quoteVolume: number;
  /** True once the interval has ended (`openTime + interval <= now`). */
  readonly closed: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Binance's kline intervals (except `1M`), in milliseconds. */
export const BINANCE_INTERVALS: Readonly<Record<string, number>> = Object.freeze({
  '1s': 1_000,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
});

/** Weekly klines open on Mondays, 4 days after the epoch (a Thursday). */
const WEEK_OFFSET = 4 * DAY;

/**
 * The milliseconds of `interval` when it can be served from bars of `barMs` (a Binance interval
 * that is a whole multiple of the bar length), else undefined.
 */
export function intervalMs(interval: string, barMs: number): number | undefined {
  const ms = BINANCE_INTERVALS[interval];
  return ms !== undefined && ms >= barMs && ms % barMs === 0 ? ms : undefined;
}

/** Start of the interval of length `ms` that contains `time`. */
export function bucketStart(time: number, ms: number): number {
  const offset = ms === BINANCE_INTERVALS['1w'] ? WEEK_OFFSET : 0;
  return Math.floor((time - offset) / ms) * ms + offset;
}

/** Index of the first bar whose open time is `>= time` (the bar count when none is). */
export function lowerBound(openTime: Float64Array, time: number, length: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((openTime[mid] as number) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Number of bars visible at `now`: bars whose open time is `<= now`. The last of them is still
 * forming when its close is after `now`.
 */
export function visibleBars(columns: BarColumns, now: number): number {
  return lowerBound(columns.openTime, now + 1, columns.length);
}

/** What a klines request selects: Binance's `startTime`, `endTime` (on kline open times) and `limit`. */
export interface KlineQuery {
  readonly intervalMs: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
}

/**
 * The klines of `columns` at `now`, oldest first, as Binance answers `GET /api/v3/klines`: only
 * intervals that have begun; the newest may still be forming. A forming bar shows only what is
 * known at `now` (its open, as open, high, low and close, and no volume), so nothing leaks from
 * the future; longer intervals aggregate their bars the same way.
 */
export function queryKlines(columns: BarColumns, now: number, query: KlineQuery): Kline[] {
  const { intervalMs: ms, limit } = query;
  const visible = visibleBars(columns, now);
  let end = visible;
  if (query.endTime !== undefined) end = Math.min(end, lowerBound(columns.openTime, bucketStart(query.endTime, ms) + ms, columns.length));
  let start: number;
  if (query.startTime !== undefined) {
    start = lowerBound(columns.openTime, query.startTime, columns.length);
  } else {
    const perBucket = ms / columns.timeframeMs;
    start = Math.max(0, end - (limit + 1) * perBucket);
  }
  start = alignToBucket(columns, start, ms);
  // Enough bars for `limit` whole intervals after a possibly skipped first one; only the last may be cut.
  if (query.startTime !== undefined) end = Math.min(end, start + (limit + 2) * (ms / columns.timeframeMs));
  const klines: Kline[] = [];
  const all = buildKlines(columns, start, end, now, ms);
  for (const k of all) {
    if (query.startTime !== undefined && k.openTime < query.startTime) continue;
    if (query.endTime !== undefined && k.openTime > query.endTime) continue;
    klines.push(k);
  }
  return query.startTime !== undefined ? klines.slice(0, limit) : klines.slice(-limit);
}

/** The kline of the interval that contains `time`, as known at `now`, or undefined when it has no visible bar. */
export function klineAt(columns: BarColumns, time: number, now: number, ms: number): Kline | undefined {
  const s = bucketStart(time, ms);
  const from = lowerBound(columns.openTime, s, columns.length);
  const to = Math.min(visibleBars(columns, now), lowerBound(columns.openTime, s + ms, columns.length));
  return from < to ? buildKlines(columns, from, to, now, ms)[0] : undefined;
}

/** Moves `index` back to the first bar of its interval. */
function alignToBucket(columns: BarColumns, index: number, ms: number): number {
  if (index <= 0 || index >= columns.length) return Math.max(0, index);
  const s = bucketStart(columns.openTime[index] as number, ms);
  return lowerBound(columns.openTime, s, columns.length);
}

/** Klines of bars `[from, to)`, grouped by interval. */
function buildKlines(columns: BarColumns, from: number, to: number, now: number, ms: number): Kline[] {
  const out: Kline[] = [];
  const barMs = columns.timeframeMs;
  let i = from;
  while (i < to) {
    const s = bucketStart(columns.openTime[i] as number, ms);
    let open = Number.NaN;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let close = Number.NaN;
    let volume = 0;
    let quoteVolume = 0;
    while (i < to && (columns.openTime[i] as number) < s + ms) {
      const o = columns.open[i] as number;
      if (Number.isNaN(open)) open = o;
      if ((columns.openTime[i] as number) + barMs <= now) {
        const h = columns.high[i] as number;
        const l = columns.low[i] as number;
        const c = columns.close[i] as number;
        const v = columns.volume[i] as number;
        high = Math.max(high, h);
        low = Math.min(low, l);
        close = c;
        volume += v;
        quoteVolume += (v * (h + l + c)) / 3;
      } else {
        high = Math.max(high, o);
        low = Math.min(low, o);
        close = o;
      }
      i++;
    }
    out.push({ openTime: s, closeTime: s + ms - 1, open, high, low, close, volume, quoteVolume, closed: s + ms <= now });
  }
  return out;
}
