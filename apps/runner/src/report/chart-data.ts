import type { PriceSeries } from '../run/output.js';
import type { TradeRecord } from './read.js';

/** A point of a line chart: time in UTC seconds (lightweight-charts' UTCTimestamp). */
export interface LinePoint {
  readonly time: number;
  readonly value: number;
}

/** A candle: time in UTC seconds. */
export interface Candle {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** A trade marker on a price chart. */
export interface Marker {
  readonly time: number;
  readonly position: 'aboveBar' | 'belowBar';
  readonly shape: 'arrowUp' | 'arrowDown';
  readonly color: string;
  /** `entry <price>` or `exit <price>`. */
  readonly id: string;
  /** Drawn smaller than the default, since every trade gets one. */
  readonly size: number;
}

/** The data of every chart of a report. */
export interface ChartData {
  readonly equity: readonly LinePoint[];
  /** Drawdown from the running peak, in percent (0 or negative). */
  readonly drawdown: readonly LinePoint[];
  readonly prices: readonly { readonly symbol: string; readonly candles: readonly Candle[]; readonly markers: readonly Marker[] }[];
}

/** Most points drawn per line chart; longer curves are downsampled. */
export const MAX_LINE_POINTS = 3000;

const MARKER_SIZE = 0.6;
const BUY = '#16a34a';
const SELL = '#dc2626';

/**
 * The equity curve and its drawdown, downsampled to at most `maxPoints` buckets of consecutive
 * samples: equity keeps each bucket's last value, drawdown its deepest value, both computed from
 * the full-resolution curve first, so the worst drawdown always shows.
 */
export function equityCharts(
  times: readonly number[],
  values: readonly number[],
  maxPoints = MAX_LINE_POINTS,
): { equity: LinePoint[]; drawdown: LinePoint[] } {
  const per = Math.max(1, Math.ceil(times.length / maxPoints));
  const equity: LinePoint[] = [];
  const drawdown: LinePoint[] = [];
  let peak = Number.NEGATIVE_INFINITY;
  let deepest = 0;
  for (let i = 0; i < times.length; i++) {
    const value = values[i] as number;
    peak = Math.max(peak, value);
    const dd = peak > 0 ? (value / peak - 1) * 100 : 0;
    deepest = Math.min(deepest, dd);
    const last = i === times.length - 1 || (i + 1) % per === 0;
    if (last) {
      const time = Math.floor((times[i] as number) / 1000);
      equity.push({ time, value });
      drawdown.push({ time, value: deepest });
      deepest = 0;
    }
  }
  return { equity: dedupeTimes(equity), drawdown: dedupeTimes(drawdown) };
}

/** Keeps the last point of each time (charts need strictly increasing times). */
function dedupeTimes(points: LinePoint[]): LinePoint[] {
  const out: LinePoint[] = [];
  for (const point of points) {
    if (out.length > 0 && (out[out.length - 1] as LinePoint).time === point.time) out[out.length - 1] = point;
    else out.push(point);
  }
  return out;
}

/**
 * A symbol's candles and one marker per trade entry and per exit: every trade is marked, each at
 * the candle that holds its fill (candles may merge several bars).
 */
export function priceChart(series: PriceSeries, trades: readonly TradeRecord[]): { candles: Candle[]; markers: Marker[] } {
  const candles = series.candles.map(([t, open, high, low, close]) => ({ time: Math.floor(t / 1000), open, high, low, close }));
  const starts = series.candles.map((c) => c[0]);
  const snap = (ms: number): number => {
    // The last candle starting at or before `ms` (the first one for earlier times).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return Math.floor((starts[lo] ?? ms) / 1000);
  };
  const markers: Marker[] = [];
  for (const trade of trades) {
    const long = trade.size > 0;
    markers.push({
      time: snap(trade.entryTime),
      position: long ? 'belowBar' : 'aboveBar',
      shape: long ? 'arrowUp' : 'arrowDown',
      color: long ? BUY : SELL,
      id: `entry ${trade.entryPrice}`,
      size: MARKER_SIZE,
    });
    if (trade.exitTime !== undefined) {
      markers.push({
        time: snap(trade.exitTime),
        position: long ? 'aboveBar' : 'belowBar',
        shape: long ? 'arrowDown' : 'arrowUp',
        color: long ? SELL : BUY,
        id: `exit ${trade.exitPrice}`,
        size: MARKER_SIZE,
      });
    }
  }
  markers.sort((a, b) => a.time - b.time);
  return { candles, markers };
}

/** Every chart's data for a report. */
export function chartData(
  equity: { readonly times: readonly number[]; readonly values: readonly number[] },
  prices: Readonly<Record<string, PriceSeries>>,
  trades: readonly TradeRecord[],
): ChartData {
  const curves = equityCharts(equity.times, equity.values);
  return {
    ...curves,
    prices: Object.keys(prices)
      .sort()
      .map((symbol) => ({
        symbol,
        ...priceChart(
          prices[symbol] as PriceSeries,
          trades.filter((t) => t.symbol === symbol),
        ),
      })),
  };
}
