import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's real market data (`fixtures/market`, see its README). */
export const MARKET_DIR = fileURLToPath(new URL('../../../../fixtures/market/', import.meta.url));

/** The four real files of `fixtures/market`. */
export const MARKET_FILES = [
  'binanceus-BTCUSD-1m-2023-03-01_21.csv',
  'binanceus-BTCUSDC-1m-2023-03-01_21.csv',
  'binanceus-BTCUSDT-1m-2023-03-01_21.csv',
  'kraken-BTCUSDC-1m-2023-Q1-sparse.csv',
] as const;

/** Column `column` (0-based) of a CSV file as numbers; a header line (non-numeric) is skipped. */
export function readColumn(file: string, column: number): number[] {
  const values: number[] = [];
  for (const line of readFileSync(join(MARKET_DIR, file), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const value = Number(line.split(',')[column]);
    if (Number.isNaN(value) && values.length === 0) continue;
    if (!Number.isFinite(value)) throw new Error(`${file}: column ${column} is not a number in line "${line}"`);
    values.push(value);
  }
  return values;
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random walk of `length` prices on a coarse tick grid: each price is `k / 10^decimals` for an
 * integer `k` (so it is the double nearest to a decimal quote), and most steps do not move, which
 * produces long flat runs and so many exact ties between averages.
 */
export function coarseWalk(random: () => number, length: number, start: number, decimals: number, stayProbability: number): number[] {
  const scale = 10 ** decimals;
  let k = Math.round(start * scale);
  const prices: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    if (r >= stayProbability) k += r < (1 + stayProbability) / 2 ? -1 : 1;
    if (k < 1) k = 1;
    prices.push(k / scale);
  }
  return prices;
}
