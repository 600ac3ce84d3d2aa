import { describe, expect, it } from 'vitest';
import type { BarColumns } from '../src/data/columns.js';
import { barsFromRows } from '../src/data/columns.js';
import { buildTimeline } from '../src/data/timeline.js';

const MINUTE = 60_000;

/** Bars of `symbol` opening at each of `opens` (minutes since epoch), in `timeframe`. */
function series(symbol: string, timeframe: '1m' | '3m' | '5m', opens: readonly number[]): BarColumns {
  return barsFromRows(
    symbol,
    timeframe,
    opens.map((m) => ({ time: m * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 })),
  );
}

/** The obvious definition: every close time once, ascending. */
function reference(columns: readonly BarColumns[]): number[] {
  const times = new Set<number>();
  for (const c of columns) for (let i = 0; i < c.length; i++) times.add(c.openTime[i]! + c.timeframeMs);
  return [...times].sort((a, b) => a - b);
}

/** A seeded LCG, so a failure names its case. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('buildTimeline', () => {
  it('is the ascending union of close times for ragged symbols with gaps (grid path)', () => {
    const columns = [
      series('A', '1m', [0, 1, 2, 5, 6]),
      series('B', '1m', [2, 3, 4, 5]),
      series('C', '5m', [0, 5, 10]),
      series('D', '1m', []),
    ];
    expect([...buildTimeline(columns)]).toEqual(reference(columns));
    expect([...buildTimeline(columns)].map((t) => t / MINUTE)).toEqual([1, 2, 3, 4, 5, 6, 7, 10, 15]);
  });

  it('falls back to merging when closes are off the smallest grid or the grid is sparse', () => {
    const offGrid = [series('A', '3m', [0, 3, 6, 9]), series('B', '5m', [0, 5, 10])];
    expect([...buildTimeline(offGrid)]).toEqual(reference(offGrid));
    const sparse = [series('A', '1m', [0, 1]), series('B', '1m', [10_000_000, 10_000_001])];
    expect([...buildTimeline(sparse)]).toEqual(reference(sparse));
  });

  it('matches the definition on random ragged inputs', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = random(seed);
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
        columns.push(series(`S${s}`, timeframe, opens));
      }
      expect([...buildTimeline(columns)], `seed ${seed}`).toEqual(reference(columns));
    }
  });

  it('is empty without bars', () => {
    expect(buildTimeline([series('A', '1m', [])]).length).toBe(0);
  });
});
