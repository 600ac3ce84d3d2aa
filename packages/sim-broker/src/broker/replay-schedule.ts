import type { BarColumns } from '../data/columns.js';
import { buildTimeline } from '../data/timeline.js';

/**
 * Market indices in the narrowest typed array that holds every index of the markets: one byte
 * each for up to 256 markets, two for up to 65,536, else four.
 */
export type MarketIndexArray = Uint8Array | Uint16Array | Int32Array;

/**
 * Which markets tick at each step of a replay, precomputed once so that a step costs only the
 * bars that close at it. Step `k` (0-based) happens at `times[k]`, the k-th time of the global
 * timeline (the ascending union of bar close times); the markets whose bar closes then are
 * `ticking[tickStart[k] .. tickStart[k + 1])`, ascending (canonical order). Nothing is
 * forward-filled: a market with no bar closing at `times[k]` does not tick.
 *
 * Memory: 8 bytes per step for `times`, 4 per step for `tickStart`, and one market index per bar
 * in `ticking` (1 byte per bar for up to 256 markets). Building it allocates nothing per bar
 * beyond these arrays.
 */
export class ReplaySchedule {
  /** Step times: bar close times, ascending, each once. */
  readonly times: Float64Array;
  /** Offsets into {@link ReplaySchedule.ticking}, one per step plus one. */
  readonly tickStart: Int32Array;
  /** Market indices, step after step (see {@link MarketIndexArray} for the element type). */
  readonly ticking: MarketIndexArray;
  /** Close time of each market's last bar (-Infinity for a market without bars). */
  readonly lastClose: Float64Array;

  /** @param columns one per market, in market (canonical) order. */
  constructor(columns: readonly BarColumns[]) {
    const times = buildTimeline(columns);
    this.times = times;
    const tickEnd = countBarsPerStep(columns, times);
    this.ticking = marketIndexArray(columns.length, tickEnd[times.length] as number);
    fillTicking(columns, times, tickEnd, this.ticking);
    // fillTicking moved each step's cursor from its end back to its start.
    this.tickStart = tickEnd;
    this.lastClose = Float64Array.from(columns, (c) =>
      c.length === 0 ? Number.NEGATIVE_INFINITY : (c.openTime[c.length - 1] as number) + c.timeframeMs,
    );
  }

  /** Number of steps. */
  get length(): number {
    return this.times.length;
  }
}

/**
 * A zeroed array of `length` market indices, in the narrowest type that holds the index of every
 * one of `markets` markets.
 */
export function marketIndexArray(markets: number, length: number): MarketIndexArray {
  if (markets <= 0x100) return new Uint8Array(length);
  if (markets <= 0x10000) return new Uint16Array(length);
  return new Int32Array(length);
}

/**
 * Per step `k`, the END offset of its markets in `ticking` (the number of bars closing at steps
 * `0..k`), at index `k`; index `times.length` holds the total number of bars.
 */
function countBarsPerStep(columns: readonly BarColumns[], times: Float64Array): Int32Array {
  const steps = times.length;
  const ends = new Int32Array(steps + 1);
  for (const c of columns) {
    let k = firstStep(c, times);
    for (let i = 0; i < c.length; i++) {
      k = stepOfBar(c, i, times, k);
      ends[k] = (ends[k] as number) + 1;
    }
  }
  let total = 0;
  for (let k = 0; k < steps; k++) {
    total += ends[k] as number;
    ends[k] = total;
  }
  ends[steps] = total;
  return ends;
}

/**
 * Writes every market's index at the steps its bars close at. Each step's slot is filled from its
 * end (`cursor[k]`, decremented per write) with the markets taken last to first, so each step
 * lists its markets ascending and `cursor[k]` ends at the step's start offset.
 */
function fillTicking(columns: readonly BarColumns[], times: Float64Array, cursor: Int32Array, ticking: MarketIndexArray): void {
  for (let m = columns.length - 1; m >= 0; m--) {
    const c = columns[m] as BarColumns;
    let k = firstStep(c, times);
    for (let i = 0; i < c.length; i++) {
      k = stepOfBar(c, i, times, k);
      const slot = (cursor[k] as number) - 1;
      ticking[slot] = m;
      cursor[k] = slot;
    }
  }
}

/** The step of the first bar of `columns` (0 when it has no bars). */
function firstStep(columns: BarColumns, times: Float64Array): number {
  return columns.length === 0 ? 0 : lowerBound(times, (columns.openTime[0] as number) + columns.timeframeMs);
}

/**
 * The step of bar `i` of `columns`: the position of its close time in `times`, searched forward
 * from `from` (the previous bar's step, or {@link firstStep} for the first bar).
 */
function stepOfBar(columns: BarColumns, i: number, times: Float64Array, from: number): number {
  const close = (columns.openTime[i] as number) + columns.timeframeMs;
  let k = from;
  while ((times[k] as number) < close) k++;
  return k;
}

function lowerBound(times: Float64Array, value: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
