import type { BarSeries, Strategy, StrategyContext, SymbolConfig } from '@bt/core';
import { ArrayBarSeries, createMemoryLogger, isBtError, LiveClock, ManualClock } from '@bt/core';
import { startEmulator, VirtualClock } from '@bt/exchange-emulator';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { BarWatch } from '../src/run/bar-watch.js';
import { liveBrokerOptions } from '../src/run/live.js';
import { SAMPLE } from './helpers/cli.js';
import { chooseLiveClock, FollowedClock, LockstepClock } from '../src/run/venue-clock.js';

const MINUTE = 60_000;

describe('FollowedClock: the emulator’s replay time, followed from another process', () => {
  it('runs `speed` times as fast as its base clock, and sleeps `ms / speed` of it', async () => {
    const base = new ManualClock(1_000);
    const clock = new FollowedClock(Date.UTC(2023, 2, 1), 600, base);
    expect(clock.now()).toBe(Date.UTC(2023, 2, 1));
    await base.advance(100);
    expect(clock.now()).toBe(Date.UTC(2023, 2, 1) + MINUTE);
    let woke = false;
    const sleeping = clock.sleep(5_000).then(() => {
      woke = true;
    });
    await base.advance(8);
    expect(woke).toBe(false);
    await base.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });
});

describe('LockstepClock: the emulator’s virtual time, followed from another process', () => {
  it('sleeps at the emulator until its virtual clock reaches the end, then reads the time it gave', async () => {
    const start = Date.UTC(2023, 2, 1, 0, 20);
    const virtual = new VirtualClock(start);
    const emulator = await startEmulator({ data: [{ symbol: 'BTC/USDT', file: SAMPLE.BTCUSDT }], clock: virtual, keys: [], balances: {} });
    try {
      const clock = new LockstepClock(start, emulator.url, { token: emulator.controlToken });
      let woke = false;
      const sleeping = clock.sleep(5_000).then(() => {
        woke = true;
      });
      while (virtual.parked === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(virtual.nextWakeAt()).toBe(start + 5_000);
      virtual.advanceTo(start + 4_000);
      expect(virtual.parked).toBe(1);
      expect(woke).toBe(false);
      expect(clock.now()).toBe(start);
      expect(virtual.step()).toBe(start + 5_000);
      await sleeping;
      expect(clock.now()).toBe(start + 5_000);
      // A stopping loop wakes at once, and its sleep is parked no more.
      const stop = new AbortController();
      const stopped = clock.sleep(60_000, stop.signal);
      while (virtual.parked === 0) await new Promise((resolve) => setImmediate(resolve));
      stop.abort();
      await stopped;
      while (virtual.parked > 0) await new Promise((resolve) => setImmediate(resolve));
      expect(clock.now()).toBe(start + 5_000);
    } finally {
      await emulator.close();
    }
  });

  it('asks again, a second of wall time later, while the emulator does not answer', async () => {
    const wall = new ManualClock(0);
    const logger = createMemoryLogger();
    const asked: string[] = [];
    const replies: (() => unknown)[] = [
      () => {
        throw new Error('connect ECONNREFUSED');
      },
      () => ({ now: 1_500 }),
      () => ({ now: 2_000 }),
    ];
    const clock = new LockstepClock(1_000, 'http://127.0.0.1:8080', {
      wallClock: wall,
      logger,
      fetchJson: async (url) => {
        asked.push(url);
        return (replies.shift() as () => unknown)();
      },
    });
    const sleeping = clock.sleep(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(['http://127.0.0.1:8080/__control/clock/wait?until=2000']);
    await wall.advance(1_000);
    await sleeping;
    // Answered early (a held wait), it asks again for the same end.
    expect(asked).toHaveLength(3);
    expect(asked[2]).toBe(asked[0]);
    expect(clock.now()).toBe(2_000);
    expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(1);
  });
});

describe('chooseLiveClock', () => {
  const logger = createMemoryLogger();
  const rest = 'http://127.0.0.1:8080';

  it('follows an emulator that answers at broker.urls.rest (auto), else keeps the wall clock', async () => {
    const asked: string[] = [];
    const emulator = await chooseLiveClock({
      setting: 'auto',
      rest,
      logger,
      fetchJson: async (url) => {
        asked.push(url);
        return { now: Date.UTC(2023, 2, 1), speed: 600 };
      },
    });
    expect(asked).toEqual(['http://127.0.0.1:8080/__control/clock']);
    expect(emulator).toMatchObject({ kind: 'emulator', speed: 600 });
    expect(emulator.clock).toBeInstanceOf(FollowedClock);
    // Synced from a reply taken as read on arrival: never ahead of the emulator.
    expect(emulator.clock.now()).toBeGreaterThanOrEqual(Date.UTC(2023, 2, 1));
    expect(emulator.clock.now()).toBeLessThan(Date.UTC(2023, 2, 1) + MINUTE);

    const refused = async (): Promise<unknown> => {
      throw new Error('connect ECONNREFUSED');
    };
    expect((await chooseLiveClock({ setting: 'auto', rest, logger, fetchJson: refused })).kind).toBe('wall');
    expect((await chooseLiveClock({ setting: 'auto', rest: undefined, logger, fetchJson: refused })).kind).toBe('wall');
    const wall = await chooseLiveClock({ setting: 'wall', rest, logger, fetchJson: async () => ({ now: 1, speed: 2 }) });
    expect(wall.kind).toBe('wall');
    expect(wall.clock).toBeInstanceOf(LiveClock);
  });

  it('with time.clock "emulator", fails with CONFIG when there is no emulator clock to follow', async () => {
    const fails = async (options: Parameters<typeof chooseLiveClock>[0], message: RegExp) => {
      const error = await chooseLiveClock(options).catch((e: unknown) => e);
      expect(isBtError(error, 'CONFIG'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    };
    await fails({ setting: 'emulator', rest: undefined, logger }, /needs broker\.urls\.rest/);
    await fails(
      { setting: 'emulator', rest, logger, fetchJson: async () => ({ now: 5, speed: null }) },
      /injected clock, which cannot be followed/,
    );
    // A virtual clock can: the run sleeps on it.
    const virtual = await chooseLiveClock({
      setting: 'emulator',
      rest,
      logger,
      fetchJson: async () => ({ now: 5, speed: null, virtual: true }),
    });
    expect(virtual).toMatchObject({ kind: 'emulator', virtual: true });
    expect(virtual.clock).toBeInstanceOf(LockstepClock);
    expect(virtual.clock.now()).toBe(5);
    await fails(
      {
        setting: 'emulator',
        rest,
        logger,
        fetchJson: async () => {
          throw new Error('HTTP 404');
        },
      },
      /gives no emulator clock: HTTP 404/,
    );
  });
});

/** A context whose bars are `closes` (close times, epoch ms) of one-minute bars. */
function contextWith(closes: readonly number[]): StrategyContext {
  const bars: BarSeries = new ArrayBarSeries(
    'BTC/USDT',
    '1m',
    closes.map((close) => ({
      symbol: 'BTC/USDT',
      timeframe: '1m',
      openTime: close - MINUTE,
      closeTime: close,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
    })),
  );
  return { bars } as unknown as StrategyContext;
}

describe('BarWatch', () => {
  it('counts the bars processed after the first tick and the late ones, around the strategy, and stops once after N', async () => {
    const seen: number[] = [];
    const inner: Strategy = {
      async onTick(ctx) {
        seen.push(ctx.bars.closeTime(-1));
      },
      onStop: () => undefined,
    };
    const symbols: SymbolConfig[] = [{ symbol: 'BTC/USDT', timeframe: '1m', strategies: [{ id: 's', create: () => inner }] }];
    let done = 0;
    const watch = new BarWatch(symbols, 3, () => done++);
    const strategy = watch.symbols[0]?.strategies[0]?.create('BTC/USDT') as Strategy;
    expect(typeof strategy.onStop).toBe('function');
    expect(strategy.init).toBeUndefined();
    const t = Date.UTC(2023, 2, 1);
    await strategy.onTick(contextWith([t - MINUTE, t]));
    await strategy.onTick(contextWith([t - MINUTE, t]));
    expect(watch.stats()['BTC/USDT']).toEqual({ firstBarClose: t, lastBarClose: t, bars: 0, late: 0 });
    await strategy.onTick(contextWith([t, t + MINUTE]));
    // Two bars closed between ticks: the older one is processed late.
    await strategy.onTick(contextWith([t + MINUTE, t + 2 * MINUTE, t + 3 * MINUTE]));
    expect(seen).toHaveLength(4);
    expect(watch.stats()['BTC/USDT']).toEqual({
      firstBarClose: t,
      lastBarClose: t + 3 * MINUTE,
      bars: 3,
      late: 1,
      firstLateBarClose: t + 2 * MINUTE,
    });
    expect(done).toBe(1);
    await strategy.onTick(contextWith([t + 4 * MINUTE]));
    expect(done).toBe(1);
  });
});

describe('liveBrokerOptions', () => {
  const load = (broker: string) =>
    parseConfig(
      { symbols: [{ symbol: 'BTC/USDT' }], strategies: [{ use: 'sma-cross' }], broker: JSON.parse(broker), time: { pollIntervalMs: 250 } },
      { baseDir: '/tmp', skipFileChecks: true },
    ).config;
  const clock = new LiveClock();
  const logger = createMemoryLogger();

  it('live: the keys, the poll interval, the clock and the rate limiter', () => {
    const config = load('{ "type": "ccxt", "exchange": "binance", "apiKey": "k-1234", "secret": "s-1234", "rateLimit": false }');
    expect(liveBrokerOptions(config, clock, logger)).toEqual({
      exchange: 'binance',
      apiKey: 'k-1234',
      secret: 's-1234',
      symbols: ['BTC/USDT'],
      timeframe: '1m',
      clock,
      pollIntervalMs: 250,
      rateLimit: false,
      logger,
    });
  });

  it('paper: market data only, no key, not even from the environment', () => {
    const config = load('{ "type": "paper", "exchange": "binance", "apiKey": "k-1234", "urls": { "rest": "http://127.0.0.1:8080" } }');
    expect(liveBrokerOptions(config, clock, logger)).toEqual({
      exchange: 'binance',
      env: {},
      urls: { rest: 'http://127.0.0.1:8080' },
      symbols: ['BTC/USDT'],
      timeframe: '1m',
      clock,
      rateLimit: true,
      logger,
    });
  });
});
