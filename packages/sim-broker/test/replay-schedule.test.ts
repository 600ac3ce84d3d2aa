import { describe, expect, it } from 'vitest';
import { ReplaySchedule, marketIndexArray } from '../src/broker/replay-schedule.js';
import { type BarColumns, barsFromRows } from '../src/data/columns.js';
import { prng } from './data/helpers.js';

const MIN = 60_000;

/** Columns with bars opening at the given minutes. */
function minutes(symbol: string, at: readonly number[], timeframe: '1m' | '5m' = '1m'): BarColumns {
  return barsFromRows(
    symbol,
    timeframe,
    at.map((m) => ({ time: m * MIN, open: 1, high: 1, low: 1, close: 1, volume: 0 })),
  );
}

/** The schedule as `[close minute, ticking markets]` per step. */
function steps(schedule: ReplaySchedule): [number, number[]][] {
  const out: [number, number[]][] = [];
  for (let k = 0; k < schedule.length; k++) {
    const markets = [...schedule.ticking.subarray(schedule.tickStart[k], schedule.tickStart[k + 1])];
    out.push([(schedule.times[k] as number) / MIN, markets]);
  }
  return out;
}

/** The obvious reference: for each distinct close time, ascending, the markets with a bar closing then. */
function reference(columns: readonly BarColumns[]): [number, number[]][] {
  const byTime = new Map<number, number[]>();
  columns.forEach((c, m) => {
    for (let i = 0; i < c.length; i++) {
      const close = ((c.openTime[i] as number) + c.timeframeMs) / MIN;
      byTime.set(close, [...(byTime.get(close) ?? []), m]);
    }
  });
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}

describe('ReplaySchedule', () => {
  it('lists, per step, the markets whose bar closes then, over ragged markets with gaps', () => {
    // Close minutes: A 1 2 3 _ 5 (gap at 4); B 3 4 _ 6 (starts late, gap at 5); C 2 only; D no bars;
    // E one 5m bar closing at 10.
    const columns = [minutes('A', [0, 1, 2, 4]), minutes('B', [2, 3, 5]), minutes('C', [1]), minutes('D', [])];
    columns.push(minutes('E', [5], '5m'));
    const schedule = new ReplaySchedule(columns);
    expect(steps(schedule)).toEqual([
      [1, [0]],
      [2, [0, 2]],
      [3, [0, 1]],
      [4, [1]],
      [5, [0]],
      [6, [1]],
      [10, [4]],
    ]);
    expect(schedule.length).toBe(7);
    expect(schedule.tickStart[schedule.length]).toBe(schedule.ticking.length);
    expect(schedule.ticking).toBeInstanceOf(Uint8Array);
    expect([...schedule.lastClose]).toEqual([5 * MIN, 6 * MIN, 2 * MIN, Number.NEGATIVE_INFINITY, 10 * MIN]);
  });

  it('matches the reference on random ragged markets, including markets with disjoint spans', () => {
    const random = prng(42);
    for (let round = 0; round < 20; round++) {
      const columns = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, m) => {
        const start = Math.floor(random() * 200) + (round % 2 === 0 ? m * 300 : 0);
        const at: number[] = [];
        for (let t = start; t < start + 150; t++) if (random() < 0.6) at.push(t);
        return minutes(`S${m}`, at);
      });
      expect(steps(new ReplaySchedule(columns))).toEqual(reference(columns));
    }
  });

  it('stores the markets of more than 256 markets in 16 bits, in order', () => {
    // 300 markets; market m has bars closing at minutes m % 7 + 1, and 20 + m (each its own step).
    const columns = Array.from({ length: 300 }, (_, m) => minutes(`S${m}`, [m % 7, 19 + m]));
    const schedule = new ReplaySchedule(columns);
    expect(schedule.ticking).toBeInstanceOf(Uint16Array);
    expect(steps(schedule)).toEqual(reference(columns));
    const last = steps(schedule).at(-1);
    expect(last).toEqual([319, [299]]);
    expect(steps(schedule)[0]).toEqual([1, Array.from({ length: 300 }, (_, m) => m).filter((m) => m % 7 === 0)]);
  });

  it('picks the narrowest market index array', () => {
    expect(marketIndexArray(1, 3)).toBeInstanceOf(Uint8Array);
    expect(marketIndexArray(256, 3)).toBeInstanceOf(Uint8Array);
    expect(marketIndexArray(257, 3)).toBeInstanceOf(Uint16Array);
    expect(marketIndexArray(65_536, 3)).toBeInstanceOf(Uint16Array);
    expect(marketIndexArray(65_537, 3)).toBeInstanceOf(Int32Array);
    expect(marketIndexArray(65_537, 3).length).toBe(3);
  });

  it('has no steps when every market is empty', () => {
    const schedule = new ReplaySchedule([minutes('A', []), minutes('B', [])]);
    expect(schedule.length).toBe(0);
    expect([...schedule.tickStart]).toEqual([0]);
    expect(schedule.ticking.length).toBe(0);
  });
});
