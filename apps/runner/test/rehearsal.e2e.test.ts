import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LockstepResult } from '@bt/exchange-emulator';
import { startEmulator, VirtualClock } from '@bt/exchange-emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import { csvRows, runCli, SAMPLE, spawnCli, tempDir, writeSampleSlice } from './helpers/cli.js';

/*
 * END TO END. One built binary, one strategy, three configs that differ only in their broker
 * section:
 *   (a) sim:   a backtest of the CSV;
 *   (b) paper: market data from an exchange emulator replaying the same CSV, fills by sim-broker's
 *              PaperBroker;
 *   (c) ccxt:  real orders through ccxt (real HTTP) to an emulator replaying the CSV the same way,
 *              with test keys from environment variables.
 * The emulators run on a VirtualClock, which moves only when this test steps it; the live runs
 * follow it (time.clock: auto finds the virtual clock and sleeps on it over HTTP) and end
 * themselves after 120 bars (time.stopAfterBars). The test runs each in lockstep: whenever every
 * loop of the bot is asleep and no request is being answered, time moves to the earliest sleep's
 * end and wakes that loop alone. No wall-clock pacing decides anything, so a loaded machine gives
 * the same runs, only slower. Then the fills of (b) and (c) are compared with the backtest's, under
 * the rules written in docs/parity.md, and the figures printed (they are copied into docs/parity.md).
 */

const MINUTE = 60_000;
const BARS = 400;
/** The emulators start at this bar's open, and time stands still until bt has connected and started. */
const START_BAR = 20;
/**
 * The loops of each live run, each parked on the clock when the bot is idle: the symbol's worker
 * and the position monitor of the TradingController, the runner's status and heartbeat loop, and
 * for ccxt the CcxtBroker's order poll.
 */
const LOOPS = { paper: 3, ccxt: 4 } as const;
const STOP_AFTER = 120;
const KEY = { apiKey: 'rehearsal-key-0123456789', secret: 'rehearsal-secret-abcdefghij' };

const brokers = {
  sim: '{ type: sim, currency: USDT, balances: { USDT: 1000000 } }',
  paper: `{ type: paper, exchange: binance, urls: { rest: "\${EMU_URL}" }, rateLimit: false, currency: USDT, balances: { USDT: 1000000 } }`,
  ccxt: `{ type: ccxt, exchange: binance, apiKey: "\${EMU_KEY}", secret: "\${EMU_SECRET}", urls: { rest: "\${EMU_URL}" }, rateLimit: false }`,
} as const;
type Mode = keyof typeof brokers;

/** The one config, with `broker` the only part that changes. */
function configText(broker: string): string {
  return `name: rehearsal
symbols: [{ symbol: BTC/USDT, data: BTCUSDT.csv }]
strategies: [{ use: sma-cross, params: { fast: 2, slow: 5, amount: 1 } }]
broker: ${broker}
time: { pollIntervalMs: 30000, monitorIntervalMs: 30000, stopAfterBars: ${STOP_AFTER} }
`;
}

/** The first hex digits of the SHA-256 of a results folder's fills.csv and orders.csv: the same run gives the same. */
function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of ['fills.csv', 'orders.csv']) hash.update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 12);
}

/** One fill as the parity rules compare it: side, open time of the bar it filled in, price. */
interface FillKey {
  readonly side: string;
  readonly barOpen: number;
  readonly price: number;
}

/** fills.csv of a results folder; `venueTime` when the timestamps are the venue's execution times (the bar's close). */
function fillsOf(dir: string, venueTime: boolean): FillKey[] {
  const rows = csvRows(join(dir, 'fills.csv')).map((line) => line.split(','));
  // id,order_id,client_order_id,symbol,side,amount,price,fee,fee_currency,maker,timestamp,tag
  return rows.map((f) => ({ side: f[4] as string, price: Number(f[6]), barOpen: Number(f[10]) - (venueTime ? MINUTE : 0) }));
}

interface BarStats {
  readonly firstBarClose: number;
  readonly lastBarClose: number;
  readonly bars: number;
  readonly late: number;
  readonly firstLateBarClose?: number;
}

interface Parity {
  /** The compared bar opens: [from, to). */
  readonly from: number;
  readonly to: number;
  readonly backtest: FillKey[];
  readonly live: FillKey[];
  readonly identical: number;
  readonly maxPriceDiff: number;
  /** The backtest's exit of a position it held when the live run started (rule 2). */
  readonly inherited: FillKey | undefined;
}

/**
 * The fills of a live run against the backtest's over the bars the live run processed (rule 1),
 * without the backtest's exit of a position opened before the live start (rule 2), up to the
 * first bar the live run saw late (rule 4). See docs/parity.md.
 */
function parity(backtestFills: readonly FillKey[], liveFills: readonly FillKey[], stats: BarStats): Parity {
  const from = stats.firstBarClose;
  const to = Math.min(stats.lastBarClose, stats.firstLateBarClose ?? Number.POSITIVE_INFINITY);
  const inWindow = (f: FillKey) => f.barOpen >= from && f.barOpen < to;
  const held = backtestFills.filter((f) => f.barOpen < from).reduce((n, f) => n + (f.side === 'buy' ? 1 : -1), 0);
  const backtest = backtestFills.filter(inWindow);
  const inherited = held > 0 ? backtest.find((f) => f.side === 'sell') : undefined;
  const expected = backtest.filter((f) => f !== inherited);
  const live = liveFills.filter(inWindow);
  let identical = 0;
  let maxPriceDiff = 0;
  for (let i = 0; i < Math.min(expected.length, live.length); i++) {
    const a = expected[i] as FillKey;
    const b = live[i] as FillKey;
    if (a.side === b.side && a.barOpen === b.barOpen) {
      maxPriceDiff = Math.max(maxPriceDiff, Math.abs(a.price - b.price));
      if (a.price === b.price) identical++;
    }
  }
  return { from, to, backtest: expected, live, identical, maxPriceDiff, inherited };
}

describe('e2e: one binary, three configs (sim, paper and ccxt against the exchange emulator, in lockstep on virtual time)', () => {
  const dir = tempDir('bt-rehearsal-');
  const data = join(dir, 'BTCUSDT.csv');
  const out = (mode: Mode) => join(dir, 'out', mode);
  const results: Partial<Record<Mode, CliResult>> = {};
  const lockstep: Partial<Record<'paper' | 'ccxt', LockstepResult>> = {};
  const wallMs: Partial<Record<Mode, number>> = {};
  let startTime = 0;

  /** Starts an emulator over the CSV on a virtual clock at START_BAR, no fees; runs `mode` against it in lockstep. */
  async function rehearse(mode: 'paper' | 'ccxt'): Promise<CliResult> {
    const clock = new VirtualClock(startTime);
    const emulator = await startEmulator({
      data: [{ symbol: 'BTC/USDT', file: data }],
      clock,
      keys: [KEY],
      balances: { USDT: 1_000_000 },
      fees: { maker: 0, taker: 0 },
    });
    const bot = spawnCli(['run', '-c', `${mode}.yaml`, '-o', out(mode), '-q', '--no-report'], {
      cwd: dir,
      // The emulator's control API (its clock) asks for the token it made at start, as bt emulate prints it.
      env: { EMU_URL: emulator.url, EMU_KEY: KEY.apiKey, EMU_SECRET: KEY.secret, BT_EMULATOR_TOKEN: emulator.controlToken },
    });
    try {
      lockstep[mode] = await clock.lockstep({ sleepers: LOOPS[mode], until: bot.exited });
      return await bot.exited;
    } catch (error) {
      bot.child.kill();
      throw new Error(`${mode}: ${(error as Error).message}\n${bot.output().stderr}`, { cause: error });
    } finally {
      await emulator.close();
    }
  }

  beforeAll(async () => {
    writeSampleSlice(SAMPLE.BTCUSDT, data, BARS);
    startTime = Date.parse(`${csvRows(data)[START_BAR]?.split(',')[0]}`.replace(' ', 'T'));
    for (const mode of Object.keys(brokers) as Mode[]) writeFileSync(join(dir, `${mode}.yaml`), configText(brokers[mode]));
    // In lockstep a run's outcome does not depend on how fast it goes: the three run side by side.
    const timed = async <T>(mode: Mode, run: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await run();
      } finally {
        wallMs[mode] = Math.round(performance.now() - t);
      }
    };
    [results.sim, results.paper, results.ccxt] = await Promise.all([
      timed('sim', () => runCli(['run', '-c', 'sim.yaml', '-o', out('sim'), '-q', '--no-report'], { cwd: dir })),
      timed('paper', () => rehearse('paper')),
      timed('ccxt', () => rehearse('ccxt')),
    ]);
  }, 120_000);

  const json = (mode: Mode) => JSON.parse(readFileSync(join(out(mode), 'results.json'), 'utf8')) as Record<string, unknown>;
  const barStats = (mode: Mode) => (json(mode).bars as Record<string, BarStats>)['BTC/USDT'] as BarStats;

  it('the three configs differ only in their broker section', () => {
    const [sim, ...others] = (Object.keys(brokers) as Mode[]).map((m) => readFileSync(join(dir, `${m}.yaml`), 'utf8').split('\n'));
    for (const other of others) expect(other.filter((line, i) => line !== sim?.[i]).map((l) => l.split(':')[0])).toEqual(['broker']);
  });

  it('all three trade: fills and trades in each results folder', () => {
    for (const mode of Object.keys(brokers) as Mode[]) {
      const result = results[mode] as CliResult;
      expect(result.code, `${mode}: ${result.stderr}`).toBe(0);
      expect(csvRows(join(out(mode), 'fills.csv')).length, mode).toBeGreaterThan(0);
      expect(csvRows(join(out(mode), 'trades.csv')).length, mode).toBeGreaterThan(0);
    }
    expect(results.sim?.stdout).toMatch(/^Backtest completed: 400 of 400 steps/m);
    for (const mode of ['paper', 'ccxt'] as const) {
      expect(json(mode)).toMatchObject({ mode, status: 'completed', clock: { kind: 'emulator', virtual: true } });
      // On virtual time the window is exact: from START_BAR's open, when the first tick ran, for 120 bars.
      expect(barStats(mode)).toEqual({
        firstBarClose: startTime,
        lastBarClose: startTime + STOP_AFTER * MINUTE,
        bars: STOP_AFTER,
        late: 0,
      });
    }
    // Every order went out at the instant a bar closed: the run saw each bar at its close, not before nor after.
    for (const mode of ['paper', 'ccxt'] as const) {
      const sent = csvRows(join(out(mode), 'orders.csv')).map((line) => Number(line.split(',')[10]));
      expect(sent.length, mode).toBeGreaterThan(0);
      expect(
        sent.filter((t) => t % MINUTE !== 0),
        mode,
      ).toEqual([]);
    }
    expect(results.paper?.stdout).toMatch(/^Paper trading completed\. 120 bars processed, \d+ orders/m);
    expect(results.ccxt?.stdout).toMatch(/^Live trading completed\. 120 bars processed, \d+ orders/m);
    // The test keys came from the environment and were hidden.
    expect(readFileSync(join(out('ccxt'), 'config.yaml'), 'utf8')).not.toContain(KEY.secret);
  });

  it('parity: paper and live fills equal the backtest’s over the bars they processed (docs/parity.md)', () => {
    const backtest = fillsOf(out('sim'), false);
    const report: string[] = [];
    for (const mode of ['paper', 'ccxt'] as const) {
      const stats = barStats(mode);
      // Live fills are reported at the venue's execution time, the close of the bar they filled in.
      const p = parity(backtest, fillsOf(out(mode), mode === 'ccxt'), stats);
      report.push(
        `${mode}: bars ${new Date(p.from).toISOString()} to ${new Date(p.to).toISOString()} (${stats.bars} processed, ${stats.late} late); ` +
          `${p.identical} of ${p.backtest.length} backtest fills identical in side, bar and price (live: ${p.live.length}); ` +
          `max price difference ${p.maxPriceDiff}; inherited exit ${p.inherited === undefined ? 'none' : new Date(p.inherited.barOpen).toISOString()}; ` +
          `${lockstep[mode]?.steps} lockstep steps in ${wallMs[mode]} ms of wall time; fills.csv and orders.csv ${digest(out(mode))}`,
      );
      expect(p.backtest.length, mode).toBeGreaterThanOrEqual(4);
      expect(p.live, mode).toEqual(p.backtest);
    }
    console.info(`parity figures (docs/parity.md):\n  ${report.join('\n  ')}\n  sim: ${wallMs.sim} ms of wall time`);
  });
});
