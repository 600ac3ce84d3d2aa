import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Broker, Fill, TradingController } from '@bt/core';
import { BtError, createMemoryLogger, ManualClock } from '@bt/core';
import { JournalError, SqliteJournal } from '@bt/journal';
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor } from '../src/commands/exit-codes.js';
import { parseConfig } from '../src/config/load.js';
import { rebuildLiveResults } from '../src/report/live-rebuild.js';
import { bookOf } from '../src/run/live-book.js';
import { LiveMonitor } from '../src/run/live-monitor.js';
import { EQUITY_EVENT, writeLiveResults } from '../src/run/live-results.js';
import { stateLocation } from '../src/run/state/location.js';
import { openRunJournal } from '../src/run/state/open-journal.js';
import { recoverAtStart } from '../src/run/state/recovery.js';
import { isStateRefusal } from '../src/run/state/refusal.js';
import { createStatusDisplay, statusLine } from '../src/run/status-line.js';
import { VenueHealth } from '../src/run/venue-health.js';
import { csvRows, tempDir } from './helpers/cli.js';

const SYMBOL = 'BTC/USDT';
const T0 = Date.UTC(2023, 2, 1, 12);

const configOf = (extra: Record<string, unknown>, baseDir = '/bots', source = '/bots/grid.yaml') =>
  parseConfig(
    { symbols: [{ symbol: SYMBOL }], strategies: [{ use: 'sma-cross' }], broker: { type: 'paper', exchange: 'binance' }, ...extra },
    { baseDir, source, skipFileChecks: true },
  );

function fill(id: string, side: 'buy' | 'sell', amount: number, price: number, fee = 0): Fill {
  return {
    id,
    orderId: `o-${id}`,
    symbol: SYMBOL,
    side,
    amount,
    price,
    fee,
    feeCurrency: 'USDT',
    maker: false,
    timestamp: T0 + Number(id) * 60_000,
  };
}

describe('the state section', () => {
  it('defaults: the bot is the config name, else the file name; the journal is state/<bot>.sqlite next to the config (paper: .paper.sqlite)', () => {
    expect(stateLocation(configOf({ name: 'grid-1' }))).toEqual({ file: join('/bots', 'state', 'grid-1.paper.sqlite'), botName: 'grid-1' });
    expect(stateLocation(configOf({}))).toEqual({ file: join('/bots', 'state', 'grid.paper.sqlite'), botName: 'grid' });
    const live = configOf({ name: 'grid-1', broker: { type: 'ccxt', exchange: 'binance' } });
    expect(stateLocation(live)).toEqual({ file: join('/bots', 'state', 'grid-1.sqlite'), botName: 'grid-1' });
    const given = configOf({ name: 'x', state: { file: 'db/bot.sqlite', botName: 'alpha', clientIdPrefix: 'a1' } });
    expect(stateLocation(given)).toEqual({ file: join('/bots', 'db', 'bot.sqlite'), botName: 'alpha', clientIdPrefix: 'a1' });
  });

  it('a bad field is named with what was expected', () => {
    const problem = (state: unknown) => {
      try {
        configOf({ state });
      } catch (error) {
        return (error as Error).message;
      }
      return 'valid';
    };
    expect(problem({ clientIdPrefix: 'has-dash' })).toMatch(/state\.clientIdPrefix.*expected 1 to 12 ASCII letters and digits/);
    expect(problem({ botName: 'a b' })).toMatch(/state\.botName.*expected a bot name/);
    expect(problem({ file: 7 })).toMatch(/state\.file.*expected a file path/);
    expect(problem({ lock: true })).toMatch(/state.*lock/);
  });
});

describe('openRunJournal', () => {
  it('says where the journal is, and refuses a second instance of the bot naming the holder and how to break a stale lock', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const logger = createMemoryLogger();
    const location = { file: join(dir, 'state', 'bot.sqlite'), botName: 'bot' };
    const first = openRunJournal(location, { clock, mode: 'paper', logger, configSource: 'bt.yaml' });
    try {
      expect(existsSync(location.file)).toBe(true);
      expect(logger.records.map((r) => r.message).join('\n')).toContain(`state: bot "bot", journal ${location.file}`);
      let refused: unknown;
      try {
        openRunJournal(location, { clock, mode: 'paper', logger, configSource: 'bt.yaml' }).close();
      } catch (error) {
        refused = error;
      }
      expect(isStateRefusal(refused), String(refused)).toBe(true);
      expect(exitCodeFor(refused)).toBe(ExitCode.REFUSED);
      expect((refused as Error).message).toContain(`bot "bot" is already running: pid ${process.pid} on host`);
      expect((refused as Error).message).toContain('bt unlock -c bt.yaml');
    } finally {
      first.close();
    }
    // Closed, the lock is free again.
    openRunJournal(location, { clock, mode: 'paper', logger, configSource: 'bt.yaml' }).close();
  });
});

describe('recoverAtStart', () => {
  /** Records the order of the calls: trades re-armed, orders resumed, then fills replayed. */
  const controller = (restored: number, replayed: Fill[][], calls: string[] = []) =>
    ({
      restoreTrades: () => {
        calls.push('restoreTrades');
        return Array.from({ length: restored }, () => ({}));
      },
      resumeOrders: () => {
        calls.push('resumeOrders');
        return [{ request: { clientOrderId: 'bot-BTCUSDT-7' }, status: 'open' }];
      },
      replayFills: (fills: readonly Fill[]) => {
        calls.push('replayFills');
        replayed.push([...fills]);
        return fills.length;
      },
    }) as unknown as TradingController;
  const journal = {} as SqliteJournal;
  const broker = {} as Broker;

  it('logs what was compared, re-arms exits, resumes the orders in flight, then hands the missed fills over', async () => {
    const logger = createMemoryLogger();
    const replayed: Fill[][] = [];
    const calls: string[] = [];
    const missed = [fill('1', 'buy', 1, 100)];
    const result = await recoverAtStart({
      journal,
      broker,
      controller: controller(2, replayed, calls),
      symbols: [SYMBOL],
      clock: new ManualClock(T0),
      logger,
      acceptVenue: false,
      recover: async () => ({ settled: [], missedFills: missed, orphans: [], positions: [], summary: 'compared 1 symbol: all agree' }),
    });
    expect(result).toMatchObject({ summary: 'compared 1 symbol: all agree', restoredTrades: 2, resumedOrders: 1, replayedFills: 1 });
    expect(replayed).toEqual([missed]);
    expect(calls).toEqual(['restoreTrades', 'resumeOrders', 'replayFills']);
    const lines = logger.records.map((r) => r.message);
    expect(lines).toContain('recovery: 1 order of earlier runs still in flight: bot-BTCUSDT-7 (open)');
    expect(lines).toContain('recovery: compared 1 symbol: all agree');
    expect(lines.some((l) => /reconciled/.test(l))).toBe(false);
  });

  it('fails closed on a position mismatch: a refusal (exit 3) that says how to accept the venue, and nothing is replayed', async () => {
    const replayed: Fill[][] = [];
    const error = await recoverAtStart({
      journal,
      broker,
      controller: controller(0, replayed),
      symbols: [SYMBOL],
      clock: new ManualClock(T0),
      logger: createMemoryLogger(),
      acceptVenue: false,
      recover: async () => {
        throw new JournalError('POSITION_MISMATCH', 'BTC/USDT: bot 0.5, venue 0 ... bt run --accept-venue-state');
      },
    }).catch((e: unknown) => e);
    expect(isStateRefusal(error)).toBe(true);
    expect(exitCodeFor(error)).toBe(3);
    expect((error as Error).message).toMatch(/bot 0\.5, venue 0[\s\S]*--accept-venue-state[\s\S]*Nothing was sent/);
    expect(replayed).toEqual([]);
  });
});

describe('the book of the bot fills', () => {
  it('realized PnL of closed round trips, unrealized at the marks, fees', () => {
    const book = bookOf([fill('1', 'buy', 2, 100, 0.2), fill('2', 'sell', 1, 110, 0.1)], { [SYMBOL]: 120 });
    expect(book.realizedPnl).toBeCloseTo(10);
    expect(book.unrealizedPnl).toBeCloseTo(20);
    expect(book.fees).toBeCloseTo(0.3);
    expect(book.netPnl).toBeCloseTo(29.7);
    expect(book.positions).toEqual([{ symbol: SYMBOL, amount: 1, entryPrice: 100, mark: 120, unrealizedPnl: 20 }]);
  });
});

describe('results from the journal, and bt report of a killed run', () => {
  it('orders, fills, trades, equity and PnL come from the journal; a run left "running" is rebuilt as interrupted', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const file = join(dir, 'bot.sqlite');
    const journal = SqliteJournal.open({ file, botName: 'bot', clock, mode: 'paper' });
    const runId = journal.run.id;
    const intent = journal.recordIntent({ strategy: 'sma', symbol: SYMBOL, side: 'buy', type: 'market', amount: 1 });
    journal.markSent(intent.clientOrderId);
    journal.recordAck(intent.clientOrderId, { accepted: true, orderId: 'v-1', clientOrderId: intent.clientOrderId, status: 'open' });
    journal.recordFill({ ...fill('1', 'buy', 1, 100, 0.1), orderId: 'v-1', clientOrderId: intent.clientOrderId });
    journal.appendEvent(EQUITY_EVENT, { time: T0, marks: { [SYMBOL]: 100 }, realizedPnl: 0, unrealizedPnl: 0, fees: 0.1, netPnl: -0.1 });
    journal.appendEvent(EQUITY_EVENT, {
      time: T0 + 60_000,
      marks: { [SYMBOL]: 105 },
      realizedPnl: 0,
      unrealizedPnl: 5,
      fees: 0.1,
      netPnl: 4.9,
    });
    const header = { mode: 'paper', status: 'running', journal: { file, botName: 'bot', runId }, initialEquity: 1000, currency: 'USDT' };
    const written = await writeLiveResults(dir, journal, header);
    expect(written).toMatchObject({ orders: 1, fills: 1, trades: 1, closedTrades: 0 });
    expect(csvRows(join(dir, 'orders.csv'))).toEqual([
      `${intent.clientOrderId},${SYMBOL},sma,strategy,,buy,market,1,,,${T0},true,v-1,open,,`,
    ]);
    expect(csvRows(join(dir, 'fills.csv'))[0]).toMatch(new RegExp(`^1,v-1,${intent.clientOrderId},BTC/USDT,buy,1,100,0.1,`));
    expect(csvRows(join(dir, 'equity.csv'))).toEqual([`${T0},999.9`, `${T0 + 60_000},1004.9`]);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ finalEquity: 1004.9, pnl: { realized: 0, unrealized: 5, fees: 0.1 }, orderCount: 1, fillCount: 1 });
    // While the run has not ended (or was killed: no close), the journal's run is still running.
    const rebuilt = await rebuildLiveResults(dir);
    expect(rebuilt).toEqual({ journal: file, status: 'running' });
    journal.close();
    expect(await rebuildLiveResults(dir)).toEqual({ journal: file, status: 'interrupted' });
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      fillCount: 1,
      rebuiltFromJournal: true,
    });
  });
});

describe('the status line', () => {
  const status = {
    now: T0,
    positions: [{ symbol: SYMBOL, amount: 0.5, entryPrice: 23_100, unrealizedPnl: 4.3 }],
    netPnl: 12.3,
    realizedPnl: 10,
    unrealizedPnl: 4.3,
    fees: 2,
    openOrders: 1,
    lastBarClose: T0,
    venue: { status: 'ok' as const, failures: 0 },
  };

  it('shows positions, PnL, open orders, the last bar and the venue health', () => {
    expect(statusLine(status)).toBe(
      'BTC/USDT +0.5 @ 23100.00 | PnL +12.30 (real +10.00, unreal +4.30, fees 2.00) | 1 open order | bar 2023-03-01 12:00 | venue ok',
    );
    const failing = statusLine({
      ...status,
      positions: [],
      venue: { status: 'failing', failures: 3, failingSince: T0, lastError: 'NETWORK: ECONNRESET' },
    });
    expect(failing).toMatch(/^flat \|.*\| venue FAILING 3x since 2023-03-01 12:00 \(NETWORK: ECONNRESET\)$/);
  });

  it('on a terminal stays on the last line below the log lines; plain prints it when it changes; none never', () => {
    const out = (kind: 'tty' | 'plain' | 'none') => {
      let text = '';
      const stream = {
        write(chunk: string) {
          text += chunk;
          return true;
        },
      };
      const display = createStatusDisplay(kind, stream as unknown as NodeJS.WritableStream);
      display.show('A');
      display.log('log 1');
      display.show('A');
      display.show('B');
      display.stop();
      return text;
    };
    expect(out('tty')).toBe('\r\x1b[2KA\r\x1b[2Klog 1\n\r\x1b[2KA\r\x1b[2KB\n');
    expect(out('plain')).toBe('[bt] status: A\nlog 1\n[bt] status: B\n');
    expect(out('none')).toBe('log 1\n');
  });
});

describe('VenueHealth', () => {
  it('failing after network errors (since the first), ok after a success; a business refusal is an answer', async () => {
    const clock = new ManualClock(T0);
    let mode: 'fail' | 'ok' | 'reject' = 'fail';
    const inner = {
      id: 'x',
      async getLatestPrice() {
        if (mode === 'fail') throw new BtError('NETWORK', 'ECONNRESET');
        if (mode === 'reject') throw new BtError('INVALID_ORDER', 'too small');
        return 1;
      },
    } as unknown as Broker;
    const health = new VenueHealth(inner, clock);
    expect(health.state().status).toBe('unknown');
    await health.broker.getLatestPrice(SYMBOL).catch(() => undefined);
    await clock.advance(1000);
    await health.broker.getLatestPrice(SYMBOL).catch(() => undefined);
    expect(health.state()).toMatchObject({ status: 'failing', failures: 2, failingSince: T0, lastError: 'NETWORK: ECONNRESET' });
    mode = 'reject';
    await health.broker.getLatestPrice(SYMBOL).catch(() => undefined);
    expect(health.state()).toMatchObject({ status: 'ok', failures: 0 });
    mode = 'ok';
    expect(await health.broker.getLatestPrice(SYMBOL)).toBe(1);
    expect(health.broker.id).toBe('x');
  });
});

describe('LiveMonitor', () => {
  it('journals an equity sample per new bar or fill, heartbeats spaced in wall time, shows the status, and stops the run once when the lock is lost', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const wall = new ManualClock(0);
    const file = join(dir, 'bot.sqlite');
    const journal = SqliteJournal.open({ file, botName: 'bot', clock, mode: 'paper' });
    let marks: Record<string, { price: number; closeTime: number }> = {};
    const shown: string[] = [];
    const lost: string[] = [];
    const monitor = new LiveMonitor({
      clock,
      journal,
      intervalMs: 1000,
      marks: () => marks,
      health: () => ({ status: 'ok', failures: 0 }),
      show: (line) => shown.push(line),
      onLockLost: (error) => lost.push(error.message),
      logger: createMemoryLogger(),
      wallClock: wall,
    });
    try {
      const samples = () => journal.events({ kind: EQUITY_EVENT }).length;
      const heartbeat = () => journal.lockOwner()?.heartbeatAt;
      monitor.pass();
      expect(samples()).toBe(1);
      clock.set(T0 + 500);
      monitor.pass();
      // Nothing new: no sample; less than a second of wall time: no heartbeat either.
      expect(samples()).toBe(1);
      expect(heartbeat()).toBe(T0);
      marks = { [SYMBOL]: { price: 100, closeTime: T0 } };
      wall.set(1000);
      monitor.pass();
      expect(samples()).toBe(2);
      expect(heartbeat()).toBe(T0 + 500);
      expect(shown.at(-1)).toBe('flat | PnL +0.00 (real +0.00, unreal +0.00, fees 0.00) | 0 open orders | bar 2023-03-01 12:00 | venue ok');
      SqliteJournal.breakLock({ file, botName: 'bot', clock });
      wall.set(2000);
      monitor.pass();
      monitor.pass();
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatch(/lost the lock/);
    } finally {
      // Without the lock the run cannot be ended in the journal; the file is closed all the same.
      expect(() => journal.close()).toThrow(/lost the lock/);
    }
  });
});
