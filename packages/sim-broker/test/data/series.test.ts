import { ArrayBarSeries, type Bar } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { barsFromRows } from '../../src/data/columns.js';
import { ColumnarBarSeries } from '../../src/data/series.js';

const H = 3_600_000;
const rows = Array.from({ length: 10 }, (_, i) => ({ time: i * 2 * H, open: 10 + i, high: 20 + i, low: 5 + i, close: 11 + i, volume: i }));
const columns = barsFromRows('ETH', '1h', rows);
const bar = (i: number): Bar => ({
  symbol: 'ETH',
  timeframe: '1h',
  openTime: i * 2 * H,
  closeTime: i * 2 * H + H,
  open: 10 + i,
  high: 20 + i,
  low: 5 + i,
  close: 11 + i,
  volume: i,
});

describe('ColumnarBarSeries', () => {
  it('shows nothing until a window is set', () => {
    const series = new ColumnarBarSeries(columns);
    expect(series.length).toBe(0);
    expect(series.at(0)).toBeUndefined();
    expect(series.close(-1)).toBeNaN();
    expect(series.toArray()).toEqual([]);
  });

  it('shows bars [end - limit, end)', () => {
    const series = new ColumnarBarSeries(columns).setWindow(7, 3);
    expect(series.symbol).toBe('ETH');
    expect(series.timeframe).toBe('1h');
    expect(series.length).toBe(3);
    expect(series.windowStart).toBe(4);
    expect(series.windowEnd).toBe(7);
    expect(series.at(0)).toEqual(bar(4));
    expect(series.at(2)).toEqual(bar(6));
    expect(series.at(-1)).toEqual(bar(6));
    expect(series.at(-3)).toEqual(bar(4));
    expect(series.toArray()).toEqual([bar(4), bar(5), bar(6)]);
  });

  it('clips the window at the first bar', () => {
    const series = new ColumnarBarSeries(columns).setWindow(2, 5);
    expect(series.length).toBe(2);
    expect(series.toArray()).toEqual([bar(0), bar(1)]);
    series.setWindow(10, Number.POSITIVE_INFINITY);
    expect(series.length).toBe(10);
    series.setWindow(0, 5);
    expect(series.length).toBe(0);
    series.setWindow(5, 0);
    expect(series.length).toBe(0);
    expect(series.open(0)).toBeNaN();
  });

  it('reads every field by index like ArrayBarSeries does', () => {
    const series = new ColumnarBarSeries(columns).setWindow(8, 4);
    const reference = new ArrayBarSeries('ETH', '1h', [bar(4), bar(5), bar(6), bar(7)]);
    for (const i of [-5, -4, -3, -1, 0, 1, 3, 4, 7, 0.5, -0.5, Number.NaN]) {
      expect(series.at(i), `at(${i})`).toEqual(reference.at(i));
      for (const field of ['open', 'high', 'low', 'close', 'volume', 'openTime', 'closeTime'] as const) {
        expect(series[field](i), `${field}(${i})`).toEqual(reference[field](i));
      }
    }
  });

  it('moves in place: one object per symbol, new values after setWindow', () => {
    const series = new ColumnarBarSeries(columns);
    const same = series.setWindow(3, 2);
    expect(same).toBe(series);
    expect(series.close(-1)).toBe(13);
    expect(series.closeTime(-1)).toBe(2 * 2 * H + H);
    series.setWindow(4, 2);
    expect(series.close(-1)).toBe(14);
    expect(series.close(0)).toBe(13);
  });

  it('hands out copies from at() and toArray()', () => {
    const series = new ColumnarBarSeries(columns).setWindow(3, 3);
    const first = series.at(0)!;
    (first as { close: number }).close = -1;
    expect(series.close(0)).toBe(11);
  });

  it('rejects an out-of-range window', () => {
    const series = new ColumnarBarSeries(columns);
    expect(() => series.setWindow(11, 1)).toThrow(/end 11 is not an integer in \[0, 10\]/);
    expect(() => series.setWindow(-1, 1)).toThrow(/end -1/);
    expect(() => series.setWindow(1.5, 1)).toThrow(/end 1.5/);
    expect(() => series.setWindow(3, -1)).toThrow(/limit -1/);
    expect(() => series.setWindow(3, Number.NaN)).toThrow(/limit NaN/);
  });
});
