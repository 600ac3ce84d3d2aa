/**
 * Speed of the data layer: `npx vitest bench test/data` (not part of `vitest run`).
 * Targets: CSV parse+validate >= 4M bars/s on the files of fixtures/market; timelines in O(total bars).
 * Multiply the reported hz by the bar count printed in each name to get bars/s.
 */
import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import type { BarColumns } from '../../src/data/columns.js';
import { parseOhlcvCsv } from '../../src/data/csv.js';
import { buildTimeline } from '../../src/data/timeline.js';
import { MARKET_FILES, marketFile } from './market.js';

const texts = MARKET_FILES.map((name) => [name, readFileSync(marketFile(name), 'utf8')] as const);
const total = texts.reduce((sum, [name, text]) => sum + parseOhlcvCsv(text, { source: name, symbol: name, timeframe: '1m' }).length, 0);

describe('parseOhlcvCsv', () => {
  bench(
    `the four files of fixtures/market (${total} bars per run)`,
    () => {
      for (const [name, text] of texts) parseOhlcvCsv(text, { source: name, symbol: name, timeframe: '1m' });
    },
    { time: 3000, warmupTime: 1000 },
  );
});

function synthetic(symbols: number, bars: number): BarColumns[] {
  return Array.from({ length: symbols }, (_, s) => {
    const openTime = new Float64Array(bars);
    for (let i = 0; i < bars; i++) openTime[i] = (i + (s % 3)) * 60_000;
    const zeros = new Float64Array(bars);
    return {
      symbol: `S${s}`,
      timeframe: '1m',
      timeframeMs: 60_000,
      length: bars,
      openTime,
      open: zeros,
      high: zeros,
      low: zeros,
      close: zeros,
      volume: zeros,
      source: 'bench',
    };
  });
}

describe('buildTimeline', () => {
  const wide = synthetic(200, 5000);
  const long = synthetic(10, 500_000);
  bench('200 symbols x 5k bars (1M bars per run)', () => {
    buildTimeline(wide);
  });
  bench('10 symbols x 500k bars (5M bars per run)', () => {
    buildTimeline(long);
  });
});
