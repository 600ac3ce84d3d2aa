import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Timeframe } from '@bt/core';
import { BtError, isTimeframe } from '@bt/core';
import type { BarColumns } from '@bt/sim-broker';
import { loadOhlcvCsv } from '@bt/sim-broker';

/** One OHLCV CSV file (the format of `@bt/sim-broker`'s `loadOhlcvCsv`) and the market it holds. */
export interface DataFile {
  /** Unified symbol, `BASE/QUOTE`, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** Path of the CSV file. */
  readonly file: string;
  /** Bar length of the file. Default: a timeframe token in the file name (`...-5m-...`), else `1m`. */
  readonly timeframe?: Timeframe;
}

/** Quote currencies recognised at the end of a file name's pair token, longest first. */
const KNOWN_QUOTES = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'DAI',
  'USD',
  'EUR',
  'GBP',
  'TRY',
  'BRL',
  'JPY',
  'AUD',
  'BTC',
  'ETH',
  'BNB',
] as const;

/**
 * The unified symbol a file name names, or undefined. The name is split on `-`, `_`, `.` and
 * spaces; the first token pair `BASE`, `QUOTE` with a known quote (`BTC-USDT.csv`), or the first
 * upper-case token ending in a known quote (`binanceus-BTCUSDT-1m-2023.csv`), gives the symbol.
 *
 * @example
 * ```ts
 * symbolFromFileName('binanceus-BTCUSDT-1m-2023-03-01_21.csv'); // 'BTC/USDT'
 * ```
 */
export function symbolFromFileName(fileName: string): string | undefined {
  const tokens = basename(fileName)
    .replace(/\.csv$/i, '')
    .split(/[-_. ]+/)
    .filter((t) => t.length > 0);
  const isAsset = (t: string): boolean => /^[A-Z0-9]{2,}$/.test(t);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!isAsset(token)) continue;
    const next = tokens[i + 1];
    if (next !== undefined && (KNOWN_QUOTES as readonly string[]).includes(next)) {
      return `${token}/${next}`;
    }
    const quote = KNOWN_QUOTES.find((q) => token.length > q.length && token.endsWith(q));
    if (quote !== undefined) return `${token.slice(0, -quote.length)}/${quote}`;
  }
  return undefined;
}

/** The timeframe token of a file name (`1m`, `5m`, `1h`...), or undefined. */
export function timeframeFromFileName(fileName: string): Timeframe | undefined {
  const tokens = basename(fileName)
    .replace(/\.csv$/i, '')
    .split(/[-_. ]+/);
  return tokens.find((t): t is Timeframe => /^\d+[smhdw]$/.test(t) && isTimeframe(t));
}

/** The files of a data directory: every `*.csv`, its symbol and timeframe read from its name. */
export async function listDataDir(dir: string): Promise<DataFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BtError('CONFIG', `data: cannot read the directory ${dir}: ${reason}`, { cause: error, details: { field: 'data', dir } });
  }
  const files: DataFile[] = [];
  for (const name of names.filter((n) => /\.csv$/i.test(n)).sort()) {
    const symbol = symbolFromFileName(name);
    if (symbol === undefined) {
      throw new BtError(
        'CONFIG',
        `data: cannot tell the market of ${join(dir, name)}; expected a name such as BTCUSDT.csv, BTC-USDT.csv or binance-BTCUSDT-1m.csv`,
        { details: { field: 'data', file: join(dir, name) } },
      );
    }
    const timeframe = timeframeFromFileName(name);
    files.push({ symbol, file: join(dir, name), ...(timeframe === undefined ? {} : { timeframe }) });
  }
  if (files.length === 0) throw new BtError('CONFIG', `data: no .csv file in ${dir}`, { details: { field: 'data', dir } });
  return files;
}

/**
 * Loads every data file with `loadOhlcvCsv`, one market each.
 * @throws BtError `CONFIG` on a bad symbol or two files of one symbol; `DATA` on a bad file.
 */
export async function loadDataFiles(files: readonly DataFile[]): Promise<BarColumns[]> {
  const seen = new Map<string, string>();
  files.forEach((f, i) => {
    if (typeof f?.symbol !== 'string' || !/^[A-Z0-9]+\/[A-Z0-9]+$/.test(f.symbol)) {
      throw new BtError(
        'CONFIG',
        `data[${i}].symbol: expected BASE/QUOTE in capitals such as "BTC/USDT", got ${JSON.stringify(f?.symbol)}`,
      );
    }
    if (typeof f.file !== 'string' || f.file.length === 0) throw new BtError('CONFIG', `data[${i}].file: expected a file path`);
    const earlier = seen.get(f.symbol);
    if (earlier !== undefined) {
      throw new BtError('CONFIG', `data[${i}]: ${f.symbol} is already given by ${earlier}; ${f.file} would be a second file of it`);
    }
    seen.set(f.symbol, f.file);
  });
  return Promise.all(files.map((f) => loadOhlcvCsv(f.file, { symbol: f.symbol, timeframe: f.timeframe ?? '1m' })));
}
