import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
// The CPython `math.fsum` port of @bt/testkit's reference implementation: the oracle here.
import { fsum } from '@bt/testkit';
import { ExactSma } from '../src/exact-sma.js';
import { coarseWalk, MARKET_FILES, readColumn, seededRandom } from './support/data.js';

interface Tally {
  checked: number;
  mismatches: number;
  naiveMismatches: number;
  ties: number;
}

/**
 * Feeds `values` to an ExactSma per period and compares every defined value with
 * `fsum(window) / period` (Object.is: bit for bit). Also counts what a naive running sum would
 * have got wrong, and the exact ties between the first two periods, to show the data is hard.
 */
function check(values: readonly number[], periods: readonly number[], tally: Tally): void {
  const smas = periods.map((period) => new ExactSma(period));
  const naiveSums = periods.map(() => 0);
  const firstMismatches: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const current: number[] = [];
    periods.forEach((period, p) => {
      const got = smas[p]!.update(x);
      naiveSums[p]! += x - (i >= period ? values[i - period]! : 0);
      if (i < period - 1) {
        expect(got).toBeNaN();
        return;
      }
      const want = fsum(values, i - period + 1, i + 1) / period;
      tally.checked++;
      if (!Object.is(got, want)) {
        tally.mismatches++;
        if (firstMismatches.length < 5) firstMismatches.push(`bar ${i}, period ${period}: got ${got}, fsum gives ${want}`);
      }
      if (naiveSums[p]! / period !== want) tally.naiveMismatches++;
      current.push(want);
    });
    if (current.length >= 2 && current[0] === current[1]) tally.ties++;
  }
  expect(firstMismatches).toEqual([]);
}

const newTally = (): Tally => ({ checked: 0, mismatches: 0, naiveMismatches: 0, ties: 0 });

describe('ExactSma', () => {
  it.each(MARKET_FILES)('equals fsum(window)/n on every bar of %s', (file) => {
    const closes = readColumn(file, 4);
    expect(closes.length).toBeGreaterThan(30_000);
    const tally = newTally();
    check(closes, [10, 30, 2, 7, 100], tally);
    expect(tally.mismatches).toBe(0);
    expect(tally.checked).toBe(closes.length * 5 - (9 + 29 + 1 + 6 + 99));
    expect(tally.naiveMismatches).toBeGreaterThan(0);
  });

  it('equals fsum(window)/n on seeded coarse-tick random walks full of exact ties', () => {
    const tally = newTally();
    const grids = [
      { start: 23_000, decimals: 2, stay: 0.85 },
      { start: 1.0003, decimals: 4, stay: 0.9 },
      { start: 0.35, decimals: 3, stay: 0.8 },
      { start: 187.5, decimals: 1, stay: 0.95 },
      { start: 61_234.5, decimals: 1, stay: 0.7 },
    ];
    for (let seed = 1; seed <= 40; seed++) {
      const grid = grids[seed % grids.length]!;
      const prices = coarseWalk(seededRandom(seed), 3_000, grid.start, grid.decimals, grid.stay);
      check(prices, [10, 30], tally);
    }
    expect(tally.mismatches).toBe(0);
    expect(tally.checked).toBe(40 * (2 * 3_000 - 9 - 29));
    // The data is hard: thousands of exact SMA(10) == SMA(30) ties, and a running sum drifts.
    expect(tally.ties).toBeGreaterThan(1_000);
    expect(tally.naiveMismatches).toBeGreaterThan(0);
  });

  it('stays exact when values span too many orders of magnitude for a double-double', () => {
    const random = seededRandom(7);
    const values: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const magnitude = 2 ** Math.floor(random() * 160 - 80);
      values.push((random() < 0.5 ? -1 : 1) * Math.floor(random() * 2 ** 53) * 2 ** -53 * magnitude);
    }
    values.push(1e16, 1, 1e-16, 1e16, -1e16, 3, 2 ** -60);
    const tally = newTally();
    check(values, [1, 2, 3, 10, 30], tally);
    expect(tally.mismatches).toBe(0);
    expect(tally.naiveMismatches).toBeGreaterThan(0);
  });

  it('rounds the window sum half to even, as fsum does', () => {
    // 2^53 + 1 is a tie between 2^53 and 2^53 + 2: half to even gives 2^53.
    const sma = new ExactSma(2);
    sma.update(2 ** 53);
    expect(sma.update(1)).toBe(2 ** 52);
    expect(sma.sum).toBe(2 ** 53);
    // The sum of ten 0.1 is exactly rounded to 1, where a loop gives 0.9999999999999999.
    const tenth = new ExactSma(10);
    for (let i = 0; i < 10; i++) tenth.update(0.1);
    expect(tenth.sum).toBe(1);
    expect(tenth.value).toBe(0.1);
  });

  it('is NaN and not ready until the window is full, and forgets everything on reset', () => {
    const sma = new ExactSma(3);
    expect(sma.update(1)).toBeNaN();
    expect(sma.update(2)).toBeNaN();
    expect(sma.ready).toBe(false);
    expect(sma.update(6)).toBe(3);
    expect(sma.ready).toBe(true);
    expect(sma.update(10)).toBe(6);
    sma.reset();
    expect(sma.ready).toBe(false);
    expect(sma.value).toBeNaN();
    expect(sma.update(3)).toBeNaN();
    sma.update(3);
    expect(sma.update(3)).toBe(3);
  });

  it('rejects a bad period and non-finite values', () => {
    for (const period of [0, -1, 2.5, Number.NaN]) {
      expect(() => new ExactSma(period)).toThrow(expect.objectContaining({ code: 'CONFIG' }));
    }
    const sma = new ExactSma(2);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      try {
        sma.update(value);
        expect.unreachable();
      } catch (error) {
        expect(isBtError(error, 'DATA')).toBe(true);
      }
    }
  });
});
