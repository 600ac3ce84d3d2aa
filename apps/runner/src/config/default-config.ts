import { join, resolve } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import type { LoadedConfig } from './load.js';
import type { BtConfig } from './schema.js';
import { Redactor } from './secrets.js';

/**
 * The sample data that ships in the package, by symbol: Binance.US 1-minute BTCUSDT bars, 1 to 21
 * March 2023 (30,240 bars, the USDC de-peg of 10 to 13 March included). One file keeps the package
 * small; the repository's tests read more real data from `fixtures/market`.
 */
export const SAMPLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  BTCUSDT: 'binanceus-BTCUSDT-1m-2023-03-01_21.csv',
});

/** The folder of the bundled sample data. */
export function sampleDataDir(): string {
  return join(packageRoot(), 'assets', 'sample');
}

/**
 * What `bt run` runs without a config: a backtest of the built-in `sma-cross` (SMA 10/30, one unit
 * per trade) on the bundled sample data ({@link SAMPLE_FILES}: BTCUSDT), 1,000,000 USD, no fees,
 * at full speed; results under `./results`.
 */
export function embeddedDefaultConfig(cwd: string = process.cwd()): LoadedConfig {
  const dir = sampleDataDir();
  const config: BtConfig = {
    name: 'sma-cross-sample',
    timeframe: '1m',
    symbols: Object.entries(SAMPLE_FILES).map(([symbol, file]) => ({ symbol, data: join(dir, file) })),
    strategies: [{ use: 'sma-cross', params: { fast: 10, slow: 30, amount: 1 } }],
    broker: {
      type: 'sim',
      currency: 'USD',
      balances: { USD: 1_000_000 },
      slippageBps: 0,
      allowShort: false,
      fillTiming: 'next-open',
      intrabarPriority: 'stop-first',
    },
    time: { mode: 'max-speed', clock: 'auto' },
    results: { dir: resolve(cwd, 'results') },
    logging: { level: 'info', file: 'run.log', fileLevel: 'debug' },
  };
  return { config, source: '(embedded default: sma-cross on the bundled sample data)', baseDir: cwd, redactor: new Redactor() };
}
