import { describe, expect, it } from 'vitest';
import { type BarColumns, barsFromRows } from '../../src/data/columns.js';
import { buildTimeline } from '../../src/data/timeline.js';
import { prng } from './helpers.js';

const MIN = 60_000;

/** Columns with bars at the given open-time minutes. */
function minutes(symbol: string, at: readonly number[], timeframe: '1m' | '3m' | '5m' | '1h' = '1m'): BarColumns {
  return barsFromRows(
    symbol,
    timeframe,
    at.map((m) => ({ time: m * MIN, open: 1, high: 1, low: 1, close: 1, volume: 0 })),
  );
}

/** The obvious reference: every close time into a Set, then sort. */
function reference(columns: readonly BarColumns[]): number[] {
  const set = new Set<number>();
  for (const c of columns) for (let i = 0; i < c.length; i++) set.add(c.openTime[i]! + c.timeframeMs);
  return [...set].sort((a, b) => a - b);
}

/** Random gapped series: each symbol has its own start, end and holes. */
function ragged(random: () => number, symbols: number, span: number, density: number): BarColumns[] {
  return Array.from({ length: symbols }, (_, s) => {
    const start = Math.floor(random() * span * 0.3);
    const end = span - Math.floor(random() * span * 0.3);
    const at: number[] = [];
    for (let m = start; m < end; m++) if (random() < density) at.push(m);
    return minutes(`S${s}`, at);
  });
}

describe('buildTimeline', () => {
  it('is the ascending union of close times', () => {
    const a = minutes('A', [0, 1, 2, 5]);
    const b = minutes('B', [1, 3, 5, 9]);
    expect([...buildTimeline([a, b])]).toEqual([1, 2, 3, 4, 6, 10].map((m) => m * MIN));
  });

  it('uses each symbol’s own timeframe for the close', () => {
    const fast = minutes('FAST', [0, 1, 2, 3, 4, 5]);
    const slow = minutes('SLOW', [0, 5], '5m');
    expect([...buildTimeline([fast, slow])]).toEqual([1, 2, 3, 4, 5, 6, 10].map((m) => m * MIN));
  });

  it('handles no symbols, empty symbols and one symbol', () => {
    expect(buildTimeline([]).length).toBe(0);
    expect(buildTimeline([minutes('E', []), minutes('F', [])]).length).toBe(0);
    expect([...buildTimeline([minutes('E', []), minutes('A', [3, 7])])]).toEqual([4 * MIN, 8 * MIN]);
  });

  it('returns an exact-length array', () => {
    const timeline = buildTimeline([minutes('A', [0, 1, 2]), minutes('B', [0, 1, 2])]);
    expect(timeline.length).toBe(3);
    expect(timeline.buffer.byteLength).toBe(3 * 8);
  });

  it('equals Set + sort on ragged, gapped inputs', () => {
    const random = prng(99);
    for (let trial = 0; trial < 20; trial++) {
      const columns = ragged(random, 1 + Math.floor(random() * 12), 500, 0.2 + random() * 0.8);
      expect([...buildTimeline(columns)]).toEqual(reference(columns));
    }
  });

  it('equals Set + sort for 200 symbols x ~5k bars', () => {
    const columns = ragged(prng(5), 200, 6500, 0.9);
    const timeline = buildTimeline(columns);
    expect(Array.from(timeline)).toEqual(reference(columns));
  });

  it('merges 10 symbols x 500k bars', () => {
    const columns = Array.from({ length: 10 }, (_, s) => {
      const n = 500_000;
      const openTime = new Float64Array(n);
      for (let i = 0; i < n; i++) openTime[i] = (i * 2 + (s % 2)) * MIN; // odd and even minutes
      const zeros = new Float64Array(n);
      return {
        symbol: `S${s}`,
        timeframe: '1m',
        timeframeMs: MIN,
        length: n,
        openTime,
        open: zeros,
        high: zeros,
        low: zeros,
        close: zeros,
        volume: zeros,
        source: 'test',
      } satisfies BarColumns;
    });
    const timeline = buildTimeline(columns);
    expect(timeline.length).toBe(1_000_000);
    for (let i = 0; i < timeline.length; i++) if (timeline[i] !== (i + 1) * MIN) expect.fail(`timeline[${i}] = ${timeline[i]}`);
  });
});

describe('buildTimeline: the grid path and the merge fallback', () => {
  it('is the ascending union of close times for ragged symbols with gaps (grid path)', () => {
    const columns = [minutes('A', [0, 1, 2, 5, 6]), minutes('B', [2, 3, 4, 5]), minutes('C', [0, 5, 10], '5m'), minutes('D', [])];
    expect([...buildTimeline(columns)]).toEqual(reference(columns));
    expect([...buildTimeline(columns)].map((t) => t / MIN)).toEqual([1, 2, 3, 4, 5, 6, 7, 10, 15]);
  });

  it('falls back to merging when closes are off the smallest grid or the grid is sparse', () => {
    const offGrid = [minutes('A', [0, 3, 6, 9], '3m'), minutes('B', [0, 5, 10], '5m')];
    expect([...buildTimeline(offGrid)]).toEqual(reference(offGrid));
    const sparse = [minutes('A', [0, 1]), minutes('B', [10_000_000, 10_000_001])];
    expect([...buildTimeline(sparse)]).toEqual(reference(sparse));
  });

  it('matches the definition on random ragged inputs of mixed timeframes', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = prng(seed);
      const columns: BarColumns[] = [];
      const symbols = 1 + Math.floor(next() * 6);
      for (let s = 0; s < symbols; s++) {
        const timeframe = next() < 0.2 ? '5m' : '1m';
        const step = timeframe === '5m' ? 5 : 1;
        const opens: number[] = [];
        let open = Math.floor(next() * 40) * step;
        const bars = Math.floor(next() * 60);
        for (let i = 0; i < bars; i++) {
          opens.push(open);
          open += step * (next() < 0.1 ? 2 + Math.floor(next() * 20) : 1);
        }
        columns.push(minutes(`S${s}`, opens, timeframe));
      }
      expect([...buildTimeline(columns)], `seed ${seed}`).toEqual(reference(columns));
    }
  });
});
