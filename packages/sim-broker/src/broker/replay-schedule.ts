import type { BarColumns } from '../data/columns.js';
import { buildTimeline } from '../data/timeline.js';

/**
 * Which markets tick at each step of a replay, precomputed once so that a step costs only the
 * bars that close at it. Step `k` (0-based) happens at `times[k]`, the k-th time of the global
 * timeline (the ascending union of bar close times); the markets whose bar closes then are
 * `ticking[tickStart[k] .. tickStart[k + 1])`, ascending (canonical order). Nothing is
 * forward-filled: a market with no bar closing at `times[k]` does not tick.
 */
export class ReplaySchedule {
  /** Step times: bar close times, ascending, each once. */
  readonly times: Float64Array;
  /** Offsets into {@link ReplaySchedule.ticking}, one per step plus one. */
  readonly tickStart: Int32Array;
  /** Market indices, step after step. */
  readonly ticking: Int32Array;
  /** Close time of each market's last bar (-Infinity for a market without bars). */
  readonly lastClose: Float64Array;

  /** @param columns one per market, in market (canonical) order. */
  constructor(columns: readonly BarColumns[]) {
    const times = buildTimeline(columns);
    this.times = times;
    const steps = times.length;
    const counts = new Int32Array(steps + 1);
    const stepOfBar = columns.map((c) => stepsOf(c, times));
    for (const list of stepOfBar) {
      for (let i = 0; i < list.length; i++) {
        const k = (list[i] as number) + 1;
        counts[k] = (counts[k] as number) + 1;
      }
    }
    for (let k = 0; k < steps; k++) counts[k + 1] = (counts[k + 1] as number) + (counts[k] as number);
    this.tickStart = counts;
    const fill = counts.slice(0, steps);
    this.ticking = new Int32Array(counts[steps] as number);
    stepOfBar.forEach((list, m) => {
      for (let i = 0; i < list.length; i++) {
        const k = list[i] as number;
        this.ticking[fill[k] as number] = m;
        fill[k] = (fill[k] as number) + 1;
      }
    });
    this.lastClose = Float64Array.from(columns, (c) =>
      c.length === 0 ? Number.NEGATIVE_INFINITY : (c.openTime[c.length - 1] as number) + c.timeframeMs,
    );
  }

  /** Number of steps. */
  get length(): number {
    return this.times.length;
  }
}

/** The step index of each bar of `columns` (its close time's position in `times`). */
function stepsOf(columns: BarColumns, times: Float64Array): Int32Array {
  const out = new Int32Array(columns.length);
  let k = 0;
  for (let i = 0; i < columns.length; i++) {
    const close = (columns.openTime[i] as number) + columns.timeframeMs;
    if (i === 0) k = lowerBound(times, close);
    while ((times[k] as number) < close) k++;
    out[i] = k;
  }
  return out;
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
