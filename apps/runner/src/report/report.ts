import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chartData } from './chart-data.js';
import { renderReport } from './html.js';
import { readResultsFolder } from './read.js';
import { chartsLibrarySource } from './vendor.js';

/** File name of the report in a results folder. */
export const REPORT_FILE = 'report.html';

/**
 * Builds `report.html` from a results folder (results.json, trades.csv, equity.csv, prices.json):
 * one self-contained file with the equity and drawdown charts, a price chart per symbol with every
 * entry and exit marked, the metrics and the trades. Returns its path.
 *
 * @throws BtError `CONFIG` when `dir` holds no results.json.
 * @example
 * ```ts
 * const path = await writeReport('results/sma-cross-20250101T000000Z');
 * ```
 */
export async function writeReport(dir: string, file: string = join(dir, REPORT_FILE)): Promise<string> {
  const folder = await readResultsFolder(dir);
  const html = renderReport(folder, chartData(folder.equity, folder.prices, folder.trades), await chartsLibrarySource());
  await writeFile(file, html, 'utf8');
  return file;
}
