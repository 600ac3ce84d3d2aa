import { barsFromRows } from '@bt/sim-broker';
import { describe, expect, it } from 'vitest';
import { equityCharts, priceChart } from '../src/report/chart-data.js';
import { escapeHtml } from '../src/report/html.js';
import { parseEquity, parseTrades, splitCsvLine } from '../src/report/read.js';
import { downsampleCandles } from '../src/run/output.js';

const MINUTE = 60_000;

describe('downsampleCandles', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({
    time: i * MINUTE,
    open: 100 + i,
    high: 110 + (i === 3 ? 50 : i),
    low: 90 - (i === 7 ? 40 : 0),
    close: 101 + i,
    volume: 1,
  }));
  const columns = barsFromRows('X', '1m', rows);

  it('merges runs of bars so that highs and lows survive', () => {
    const series = downsampleCandles(columns, Number.POSITIVE_INFINITY, 4);
    expect(series.barsPerCandle).toBe(3);
    expect(series.candles).toEqual([
      [0, 100, 112, 90, 103],
      [3 * MINUTE, 103, 160, 90, 106],
      [6 * MINUTE, 106, 118, 50, 109],
      [9 * MINUTE, 109, 119, 90, 110],
    ]);
  });

  it('keeps every bar when there are few, and stops at the given close time', () => {
    const series = downsampleCandles(columns, 5 * MINUTE, 100);
    expect(series.barsPerCandle).toBe(1);
    expect(series.candles.map((c) => c[0])).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE, 4 * MINUTE]);
  });
});

describe('equityCharts', () => {
  it('downsamples the curve but keeps the deepest drawdown of each bucket', () => {
    const times = Array.from({ length: 1000 }, (_, i) => i * MINUTE);
    const values = times.map((_, i) => (i === 501 ? 50 : 100 + i * 0.01));
    const { equity, drawdown } = equityCharts(times, values, 10);
    expect(equity).toHaveLength(10);
    expect(drawdown).toHaveLength(10);
    expect(equity.at(-1)).toEqual({ time: (999 * MINUTE) / 1000, value: values[999] });
    // The one-sample crash at 501 is far from a bucket end, yet the drawdown shows it.
    const crash = (50 / (100 + 500 * 0.01) - 1) * 100;
    expect(Math.min(...drawdown.map((p) => p.value))).toBeCloseTo(crash, 10);
    expect(drawdown.filter((p) => p.value < -1)).toHaveLength(1);
  });
});

describe('priceChart', () => {
  it('marks every entry and exit, each at the candle holding its fill', () => {
    const series = { timeframe: '1m', barsPerCandle: 5, candles: [0, 5, 10].map((m) => [m * MINUTE, 1, 2, 0.5, 1.5] as const) };
    const trades = [
      { symbol: 'X', entryTime: 1 * MINUTE, entryPrice: 1, exitTime: 2 * MINUTE, exitPrice: 1.2, size: 1, pnl: 0.2 },
      { symbol: 'X', entryTime: 2 * MINUTE, entryPrice: 1.1, exitTime: 3 * MINUTE, exitPrice: 1, size: -1, pnl: 0.1 },
      { symbol: 'X', entryTime: 12 * MINUTE, entryPrice: 1.3, size: 1 },
    ];
    const { candles, markers } = priceChart(series, trades);
    expect(candles.map((c) => c.time)).toEqual([0, 300, 600]);
    expect(markers).toHaveLength(5);
    expect(markers.map((m) => m.time)).toEqual([0, 0, 0, 0, 600]);
    expect(markers.filter((m) => m.shape === 'arrowUp')).toHaveLength(3);
  });
});

describe('results files', () => {
  it('reads trades.csv, open trades included, and quoted fields', () => {
    const trades = parseTrades(
      'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl\nBTC/USDT,60000,1.5,120000,2,1,0.5\n"A,B",0,3,,,-2,\n',
    );
    expect(trades).toEqual([
      { symbol: 'BTC/USDT', entryTime: 60000, entryPrice: 1.5, exitTime: 120000, exitPrice: 2, pnl: 0.5, size: 1 },
      { symbol: 'A,B', entryTime: 0, entryPrice: 3, size: -2 },
    ]);
    expect(() => parseTrades('time,equity\n')).toThrow(/unexpected header/);
  });

  it('splits CSV lines with quotes', () => {
    expect(splitCsvLine('a,"b,""c""",,d')).toEqual(['a', 'b,"c"', '', 'd']);
  });

  it('reads equity.csv', () => {
    expect(parseEquity('time,equity\n1,100\n2,101.5\n')).toEqual({ times: [1, 2], values: [100, 101.5] });
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe('&#60;script&#62;&#34;x&#34; &#38; &#39;y&#39;&#60;/script&#62;');
  });
});
