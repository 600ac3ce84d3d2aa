import { describe, expect, it } from 'vitest';
import { barsFromAsyncIterable, barsFromRows, type OhlcvRow } from '../../src/data/columns.js';
import { expectDataError, expectDataErrorAsync } from './helpers.js';

const MIN = 60_000;
const T0 = Date.UTC(2023, 2, 1);
const row = (i: number, patch: Partial<OhlcvRow> = {}): OhlcvRow => ({
  time: T0 + i * MIN,
  open: 100 + i,
  high: 102 + i,
  low: 99 + i,
  close: 101 + i,
  volume: i,
  ...patch,
});

async function* stream(rows: readonly OhlcvRow[]): AsyncIterable<OhlcvRow> {
  for (const r of rows) yield r;
}

describe('barsFromRows', () => {
  it('builds exact-length columns', () => {
    const rows = [row(0), row(1), row(5)];
    const bars = barsFromRows('BTC/USDT', '1m', rows);
    expect(bars.symbol).toBe('BTC/USDT');
    expect(bars.timeframeMs).toBe(MIN);
    expect(bars.length).toBe(3);
    expect(bars.source).toBe('rows of BTC/USDT');
    expect([...bars.openTime]).toEqual(rows.map((r) => r.time));
    expect([...bars.open]).toEqual(rows.map((r) => r.open));
    expect([...bars.high]).toEqual(rows.map((r) => r.high));
    expect([...bars.low]).toEqual(rows.map((r) => r.low));
    expect([...bars.close]).toEqual(rows.map((r) => r.close));
    expect([...bars.volume]).toEqual(rows.map((r) => r.volume));
    for (const c of [bars.openTime, bars.open, bars.high, bars.low, bars.close, bars.volume]) expect(c.buffer.byteLength).toBe(3 * 8);
  });

  it('accepts no rows', () => {
    expect(barsFromRows('X', '1h', []).length).toBe(0);
  });

  it.each([
    [{ time: T0 }, 'time-order', 'repeats'],
    [{ time: T0 - MIN }, 'time-order', 'goes backwards'],
    [{ time: T0 + MIN + 1 }, 'grid', 'off the 1m grid (openTime % 60000 = 1, expected 0)'],
    [{ time: Number.NaN }, 'timestamp', 'timestamp NaN is not an epoch-ms time'],
    [{ time: 9e15 }, 'timestamp', 'timestamp 9000000000000000 is not an epoch-ms time'],
    [{ high: 100 }, 'high', 'high 100 is below max(open, close) 102'],
    [{ low: 101.5 }, 'low', 'low 101.5 is above min(open, close) 101'],
    [{ open: 0 }, 'price', 'open 0 is not a positive price'],
    [{ close: Number.POSITIVE_INFINITY, high: Number.POSITIVE_INFINITY }, 'price', 'high Infinity is not a finite price'],
    [{ volume: -1 }, 'volume', 'volume -1 is negative'],
    [{ volume: Number.NaN }, 'volume', 'volume NaN is not finite'],
  ] as const)('rejects %o in row 1 as %s', (patch, rule, says) => {
    expectDataError(() => barsFromRows('BTC/USDT', '1m', [row(0), row(1, patch), row(2)], 'db:btc'), {
      file: 'db:btc',
      row: 1,
      rule,
      says,
    });
  });

  it('names a default source', () => {
    expectDataError(() => barsFromRows('ETH', '1m', [row(0), row(0)]), {
      file: 'rows of ETH',
      row: 1,
      rule: 'time-order',
      says: 'repeats',
    });
  });
});

describe('barsFromAsyncIterable', () => {
  it('grows by doubling and trims to the exact length', async () => {
    const n = 500_001; // not a power of two: the last doubling overshoots
    async function* many(): AsyncIterable<OhlcvRow> {
      for (let i = 0; i < n; i++) yield { time: i * MIN, open: 1, high: 1, low: 1, close: 1, volume: 0 };
    }
    const bars = await barsFromAsyncIterable('BIG', '1m', many());
    expect(bars.length).toBe(n);
    for (const c of [bars.openTime, bars.open, bars.high, bars.low, bars.close, bars.volume]) {
      expect(c.length).toBe(n);
      expect(c.buffer.byteLength).toBe(n * 8);
    }
    expect(bars.openTime[n - 1]).toBe((n - 1) * MIN);
  });

  it('equals barsFromRows', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i * 2));
    const a = barsFromRows('A', '1m', rows);
    const b = await barsFromAsyncIterable('A', '1m', stream(rows));
    expect(b).toEqual(a);
  });

  it('validates each row', async () => {
    await expectDataErrorAsync(() => barsFromAsyncIterable('A', '1m', stream([row(0), row(1), row(2, { low: 500 })]), 'api:A'), {
      file: 'api:A',
      row: 2,
      rule: 'low',
      says: 'low 500 is above min(open, close) 102',
    });
  });
});
