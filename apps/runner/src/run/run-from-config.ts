import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { toBtError } from '@bt/core';
import type { LoadedConfig } from '../config/load.js';
import { createRunLogger } from '../logging/logger.js';
import { createProgressDisplay } from '../progress/display.js';
import { resultsDirFor, writeRunConfig } from './output.js';
import { createStatusDisplay } from './status-line.js';
import type { RunContext, RunOptions, RunOutcome } from './types.js';

/**
 * Runs a validated config. The broker section alone decides the mode: `sim` backtests on the
 * config's CSV data, `paper` trades live data with simulated fills, `ccxt` trades live (both load
 * `@bt/broker-ccxt` on demand; a backtest never loads ccxt).
 *
 * The results folder gets the log, the config as it ran (secrets redacted) and, for a backtest,
 * results.json, trades.csv, equity.csv, orders.csv, fills.csv, prices.json and report.html; for
 * paper and live runs the same files (no prices.json) built from the bot's journal. A run that
 * fails still writes what it has; the outcome says how it ended rather than throwing.
 *
 * @example
 * ```ts
 * const outcome = await runFromConfig(await loadConfig('bt.yaml'));
 * console.log(outcome.status, outcome.outDir, outcome.summary?.trades);
 * ```
 */
export async function runFromConfig(loaded: LoadedConfig, options: RunOptions = {}): Promise<RunOutcome> {
  const { config, redactor } = loaded;
  const now = options.now ?? (() => performance.now());
  const stderr = options.stderr ?? process.stderr;
  const outDir = resultsDirFor(loaded, new Date(), options.outDir);
  await mkdir(outDir, { recursive: true });

  const progress =
    config.broker.type === 'sim'
      ? await createProgressDisplay(options.progress ?? 'none', { stream: stderr })
      : createStatusDisplay(options.status ?? 'none', stderr);
  const logFile = isAbsolute(config.logging.file) ? config.logging.file : join(outDir, config.logging.file);
  const runLogger = createRunLogger({
    file: logFile,
    fileLevel: config.logging.fileLevel,
    consoleLevel: options.consoleLevel ?? config.logging.level,
    console: (line) => progress.log(line),
    redactor,
  });
  const logger = runLogger.logger;
  logger.info(`${config.broker.type === 'sim' ? 'backtest' : `${config.broker.type} trading`} from ${loaded.source}`, { outDir });
  const context: RunContext = { loaded, options, outDir, logger, progress, now };

  let outcome: Omit<RunOutcome, 'reportPath'>;
  try {
    if (config.broker.type === 'sim') {
      const { runBacktest } = await import('./backtest.js');
      outcome = await runBacktest(context);
    } else {
      const { runLive } = await import('./live-run.js');
      outcome = await runLive(context);
    }
  } catch (error) {
    const failure = toBtError(error);
    logger.error(redactor.text(failure.message), { code: failure.code });
    outcome = { mode: config.broker.type, status: 'failed', outDir, partial: true, error: failure, timings: { endMs: now() } };
  } finally {
    progress.stop();
  }

  await writeRunConfig(outDir, loaded);
  let reportPath: string | undefined;
  const wroteResults = outcome.mode === 'sim' ? outcome.summary !== undefined : outcome.live !== undefined;
  if (options.report !== false && wroteResults) {
    try {
      const { writeReport } = await import('../report/report.js');
      reportPath = await writeReport(outDir);
    } catch (error) {
      logger.warn(`report.html could not be written: ${(error as Error).message}`);
    }
  }
  await runLogger.close();
  return { ...outcome, ...(reportPath === undefined ? {} : { reportPath }) };
}
