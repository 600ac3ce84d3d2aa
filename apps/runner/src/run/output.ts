import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BarColumns } from '@bt/sim-broker';
import type { LoadedConfig } from '../config/load.js';

/** The results folder of a run: `--out`, else `<results.dir>/<results.name>`, else `<results.dir>/<name>-<UTC timestamp>`. */
export function resultsDirFor(loaded: LoadedConfig, now: Date, outDir?: string): string {
  if (outDir !== undefined) return outDir;
  const { dir, name } = loaded.config.results;
  if (name !== undefined) return join(dir, name);
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  const base = join(dir, `${loaded.config.name ?? 'run'}-${stamp}`);
  let candidate = base;
  for (let i = 2; existsSync(candidate); i++) candidate = `${base}-${i}`;
  return candidate;
}

/** Writes the config as it ran, secrets redacted, as `config.yaml`. */
export async function writeRunConfig(dir: string, loaded: LoadedConfig): Promise<void> {
  const { stringify } = await import('yaml');
  const header = `# The config of this run, as it ran (defaults filled in, paths absolute, secrets redacted).\n# Source: ${loaded.source}\n`;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.yaml'), header + stringify(loaded.redactor.value(loaded.config)), 'utf8');
}

/** One symbol's price series for the report: candles `[openTimeMs, open, high, low, close]`. */
export interface PriceSeries {
  readonly timeframe: string;
  /** Bars merged into each candle (1 when not downsampled). */
  readonly barsPerCandle: number;
  readonly candles: readonly (readonly [number, number, number, number, number])[];
}

/** The file the report's price charts read. */
export const PRICES_FILE = 'prices.json';

/**
 * At most `maxCandles` candles for a symbol's bars up to `until` (a close time): runs of
 * consecutive bars merged into one candle each (first open, highest high, lowest low, last close),
 * so highs and lows survive downsampling.
 */
export function downsampleCandles(columns: BarColumns, until: number, maxCandles = 2000): PriceSeries {
  let length = 0;
  while (length < columns.length && (columns.openTime[length] as number) + columns.timeframeMs <= until) length++;
  const per = Math.max(1, Math.ceil(length / maxCandles));
  const candles: [number, number, number, number, number][] = [];
  for (let start = 0; start < length; start += per) {
    const end = Math.min(length, start + per);
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (let i = start; i < end; i++) {
      high = Math.max(high, columns.high[i] as number);
      low = Math.min(low, columns.low[i] as number);
    }
    candles.push([columns.openTime[start] as number, columns.open[start] as number, high, low, columns.close[end - 1] as number]);
  }
  return { timeframe: columns.timeframe, barsPerCandle: per, candles };
}

/** Writes `prices.json`: every symbol's downsampled candles. */
export async function writePrices(dir: string, data: readonly BarColumns[], until: number): Promise<void> {
  const out: Record<string, PriceSeries> = {};
  for (const columns of data) out[columns.symbol] = downsampleCandles(columns, until);
  await writeFile(join(dir, PRICES_FILE), JSON.stringify(out), 'utf8');
}
