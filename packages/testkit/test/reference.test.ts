import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import {
  compareSymbols,
  formatTradesCsv,
  fsum,
  REFERENCE_INITIAL_CASH,
  type ReferenceSeries,
  type ReferenceTrade,
  referenceSmaCross,
  TRADES_CSV_HEADER,
} from '../src/reference/index.js';

/** A series whose row i has time `times[i]`, open `opens[i]` and close `closes[i]`. */
function series(symbol: string, times: readonly number[], opens: readonly number[], closes: readonly number[]): ReferenceSeries {
  return { symbol, time: Float64Array.from(times), open: opens, close: closes };
}

/** Rows at times 1000, 2000, ... */
const seconds = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) * 1000);

const SMALL = { fast: 2, slow: 3 } as const;

function closed(symbol: string, entryTime: number, entryPrice: number, exitTime: number, exitPrice: number, size = 1): ReferenceTrade {
  return { symbol, entryTime, entryPrice, exitTime, exitPrice, size, pnl: (exitPrice - entryPrice) * size };
}

function open(symbol: string, entryTime: number, entryPrice: number, size = 1): ReferenceTrade {
  return { symbol, entryTime, entryPrice, exitTime: null, exitPrice: null, size, pnl: null };
}

// Fast 2 / slow 3 (P = 3: seed on bar 2, first possible signal on bar 3), worked by hand:
//   bar      0   1   2     3       4     5    6      7     8     9
//   close   10   9   8    12      13     5    5     20    30     1
//   SMA2     -  9.5 8.5   10     12.5    9    5    12.5   25   15.5
//   SMA3     -   -   9   29/3     11    10  23/3    10   55/3   17
//   signal         seed   up             down        up         down
const CLOSES = [10, 9, 8, 12, 13, 5, 5, 20, 30, 1];
const OPENS = [10.5, 9.25, 8.1, 11, 12.2, 6, 5.5, 19, 29.9, 2];

describe('referenceSmaCross', () => {
  it('buys on an up-cross and closes on a down-cross, each at the next row open', () => {
    const result = referenceSmaCross([series('BTC', seconds(10), OPENS, CLOSES)], { ...SMALL });
    // Up on bar 3 fills at bar 4's open; down on bar 5 at bar 6's; up on bar 7 at bar 8's;
    // the down on bar 9 is on the last row and never fills, so bar 8's buy is still open.
    expect(result.trades).toEqual([closed('BTC', 5000, 12.2, 7000, 5.5), open('BTC', 9000, 29.9)]);
    expect(result.trades[0]!.pnl).toBe(5.5 - 12.2);
    expect(result.ordersUnfilledAtEnd).toBe(1);
    expect(result.finalEquity).toBeCloseTo(REFERENCE_INITIAL_CASH - 12.2 + 5.5 - 29.9 + 1 * 1, 6);
  });

  it('never fills an order sent on the last row', () => {
    const result = referenceSmaCross([series('BTC', seconds(4), OPENS.slice(0, 4), CLOSES.slice(0, 4))], { ...SMALL });
    expect(result).toEqual({ trades: [], finalEquity: REFERENCE_INITIAL_CASH, ordersUnfilledAtEnd: 1 });
  });

  it('leaves a position open at the end as a row without exit, valued at the last close', () => {
    const result = referenceSmaCross([series('BTC', seconds(5), OPENS.slice(0, 5), CLOSES.slice(0, 5))], { ...SMALL, amount: 3 });
    expect(result.trades).toEqual([open('BTC', 5000, 12.2, 3)]);
    expect(result.ordersUnfilledAtEnd).toBe(0);
    expect(result.finalEquity).toBeCloseTo(REFERENCE_INITIAL_CASH - 3 * 12.2 + 3 * 13, 6);
  });

  it('tests the position after the fills of the bar: a close and a new buy on the same bar', () => {
    //   close  3  2  1  5    6    2     12    12
    //   SMA2      2.5 1.5 3  5.5  4     7     12
    //   SMA3          2  8/3  4  13/3  20/3  26/3
    //   signal      seed up       down  up
    // The close sent on bar 5 fills at bar 6's open, so bar 6 (up) sees a flat position and buys.
    const opens = [3, 2, 1, 4, 5.5, 3, 11.5, 12.25];
    const result = referenceSmaCross([series('ETH', seconds(8), opens, [3, 2, 1, 5, 6, 2, 12, 12])], { ...SMALL });
    expect(result.trades).toEqual([closed('ETH', 5000, 5.5, 7000, 11.5), open('ETH', 8000, 12.25)]);
    expect(result.ordersUnfilledAtEnd).toBe(0);
  });

  it('lets ties neither signal nor reset the memory, and a zero seed only set it', () => {
    // A tie of SMA2 and SMA3 on window (c, a, b) needs a + b = 2c.
    const result = referenceSmaCross(
      [
        // -, 0, +: seed - on bar 2, tie on bar 3 ([4, 3, 5]), + on bar 4: up-cross, buy fills on bar 5.
        series('TIEUP', seconds(6), [5, 4, 3, 5, 6, 6.5], [5, 4, 3, 5, 6, 6]),
        // -, 0, -: bar 4 ([3, 5, 0.5]) and bar 5 stay below: nothing.
        series('TIEDOWN', seconds(6), [5, 4, 3, 5, 1, 1], [5, 4, 3, 5, 0.5, 0.5]),
        // Seed 0 (flat), then + on bar 3: it only sets the memory, so no buy.
        series('ZEROUP', seconds(5), [2, 2, 2, 3, 3], [2, 2, 2, 3, 3]),
        // Seed 0, then - on bar 3 (sets the memory), then + on bar 4: up-cross on the last row.
        series('ZERODOWN', seconds(5), [2, 2, 2, 1, 4], [2, 2, 2, 1, 4]),
      ],
      { ...SMALL },
    );
    expect(result.trades).toEqual([open('TIEUP', 6000, 6.5)]);
    expect(result.ordersUnfilledAtEnd).toBe(1);
  });

  it('runs ragged symbols on their own rows: an order fills at its symbol next row, whatever ticks between', () => {
    // A: up on bar 3 (t 4000); its next row is t 100000, while B ticks in between.
    //    Then down on bar 5, its last row: never fills.
    const a = series('A', [1000, 2000, 3000, 4000, 100_000, 101_000], [3.5, 2.5, 1.5, 4.5, 6.5, 2.5], [3, 2, 1, 5, 6, 2]);
    // B: the first 8 rows of CLOSES at other times: up on bar 3, down on bar 5, up on its last bar 7.
    const bTimes = [2000, 5000, 6000, 7000, 8000, 50_000, 60_000, 200_000];
    const b = series('B', bTimes, OPENS.slice(0, 8), CLOSES.slice(0, 8));
    const result = referenceSmaCross([b, a], { ...SMALL });
    expect(result.trades).toEqual([open('A', 100_000, 6.5), closed('B', 8000, 12.2, 60_000, 5.5)]);
    expect(result.ordersUnfilledAtEnd).toBe(2);
    expect(result.finalEquity).toBeCloseTo(REFERENCE_INITIAL_CASH - 12.2 + 5.5 - 6.5 + 1 * 2, 6);
  });

  it('first signals on bar 30 (the 31st) with the default SMA(10)/SMA(30)', () => {
    // Falling closes 130..101 seed a negative memory on bar 29; the jump to 500 on bar 30 is an up-cross.
    const closes = [...Array.from({ length: 30 }, (_, i) => 130 - i), 500, 499];
    const result = referenceSmaCross([series('X', seconds(32), closes, closes)]);
    expect(result.trades).toEqual([open('X', 32_000, 499)]);
    expect(result.finalEquity).toBe(REFERENCE_INITIAL_CASH);
  });

  it('rejects bad input, naming the symbol, row and field', () => {
    const errorOf = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const twice = errorOf(() => referenceSmaCross([series('A', [1], [1], [1]), series('A', [2], [1], [1])]));
    expect(isBtError(twice, 'DATA')).toBe(true);
    const backwards = errorOf(() => referenceSmaCross([series('A', [1, 3, 3], [1, 1, 1], [1, 1, 1])]));
    expect(isBtError(backwards, 'DATA') && backwards.details).toEqual({ symbol: 'A', row: 2, field: 'time' });
    const nan = errorOf(() => referenceSmaCross([series('A', [1, 2], [1, 1], [1, Number.NaN])]));
    expect(isBtError(nan, 'DATA') && nan.details).toEqual({ symbol: 'A', row: 1, field: 'close' });
    expect(
      isBtError(
        errorOf(() => referenceSmaCross([series('A', [1, 2], [1], [1, 1])])),
        'DATA',
      ),
    ).toBe(true);
    expect(
      isBtError(
        errorOf(() => referenceSmaCross([], { fast: 0 })),
        'CONFIG',
      ),
    ).toBe(true);
    expect(
      isBtError(
        errorOf(() => referenceSmaCross([], { amount: -1 })),
        'CONFIG',
      ),
    ).toBe(true);
  });
});

describe('formatTradesCsv', () => {
  it('writes the header and rows sorted by symbol then entry time, numbers as Number#toString', () => {
    const csv = formatTradesCsv([closed('ETH', 3000, 24.2, 4000, 25, 1), open('BTC', 9000, 1), closed('BTC', 1000, 0.1, 2000, 0.3, 2)]);
    expect(csv).toBe(
      [
        TRADES_CSV_HEADER,
        // (0.3 - 0.1) * 2 in float64 is 0.39999999999999997: written as is, shortest round-trip.
        'BTC,1000,0.1,2000,0.3,2,0.39999999999999997',
        'BTC,9000,1,,,1,',
        'ETH,3000,24.2,4000,25,1,0.8000000000000007',
        '',
      ].join('\n'),
    );
  });

  it('writes only the header for no trades, and refuses a symbol it cannot write unquoted', () => {
    expect(formatTradesCsv([])).toBe(`${TRADES_CSV_HEADER}\n`);
    expect(() => formatTradesCsv([open('A,B', 1, 1)])).toThrow(/comma/);
  });

  it('orders symbols by their UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF01 is EF BC 81 in UTF-8, U+1F600 is F0 9F 98 80: bytes put U+FF01 first, code units (D83D < FF01) would not.
    const symbols = ['\u{1F600}', '\uFF01', 'b', 'B', 'é', 'a', 'AB', 'A'];
    expect([...symbols].sort(compareSymbols)).toEqual(['A', 'AB', 'B', 'a', 'b', 'é', '\uFF01', '\u{1F600}']);
    const csv = formatTradesCsv(symbols.map((s) => open(s, 1, 1)));
    expect(csv.split('\n').map((line) => line.split(',')[0])).toEqual(['symbol', 'A', 'AB', 'B', 'a', 'b', 'é', '\uFF01', '\u{1F600}', '']);
  });
});

describe('fsum', () => {
  // The expected values are those of CPython's own test suite (Lib/test/test_math.py, test_fsum).
  it.each([
    ['empty', [], 0],
    ['one zero', [0], 0],
    ['cancelling giants', [1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50], 1e-100],
    ['2^53 - 1', [2 ** 53, -0.5, -(2 ** -54)], 2 ** 53 - 1],
    ['2^53 + 2', [2 ** 53, 1.0, 2 ** -100], 2 ** 53 + 2],
    ['2^53 + 12', [2 ** 53 + 10, 1.0, 2 ** -100], 2 ** 53 + 12],
    ['2^53 - 3', [2 ** 53 - 4, 0.5, 2 ** -54], 2 ** 53 - 3],
    ['harmonic', Array.from({ length: 1000 }, (_, n) => 1 / (n + 1)), 7.485470860550345],
    ['alternating harmonic', Array.from({ length: 1000 }, (_, n) => (-1) ** (n + 1) / (n + 1)), -0.6926474305598203],
    ['half-even across partials', [1e16, 1, 1e-16], 10000000000000002],
    ['exact cancellation', [1e16 - 2, 1 - 2 ** -53, -(1e16 - 2), -(1 - 2 ** -53)], 0],
    [
      'many partials',
      [...Array.from({ length: 1023 }, (_, k) => -1074 + 2 * k).map((n) => 2 ** n - 2 ** (n + 50) + 2 ** (n + 52)), -(2 ** 1022)],
      1.3305602063564798e292,
    ],
  ])('sums %s as CPython does', (_name, values, expected) => {
    expect(fsum(values)).toBe(expected);
  });

  it('sums a sub-range, and ten 0.1 to exactly 1', () => {
    expect(fsum(Array.from({ length: 10 }, () => 0.1))).toBe(1);
    expect(fsum([99, 0.1, 0.2, 0.3, 99], 1, 4)).toBe(0.6);
    expect(fsum(Float64Array.of(1, 2, 3), 1)).toBe(5);
  });

  it('is the correctly rounded sum on random inputs (checked with exact BigInt arithmetic)', () => {
    let state = 12_345;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const SCALE = 2 ** 160; // every value below is a multiple of 2^-160, so value * SCALE is an integer
    for (let c = 0; c < 2_000; c++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 30) }, () => {
        const sign = random() < 0.5 ? -1 : 1;
        // Half the cases on a coarse grid, so that exact halfway ties are frequent.
        const mantissa = c % 2 === 0 ? Math.floor(random() * 2 ** 53) : 1 + Math.floor(random() * 8) / 8;
        return sign * mantissa * 2 ** Math.floor(random() * 100 - 50 - (c % 2 === 0 ? 53 : 0));
      });
      const exact = values.reduce((sum, v) => sum + BigInt(v * SCALE), 0n);
      expect(fsum(values)).toBe(Number(exact) / SCALE); // Number(bigint) rounds half to even
    }
  });

  it('follows CPython on special values', () => {
    expect(fsum([1, Number.POSITIVE_INFINITY, 2])).toBe(Number.POSITIVE_INFINITY);
    expect(fsum([Number.NEGATIVE_INFINITY, 1])).toBe(Number.NEGATIVE_INFINITY);
    expect(fsum([1, Number.NaN])).toBeNaN();
    expect(() => fsum([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toThrow(RangeError);
    expect(() => fsum([Number.MAX_VALUE, Number.MAX_VALUE])).toThrow(/overflow/);
  });
});
