import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultConfig, RunningEmulator } from '@bt/exchange-emulator';
import { startEmulator, VirtualClock } from '@bt/exchange-emulator';
import { parseClientOrderId, SqliteJournal } from '@bt/journal';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../src/run/crash-points.js';
import { CRASH_POINTS } from '../src/run/crash-points.js';
import type { CliResult } from './helpers/cli.js';
import { csvRows, SAMPLE, spawnCli, tempDir, writeSampleSlice } from './helpers/cli.js';
import type { AuditFigures } from './helpers/venue-audit.js';
import { auditWithLosses } from './helpers/venue-audit.js';

/*
 * THE CRASH-POINT MATRIX (issue 12). A live bot (real ccxt, real HTTP, a real SQLite journal)
 * trades against the exchange emulator and is killed with SIGKILL at one of six points, by the
 * test-only hook BT_CRASH_AT (src/run/crash-points.ts): (a) intent journaled, not sent; (b) sent,
 * no ack; (c) acked, not filled; (d) filled at the venue, not yet seen; (e) an exit in flight;
 * (f) during a partial fill. The same bot is restarted on the same journal and trades 40 bars;
 * then a last start recovers what the venue did with the orders that stop left open (and dies at
 * its first new order). Then the venue's orders and fills are compared with the journal: 0
 * duplicate orders, 0 lost fills, positions equal, exits re-armed and executed, holdings from
 * before untouched.
 *
 * `npm test` runs each point TRIALS times, with the faults armed in every other trial; the full
 * matrix (each point TRIALS times without faults and TRIALS times with them) is
 * `cd apps/runner && npm run build && npm run test:crash`.
 *
 * Timing is seeded: the emulator runs on a VirtualClock in lockstep with the bot (time moves only
 * when every loop of the bot sleeps and no request is in flight), so a trial is the same on any
 * machine; the seed picks which occurrence of the point kills the bot. Half the trials arm the
 * emulator's faults: 5xx answers to order posts that still execute, and a 429 burst at restart.
 * Every order fills in parts (a bar fills at most PART of an order), so partial fills are the norm.
 */

const MINUTE = 60_000;
const BARS = 300;
const START_BAR = 20;
/** The bot's loops, each parked on the clock when idle: the worker, the position monitor, the order poll, the status line. */
const SLEEPERS = 4;
const KEY = { apiKey: 'crash-key-0123456789abcdef', secret: 'crash-secret-abcdefghijklmnop' };
/** Bitcoin the account held before the bot ever ran: reported, never traded. */
const HELD_BEFORE = 2;
const AMOUNT = 1;
/** What one bar can fill of an order: an order of AMOUNT fills in three parts. */
const PART = 0.4;
const MAX_HOLDING_MS = 3 * MINUTE;
const TRIALS = 3;
const BOT = 'crash-bot';
/** Wall time a bot run may take (a run takes a few seconds). */
const BOT_WALL_LIMIT_MS = 45_000;

const config = (stopAfterBars: number) => `name: ${BOT}
symbols: [{ symbol: BTC/USDT, data: BTCUSDT.csv }]
strategies:
  - use: sma-cross
    params: { fast: 2, slow: 5, amount: ${AMOUNT} }
    exits: { maxHoldingMs: ${MAX_HOLDING_MS} }
broker: { type: ccxt, exchange: binance, apiKey: "\${EMU_KEY}", secret: "\${EMU_SECRET}", urls: { rest: "\${EMU_URL}" }, rateLimit: false }
state: { file: state/${BOT}.sqlite }
time: { pollIntervalMs: 30000, monitorIntervalMs: 30000, stopAfterBars: ${stopAfterBars} }
`;

/** 5xx answers to two order posts that the venue still executes (outcome unknown to the bot). */
const ORDER_FAULTS: FaultConfig = { serverError: { count: 2, method: 'POST', path: '/api/v3/order', status: 503, execute: true } };
/** A 429 burst as the restarted bot connects. */
const RESTART_FAULTS: FaultConfig = { rateLimit: { count: 4, retryAfterSeconds: 1 } };

interface Trial {
  readonly point: CrashPoint;
  readonly trial: number;
  readonly faults: boolean;
}

interface TrialResult {
  readonly crashed: CliResult;
  readonly restarted: CliResult;
  readonly figures: AuditFigures;
  /** Bitcoin at the venue minus the bot's position: what the account held before the bot. */
  readonly heldAfter: number;
  /** Open positions of the bot older than its max-holding rule allows (an exit not re-armed). */
  readonly overdueExits: number;
  /** What went wrong, for the failure message: lost fills, overdue trades, the journal's intents. */
  readonly detail: string;
}

describe('crash-point matrix: kill -9 at each point, restart, and nothing is doubled or lost', () => {
  const dir = tempDir('bt-crash-');
  const data = join(dir, 'BTCUSDT.csv');
  let startTime = 0;
  const results: { trial: Trial; result: TrialResult }[] = [];

  beforeAll(() => {
    writeSampleSlice(SAMPLE.BTCUSDT, data, BARS);
    startTime = Date.parse(`${csvRows(data)[START_BAR]?.split(',')[0]}`.replace(' ', 'T'));
  });

  /** Runs the bot in lockstep on `clock` until it exits; `crashAt` arms the hook. */
  async function runBot(
    emulator: RunningEmulator,
    clock: VirtualClock,
    folder: string,
    crashAt?: string,
    name = crashAt === undefined ? 'after' : 'crashed',
  ): Promise<CliResult> {
    const token = (emulator as { controlToken?: string }).controlToken;
    const bot = spawnCli(['run', '-c', 'bot.yaml', '-o', join(folder, name), '--no-report'], {
      cwd: folder,
      env: {
        EMU_URL: emulator.url,
        EMU_KEY: KEY.apiKey,
        EMU_SECRET: KEY.secret,
        ...(token === undefined ? {} : { BT_EMULATOR_TOKEN: token }),
        ...(crashAt === undefined ? {} : { BT_CRASH_AT: crashAt }),
      },
    });
    // A bot that never exits fails the trial with its output, not the test's timeout.
    const guard = setTimeout(() => bot.child.kill('SIGKILL'), BOT_WALL_LIMIT_MS);
    try {
      // Until its loops start, the bot sleeps alone (recovery's look-ups, retry back-off): step each sleep.
      const started = bot.waitFor(/ trading on binance: /, BOT_WALL_LIMIT_MS).catch(() => undefined);
      await clock.lockstep({ sleepers: 1, until: Promise.race([started, bot.exited]) });
      await clock.lockstep({ sleepers: SLEEPERS, until: bot.exited });
      const result = await bot.exited;
      if (result.signal === 'SIGKILL' && crashAt === undefined) throw new Error(`no exit within ${BOT_WALL_LIMIT_MS} ms of wall time`);
      return result;
    } catch (error) {
      bot.child.kill('SIGKILL');
      throw new Error(`${crashAt ?? 'restart'}: ${(error as Error).message}\n${bot.output().stderr}`, { cause: error });
    } finally {
      clearTimeout(guard);
    }
  }

  async function runTrial({ point, trial, faults }: Trial): Promise<TrialResult> {
    const folder = tempDir(`bt-crash-${point}-${trial}-`);
    writeSampleSlice(SAMPLE.BTCUSDT, join(folder, 'BTCUSDT.csv'), BARS);
    const clock = new VirtualClock(startTime);
    const emulator = await startEmulator({
      data: [{ symbol: 'BTC/USDT', file: join(folder, 'BTCUSDT.csv') }],
      clock,
      keys: [KEY],
      balances: { USDT: 1_000_000, BTC: HELD_BEFORE },
      matching: { volumeCap: { capacity: () => PART } },
      ...(faults ? { faults: ORDER_FAULTS } : {}),
    });
    try {
      // The seed: which occurrence of the point kills the bot.
      const count = 1 + ((trial * 7 + CRASH_POINTS.indexOf(point)) % 3);
      writeFileSync(join(folder, 'bot.yaml'), config(120));
      const crashed = await runBot(emulator, clock, folder, `${point}:${count}`);
      if (faults) emulator.control.setFaults(RESTART_FAULTS);
      writeFileSync(join(folder, 'bot.yaml'), config(40));
      const restarted = await runBot(emulator, clock, folder);
      // Settle: one more start, so recovery reads what the venue did with the orders the stop left
      // open; it dies at its first new order, so nothing new reaches the venue.
      writeFileSync(join(folder, 'bot.yaml'), config(2));
      await runBot(emulator, clock, folder, 'intent-journaled:1', 'settled');
      const journal = SqliteJournal.openReadOnly({ file: join(folder, 'state', `${BOT}.sqlite`), botName: BOT });
      const intents = journal.intents();
      const journalFills = journal.fills();
      const prefix = parseClientOrderId(intents[0]?.clientOrderId ?? '')?.prefix ?? 'none';
      const { figures, lost } = auditWithLosses({
        venueOrders: emulator.orders(),
        venueFills: emulator.trades(),
        intents,
        journalFills,
        prefix,
      });
      const bot = journalFills.reduce((n, f) => n + (f.side === 'buy' ? f.amount : -f.amount), 0);
      const btc = emulator.balances().find((b) => b.currency === 'BTC');
      const now = emulator.now();
      // An exit is due at MAX_HOLDING_MS; the monitor sees it within a bar and it fills in up to three parts.
      // The settle start is killed at its first new order on purpose: an exit that order was, was placed on time.
      const last = intents.at(-1);
      const killedExit = last?.status === 'intent' && last.source === 'trade-manager' ? last.clientOrderId : undefined;
      const overdue = journal
        .openTrades()
        .filter((t) => now - t.entryTime > MAX_HOLDING_MS + 5 * MINUTE)
        .filter((t) => t.exit.kind === 'none' || t.exit.clientOrderId !== killedExit);
      const detail = JSON.stringify({
        lost,
        overdue,
        intents: intents.map((i) => [i.clientOrderId, i.side, i.status, i.filled, i.source, i.createdAt]),
        runs: journal.runs().map((r) => [r.startedAt, r.endedAt, r.status]),
      });
      return { crashed, restarted, figures, heldAfter: (btc?.total ?? 0) - bot, overdueExits: overdue.length, detail };
    } finally {
      await emulator.close();
    }
  }

  // `npm test`: each point TRIALS times, faults armed in every other trial. `npm run test:crash`
  // (BT_CRASH_MATRIX=full): each point TRIALS times without faults and TRIALS times with them.
  const full = process.env.BT_CRASH_MATRIX === 'full';
  const trials: Trial[] = [];
  for (const faults of full ? [false, true] : [undefined])
    for (const point of CRASH_POINTS)
      for (let trial = 0; trial < TRIALS; trial++) trials.push({ point, trial, faults: faults ?? trial % 2 === 1 });

  const named = trials.map((t) => [`${t.point}, trial ${t.trial}${t.faults ? ', with faults' : ''}`, t] as const);
  it.each(named)(
    '%s',
    async (_name, trial) => {
      const result = await runTrial(trial);
      results.push({ trial, result });
      expect(result.crashed.signal, `the bot never reached ${trial.point}:\n${result.crashed.stderr}`).toBe('SIGKILL');
      expect(result.restarted.code, result.restarted.stderr).toBe(0);
      expect(result.figures, result.detail).toEqual({
        duplicateOrdersPerClientId: 0,
        duplicateOrdersPerIntent: 0,
        unjournaledOrders: 0,
        lostFills: 0,
        duplicatedFills: 0,
        positionMismatches: 0,
      });
      expect(result.overdueExits, result.detail).toBe(0);
      expect(result.heldAfter).toBeCloseTo(HELD_BEFORE, 9);
    },
    120_000,
  );

  it('prints the matrix figures (copied into the closing note)', () => {
    const rows = CRASH_POINTS.map((point) => {
      const of = results.filter((r) => r.trial.point === point).map((r) => r.result);
      const sum = (key: keyof AuditFigures) => of.reduce((n, r) => n + r.figures[key], 0);
      return `${point}: ${of.length} trials, ${of.filter((r) => r.crashed.signal === 'SIGKILL').length} killed; duplicate orders ${
        sum('duplicateOrdersPerClientId') + sum('duplicateOrdersPerIntent')
      }, lost fills ${sum('lostFills')}, duplicated fills ${sum('duplicatedFills')}, position mismatches ${sum('positionMismatches')}, overdue exits ${of.reduce((n, r) => n + r.overdueExits, 0)}`;
    });
    console.info(`crash matrix:\n  ${rows.join('\n  ')}`);
    expect(results.length).toBe(trials.length);
  });
});
