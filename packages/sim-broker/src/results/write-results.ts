import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BtError } from '@bt/core';
import { equityCsv, fillsCsv, ordersCsv, tradesCsv } from './csv.js';
import { toStableJson } from './stable-json.js';
import type { SimulationResults } from './types.js';

/**
 * The summary of a run written to `results.json`: every field of the results except the long
 * lists (orders, fills, trades, equity), which go to their CSV files, plus their counts.
 */
export function summarizeResults(results: SimulationResults): Record<string, unknown> {
  const { orders, fills, trades, equity, ...summary } = results;
  return {
    ...summary,
    orderCount: orders.length,
    fillCount: fills.length,
    tradeRowCount: trades.length,
    equitySamples: equity.values.length,
  };
}

/** File names {@link writeResults} writes. */
export const RESULT_FILES = ['results.json', 'trades.csv', 'equity.csv', 'orders.csv', 'fills.csv'] as const;

/**
 * Writes a run's results into `dir` (created if needed): `results.json` (stable JSON of
 * {@link summarizeResults}), `trades.csv`, `equity.csv`, `orders.csv` and `fills.csv`.
 *
 * @throws BtError `DATA` when a file cannot be written.
 * @example
 * ```ts
 * await writeResults('out/run-1', await broker.getResults());
 * ```
 */
export async function writeResults(dir: string, results: SimulationResults): Promise<void> {
  const files: Record<(typeof RESULT_FILES)[number], string> = {
    'results.json': toStableJson(summarizeResults(results)),
    'trades.csv': tradesCsv(results.trades),
    'equity.csv': equityCsv(results.equity),
    'orders.csv': ordersCsv(results.orders),
    'fills.csv': fillsCsv(results.fills),
  };
  try {
    await mkdir(dir, { recursive: true });
    for (const name of RESULT_FILES) await writeFile(join(dir, name), files[name], 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BtError('DATA', `${dir}: cannot write the results: ${reason}`, { cause: error, details: { file: dir } });
  }
}
