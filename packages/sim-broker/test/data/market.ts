import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's real market data (`fixtures/market`, see its README). */
export const MARKET_DIR = fileURLToPath(new URL('../../../../fixtures/market/', import.meta.url));

/** The four files of `fixtures/market`: three Binance.US pairs (30,240 bars each), then the sparse Kraken file. */
export const MARKET_FILES = [
  'binanceus-BTCUSD-1m-2023-03-01_21.csv',
  'binanceus-BTCUSDC-1m-2023-03-01_21.csv',
  'binanceus-BTCUSDT-1m-2023-03-01_21.csv',
  'kraken-BTCUSDC-1m-2023-Q1-sparse.csv',
] as const;

/** The path of one file of `fixtures/market`. */
export function marketFile(name: (typeof MARKET_FILES)[number]): string {
  return join(MARKET_DIR, name);
}
