import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOhlcvCsv } from '../../src/data/csv.js';
import { MARKET_FILES as FILES, marketFile } from './market.js';

/** An independent, naive reading of a file: split, Number(), Date.parse. */
function reference(text: string): { time: number[]; fields: number[][] } {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (!/^\d/.test(lines[0]!)) lines.shift();
  const time: number[] = [];
  const fields: number[][] = [[], [], [], [], []];
  for (const line of lines) {
    const parts = line.split(',');
    const stamp = parts[0]!;
    time.push(stamp.includes('-') ? Date.parse(stamp.replace(' ', 'T')) : Number(stamp) * 1000);
    for (let k = 0; k < 5; k++) fields[k]!.push(Number(parts[k + 1]));
  }
  return { time, fields };
}

describe('the market data of fixtures/market', () => {
  it.each(FILES)('%s loads as it is, equal to a naive reading', async (name) => {
    const path = marketFile(name);
    const text = readFileSync(path, 'utf8');
    const want = reference(text);
    const bars = await loadOhlcvCsv(path, { timeframe: '1m' });
    expect(bars.symbol).toBe(basename(name, '.csv'));
    expect(bars.length).toBe(want.time.length);
    expect(bars.length).toBe(name.startsWith('kraken') ? 56_717 : 30_240);
    expect(bars.openTime[0]).toBe(want.time[0]);
    expect(bars.openTime[bars.length - 1]).toBe(want.time.at(-1));
    expect(Array.from(bars.openTime)).toEqual(want.time);
    const columns = [bars.open, bars.high, bars.low, bars.close, bars.volume];
    for (let k = 0; k < 5; k++) expect(Array.from(columns[k]!)).toEqual(want.fields[k]);
    for (const column of [bars.openTime, ...columns]) expect(column.buffer.byteLength).toBe(bars.length * 8);
  });

  it('covers the documented periods', async () => {
    const binance = await loadOhlcvCsv(marketFile(FILES[0]), { timeframe: '1m' });
    expect(binance.openTime[0]).toBe(Date.UTC(2023, 2, 1, 0, 0));
    expect(binance.openTime[binance.length - 1]).toBe(Date.UTC(2023, 2, 21, 23, 59));
    const kraken = await loadOhlcvCsv(marketFile(FILES[3]), { timeframe: '1m' });
    expect(kraken.openTime[0]).toBe(Date.UTC(2023, 0, 1));
    expect(kraken.openTime[kraken.length - 1]).toBeLessThan(Date.UTC(2023, 3, 1));
    expect(kraken.openTime[kraken.length - 1]).toBeGreaterThanOrEqual(Date.UTC(2023, 2, 31));
  });

  it('has the zero-volume bars its README counts', async () => {
    const zeros = async (name: (typeof FILES)[number]): Promise<number> => {
      const bars = await loadOhlcvCsv(marketFile(name), { timeframe: '1m' });
      return bars.volume.filter((v) => v === 0).length;
    };
    expect(await zeros(FILES[1])).toBe(12_971);
    expect(await zeros(FILES[2])).toBe(658);
    expect(await zeros(FILES[0])).toBe(72);
  });
});
