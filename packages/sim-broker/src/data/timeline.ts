import type { BarColumns } from './columns.js';
import { resized } from './typed-arrays.js';

/**
 * The global timeline: the ascending union of every symbol's bar CLOSE times
 * (`openTime + timeframeMs`), each time once. A bar becomes visible at its close, so these are the
 * moments at which the simulation steps.
 *
 * When every close time lies on one grid (the smallest timeframe, as bars on exchange grids do)
 * and the grid is not much longer than the bars, it runs in O(N + grid slots): each bar marks its
 * slot, and the marked slots are read in order. Otherwise it runs in O(N log k) for N bars over k
 * symbols: a k-way merge over a binary heap of per-symbol cursors, with no concatenation and no
 * sort. The output starts at the longest symbol's length (the
 * exact size when the symbols share one grid) and doubles only when the union is longer, so it
 * never reserves more than twice the timeline's length.
 *
 * @example
 * ```ts
 * const timeline = buildTimeline([btc, eth]); // Float64Array of close times, ascending
 * ```
 */
export function buildTimeline(columns: readonly BarColumns[]): Float64Array {
  let total = 0;
  let longest = 0;
  for (const c of columns) {
    total += c.length;
    if (c.length > longest) longest = c.length;
  }
  const onGrid = gridTimeline(columns, total);
  if (onGrid !== undefined) return onGrid;
  let out: Float64Array = new Float64Array(longest);
  // Heap of symbol indices ordered by their next close time; cursors hold each symbol's next row.
  const heap = new Int32Array(columns.length);
  const cursor = new Int32Array(columns.length);
  const head = new Float64Array(columns.length);
  let size = 0;
  for (let s = 0; s < columns.length; s++) {
    const c = columns[s]!;
    if (c.length === 0) continue;
    head[s] = c.openTime[0]! + c.timeframeMs;
    heap[size] = s;
    siftUp(heap, head, size);
    size++;
  }
  let n = 0;
  let last = Number.NEGATIVE_INFINITY;
  while (size > 0) {
    const s = heap[0]!;
    const time = head[s]!;
    if (time !== last) {
      if (n === out.length) out = grown(out, total);
      out[n++] = time;
      last = time;
    }
    const c = columns[s]!;
    const next = cursor[s]! + 1;
    if (next < c.length) {
      cursor[s] = next;
      head[s] = c.openTime[next]! + c.timeframeMs;
    } else {
      size--;
      heap[0] = heap[size]!;
    }
    if (size > 0) siftDown(heap, head, size);
  }
  return n === out.length ? out : out.slice(0, n);
}

/**
 * The timeline through a slot bitmap, or undefined when a close time is off the grid of the
 * smallest timeframe or the grid has more than twice as many slots as there are bars (plus slack).
 */
function gridTimeline(columns: readonly BarColumns[], total: number): Float64Array | undefined {
  let step = Number.POSITIVE_INFINITY;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of columns) {
    if (c.length === 0) continue;
    if (c.timeframeMs < step) step = c.timeframeMs;
    const open = c.openTime[0]! + c.timeframeMs;
    const close = c.openTime[c.length - 1]! + c.timeframeMs;
    if (open < first) first = open;
    if (close > last) last = close;
  }
  if (total === 0 || !(step > 0)) return undefined;
  const slots = (last - first) / step + 1;
  if (!Number.isInteger(slots) || slots > 2 * total + 4096) return undefined;
  const marked = new Uint8Array(slots);
  let n = 0;
  for (const c of columns) {
    const { openTime, timeframeMs } = c;
    for (let i = 0; i < c.length; i++) {
      const slot = (openTime[i]! + timeframeMs - first) / step;
      if (!Number.isInteger(slot)) return undefined;
      if (marked[slot] === 0) {
        marked[slot] = 1;
        n++;
      }
    }
  }
  const out = new Float64Array(n);
  let k = 0;
  for (let slot = 0; slot < slots; slot++) if (marked[slot] === 1) out[k++] = first + slot * step;
  return out;
}

/** A copy of `full` (every slot used) with twice its room, but never more than `limit` slots. */
function grown(full: Float64Array, limit: number): Float64Array {
  return resized(full, Math.min(limit, Math.max(16, full.length * 2)));
}

function siftUp(heap: Int32Array, head: Float64Array, i: number): void {
  const s = heap[i]!;
  const key = head[s]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (head[p]! <= key) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = s;
}

function siftDown(heap: Int32Array, head: Float64Array, size: number): void {
  const s = heap[0]!;
  const key = head[s]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && head[heap[child + 1]!]! < head[heap[child]!]!) child++;
    const h = heap[child]!;
    if (head[h]! >= key) break;
    heap[i] = h;
    i = child;
  }
  heap[i] = s;
}
