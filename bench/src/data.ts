import type { BarColumns } from '@bt/sim-broker';
import { Prng } from './prng.js';

/** One minute in ms: every generated bar is a `1m` bar. */
export const MINUTE_MS = 60_000;
/** Open time of the first bar of an aligned dataset (2023-11-14T22:14:00Z, on the minute grid). */
export const BASE_TIME = 28_333_334 * MINUTE_MS;
/** Prices are multiples of this tick, so CSV text round-trips to the same doubles. */
const TICK_PER_UNIT = 100;
/** Volatility of the log price per bar. */
const SIGMA = 0.0015;

/** How the symbols' bars line up. */
export type Layout = 'aligned' | 'ragged';

/** What {@link generateDataset} makes. */
export interface DatasetSpec {
  /** Number of symbols. */
  readonly symbols: number;
  /** Bars per symbol (every symbol gets exactly this many). */
  readonly bars: number;
  readonly layout: Layout;
  /** PRNG seed; the same spec and seed give the same bars on every machine. */
  readonly seed?: number;
}

/** The name of symbol `s`: `S0000`, `S0001`..., so code-unit order is numeric order. */
export function symbolName(s: number): string {
  return `S${String(s).padStart(4, '0')}`;
}

const roundTick = (x: number): number => Math.round(x * TICK_PER_UNIT) / TICK_PER_UNIT;
const ceilTick = (x: number): number => Math.ceil(x * TICK_PER_UNIT) / TICK_PER_UNIT;
const floorTick = (x: number): number => Math.floor(x * TICK_PER_UNIT) / TICK_PER_UNIT;

/**
 * A deterministic OHLCV dataset: `symbols x bars` one-minute bars, straight into typed arrays in
 * the shape the sim-broker loaders produce ({@link BarColumns}).
 *
 * Prices follow a geometric random walk, rounded to 0.01 (so exact SMA ties happen, as on real
 * data), and every bar is consistent: `high >= max(open, close)`, `low <= min(open, close)`,
 * all prices positive. `aligned`: every symbol has a bar at every minute of the same span.
 * `ragged`: each symbol starts at a random minute within the first quarter of the span, and
 * about 2 % of its bars are followed by a gap of 1 to 30 missing minutes, so starts, ends and
 * gaps all differ.
 */
export function generateDataset(spec: DatasetSpec): BarColumns[] {
  const out: BarColumns[] = [];
  for (let s = 0; s < spec.symbols; s++) out.push(generateSymbol(spec, s));
  return out;
}

/** Symbol `s` of {@link generateDataset}'s dataset, alone (for loading one symbol at a time). */
export function generateSymbol(spec: DatasetSpec, s: number): BarColumns {
  const n = spec.bars;
  const random = new Prng(((spec.seed ?? 1) * 0x10001 + s * 7919 + (spec.layout === 'ragged' ? 1 : 0)) >>> 0);
  const openTime = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const ragged = spec.layout === 'ragged';
  let minute = ragged ? random.int(Math.max(1, Math.floor(n / 4))) : 0;
  let level = Math.log(10 + random.next() * 990);
  let previous = roundTick(Math.exp(level));
  for (let i = 0; i < n; i++) {
    openTime[i] = BASE_TIME + minute * MINUTE_MS;
    minute += 1;
    if (ragged && random.next() < 0.02) minute += 1 + random.int(30);
    level += SIGMA * random.gaussian();
    // Keep the walk in a sane band so prices stay far from the tick.
    if (level < Math.log(5)) level = Math.log(5);
    if (level > Math.log(50_000)) level = Math.log(50_000);
    const o = previous;
    const c = Math.max(0.01, roundTick(Math.exp(level)));
    const top = Math.max(o, c);
    const bottom = Math.min(o, c);
    const h = ceilTick(top * (1 + Math.abs(random.gaussian()) * SIGMA * 0.5));
    const l = Math.max(0.01, floorTick(bottom * (1 - Math.abs(random.gaussian()) * SIGMA * 0.5)));
    open[i] = o;
    close[i] = c;
    high[i] = Math.max(h, top);
    low[i] = Math.min(l, bottom);
    volume[i] = Math.round(random.next() * 1e6) / 1000;
    previous = c;
  }
  const symbol = symbolName(s);
  // Same fields, same order as the sim-broker loaders' result, so V8 sees one object shape.
  return {
    symbol,
    timeframe: '1m',
    timeframeMs: MINUTE_MS,
    length: n,
    openTime,
    open,
    high,
    low,
    close,
    volume,
    source: `generated ${symbol} (${spec.layout}, seed ${spec.seed ?? 1})`,
  };
}

/** The CSV text of one symbol's bars (`timestamp,open,high,low,close,volume`, epoch ms). */
export function toCsv(columns: BarColumns): string {
  const parts: string[] = ['timestamp,open,high,low,close,volume\n'];
  const { openTime, open, high, low, close, volume } = columns;
  for (let i = 0; i < columns.length; i++) {
    parts.push(`${openTime[i]},${open[i]},${high[i]},${low[i]},${close[i]},${volume[i]}\n`);
  }
  return parts.join('');
}
