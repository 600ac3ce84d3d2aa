import type { Bar, LogRecord, OrderAck, OrderApi, Position, Strategy, StrategyContext, StrategySpec } from '@bt/core';
import { ArrayBarSeries, createMemoryLogger, flatPosition, isBtError, ManualClock } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { fsum } from '@bt/testkit';
import { builtinStrategies, isBuiltinStrategyName } from '../src/registry.js';
import { resolveSmaCrossParams, type SmaCrossParams, smaCross, smaCrossSpec } from '../src/sma-cross.js';
import { MARKET_FILES, readColumn } from './support/data.js';

const SYMBOL = 'BTC/USDT';
const MINUTE = 60_000;

/** One order call the strategy made: which method, on which bar (index of the newest bar seen). */
interface Call {
  readonly method: 'buy' | 'close';
  readonly bar: number;
  readonly amount?: number;
}

type PositionRule = 'fill-next-bar' | 'always-flat' | 'always-long' | 'always-short';

const ACK: OrderAck = { accepted: true, status: 'open' };

function position(side: Position['side'], size: number): Position {
  return side === 'flat' ? flatPosition(SYMBOL) : { ...flatPosition(SYMBOL), side, size, entryPrice: 100, markPrice: 100 };
}

/**
 * A minimal fake StrategyContext: the test shows it a window of bars ending at a given index, and
 * it records the orders. With `fill-next-bar`, an order fills when the next bar is shown, so the
 * position the strategy sees is the one after that step's fills (as the controller guarantees).
 */
class Harness {
  readonly calls: Call[] = [];
  readonly records: LogRecord[] = [];
  readonly ctx: StrategyContext<SmaCrossParams> & { bars: ArrayBarSeries; isNewBar: boolean; position: Position; pendingExposure: number };
  readonly #bars: Bar[];
  readonly #strategy: Strategy<SmaCrossParams>;
  readonly #lookback: number;
  readonly #rule: PositionRule;
  #pending: Call | undefined;
  #shown = -1;

  constructor(spec: StrategySpec<SmaCrossParams>, closes: readonly number[], rule: PositionRule) {
    this.#bars = closes.map((close, i) => ({
      symbol: SYMBOL,
      timeframe: '1m',
      openTime: i * MINUTE,
      closeTime: (i + 1) * MINUTE,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
    }));
    this.#strategy = spec.create(SYMBOL);
    this.#lookback = spec.lookback ?? 300;
    this.#rule = rule;
    const initial = rule === 'always-long' ? position('long', 1) : rule === 'always-short' ? position('short', 1) : position('flat', 0);
    const record = (method: Call['method'], amount?: number): void => {
      const call: Call = amount === undefined ? { method, bar: this.#shown } : { method, bar: this.#shown, amount };
      this.calls.push(call);
      this.#pending = call;
    };
    const orders: OrderApi = {
      submit: () => Promise.reject(new Error('not used')),
      buy: async (amount) => {
        record('buy', amount);
        return ACK;
      },
      sell: () => Promise.reject(new Error('not used')),
      limit: () => Promise.reject(new Error('not used')),
      close: async () => {
        if (this.ctx.position.side === 'flat') return undefined;
        record('close');
        return ACK;
      },
      cancel: () => Promise.reject(new Error('not used')),
      openOrders: async () => [],
    };
    this.ctx = {
      symbol: SYMBOL,
      timeframe: '1m',
      strategyId: spec.id,
      bars: new ArrayBarSeries(SYMBOL, '1m', []),
      isNewBar: false,
      position: initial,
      pendingOrders: [],
      pendingExposure: 0,
      clock: new ManualClock(0),
      log: createMemoryLogger(this.records),
      params: spec.params ?? resolveSmaCrossParams(),
      orders,
    };
  }

  /** One tick that sees the bars up to `index` (by default: the next bar). */
  async tick(index = this.#shown + 1): Promise<void> {
    const isNewBar = index > this.#shown;
    if (isNewBar && this.#pending !== undefined && this.#rule === 'fill-next-bar') {
      this.ctx.position = this.#pending.method === 'buy' ? position('long', this.#pending.amount!) : position('flat', 0);
      this.#pending = undefined;
    }
    this.#shown = index;
    this.ctx.bars = new ArrayBarSeries(SYMBOL, '1m', this.#bars.slice(Math.max(0, index + 1 - this.#lookback), index + 1));
    this.ctx.isNewBar = isNewBar;
    await this.#strategy.onTick(this.ctx);
  }

  /** Ticks once per bar through the end. */
  async runAll(): Promise<Call[]> {
    while (this.#shown < this.#bars.length - 1) await this.tick();
    return this.calls;
  }
}

// With fast 2 / slow 3 (P = 3), worked by hand:
//   bar      0   1   2     3       4     5    6      7     8     9
//   close   10   9   8    12      13     5    5     20    30     1
//   SMA2     -  9.5 8.5   10     12.5    9    5    12.5   25   15.5
//   SMA3     -   -   9   29/3     11    10  23/3    10   55/3   17
//   diff             -     +       +     -    -      +     +     -
//   signal         seed   up             down        up         down
const CLOSES = [10, 9, 8, 12, 13, 5, 5, 20, 30, 1];
const SMALL = smaCrossSpec({ fast: 2, slow: 3, amount: 2 });

describe('smaCross', () => {
  it('buys on an up-cross when flat and closes on a down-cross when long', async () => {
    const calls = await new Harness(SMALL, CLOSES, 'fill-next-bar').runAll();
    expect(calls).toEqual([
      { method: 'buy', bar: 3, amount: 2 },
      { method: 'close', bar: 5 },
      { method: 'buy', bar: 7, amount: 2 },
      { method: 'close', bar: 9 },
    ]);
  });

  it('ignores a down-cross while flat and an up-cross while long or short', async () => {
    expect(await new Harness(SMALL, CLOSES, 'always-flat').runAll()).toEqual([
      { method: 'buy', bar: 3, amount: 2 },
      { method: 'buy', bar: 7, amount: 2 },
    ]);
    expect(await new Harness(SMALL, CLOSES, 'always-long').runAll()).toEqual([
      { method: 'close', bar: 5 },
      { method: 'close', bar: 9 },
    ]);
    expect(await new Harness(SMALL, CLOSES, 'always-short').runAll()).toEqual([]);
  });

  it('sends its first possible order on bar P = 30 (the 31st bar) with the defaults', async () => {
    // Falling closes 130..101 seed a negative memory on bar 29; the jump to 500 on bar 30 is an up-cross.
    const closes = [...Array.from({ length: 30 }, (_, i) => 130 - i), 500];
    expect(await new Harness(smaCrossSpec(), closes, 'always-flat').runAll()).toEqual([{ method: 'buy', bar: 30, amount: 1 }]);
  });

  it('with a tied seed on bar 29, lets the first move only set the memory', async () => {
    const flat = Array.from({ length: 30 }, () => 100);
    // Bar 30 (101) lifts SMA10 above SMA30 but cannot signal; bar 31 (1) is a down-cross.
    expect(await new Harness(smaCrossSpec(), [...flat, 101, 1], 'always-long').runAll()).toEqual([{ method: 'close', bar: 31 }]);
    // Bar 30 (99) only sets a negative memory; bar 31 (200) is an up-cross.
    expect(await new Harness(smaCrossSpec(), [...flat, 99, 200], 'always-flat').runAll()).toEqual([{ method: 'buy', bar: 31, amount: 1 }]);
    expect(await new Harness(smaCrossSpec(), [...flat, 101], 'always-long').runAll()).toEqual([]);
  });

  it('sends nothing while one of its orders is in flight', async () => {
    // A buy sent on an earlier bar and not filled yet: no second entry on the next up-cross.
    const buying = new Harness(SMALL, CLOSES, 'always-flat');
    buying.ctx.pendingExposure = 2;
    expect(await buying.runAll()).toEqual([]);
    // An exit on its way: the down-cross does not sell again.
    const selling = new Harness(SMALL, CLOSES, 'always-long');
    selling.ctx.pendingExposure = -2;
    expect(await selling.runAll()).toEqual([]);
  });

  it('processes each bar once when ticks repeat without a new bar', async () => {
    const harness = new Harness(SMALL, CLOSES, 'always-flat');
    for (let i = 0; i < CLOSES.length; i++) {
      await harness.tick(i);
      await harness.tick(i); // no new bar: isNewBar is false
      harness.ctx.isNewBar = true; // even a context that wrongly claims a new bar must not feed it twice
      await harness.tick(i);
    }
    expect(harness.calls).toEqual([
      { method: 'buy', bar: 3, amount: 2 },
      { method: 'buy', bar: 7, amount: 2 },
    ]);
  });

  it('feeds every bar that closed since the last tick, and acts on the newest one only', async () => {
    // Ticks at bars 3 and 7 only: each sees several new bars, and the newest is an up-cross.
    const sparse = new Harness(SMALL, CLOSES, 'always-flat');
    await sparse.tick(3);
    await sparse.tick(7);
    expect(sparse.calls).toEqual([
      { method: 'buy', bar: 3, amount: 2 },
      { method: 'buy', bar: 7, amount: 2 },
    ]);
    // Ticks at 6 and 9: the down-cross of bar 5 is stale at 6, and bar 9 is a down-cross while flat.
    const stale = new Harness(SMALL, CLOSES, 'always-flat');
    await stale.tick(6);
    await stale.tick(9);
    expect(stale.calls).toEqual([]);
    expect(stale.records).toEqual([]);
  });

  it('warns when more bars closed between two ticks than its lookback holds', async () => {
    const harness = new Harness(SMALL, CLOSES, 'always-flat'); // lookback 4
    await harness.tick(1);
    await harness.tick(9);
    expect(harness.records.map((r) => r.level)).toEqual(['warn']);
  });

  it.each([MARKET_FILES[2], MARKET_FILES[3]])('sends exactly the orders of docs/semantics.md §5 on every bar of %s', async (file) => {
    const closes = readColumn(file, 4);
    const expected: Call[] = [];
    // The rules written out directly: SMA from fsum, crossover memory, position after fills.
    let memory = 0;
    let long = false;
    let pending: Call['method'] | undefined;
    for (let i = 0; i < closes.length; i++) {
      if (pending !== undefined) long = pending === 'buy';
      pending = undefined;
      if (i < 29) continue;
      const diff = fsum(closes, i - 9, i + 1) / 10 - fsum(closes, i - 29, i + 1) / 30;
      if (i === 29) {
        memory = diff;
        continue;
      }
      if (memory < 0 && diff > 0 && !long) pending = 'buy';
      if (memory > 0 && diff < 0 && long) pending = 'close';
      if (pending !== undefined) expected.push(pending === 'buy' ? { method: 'buy', bar: i, amount: 1 } : { method: 'close', bar: i });
      if (diff !== 0) memory = diff;
    }
    const calls = await new Harness(smaCrossSpec(), closes, 'fill-next-bar').runAll();
    expect(expected.length).toBeGreaterThan(100);
    expect(calls).toEqual(expected);
  });
});

describe('smaCrossSpec and builtinStrategies', () => {
  it('defaults to SMA(10)/SMA(30), one unit, id sma-cross and a lookback of slow + 1', () => {
    const spec = smaCrossSpec();
    expect(spec.id).toBe('sma-cross');
    expect(spec.params).toEqual({ fast: 10, slow: 30, amount: 1 });
    expect(spec.lookback).toBe(31);
    expect(smaCrossSpec({ fast: 50, slow: 20 }, 'inverted').lookback).toBe(51);
    expect(smaCrossSpec({}, 'other').id).toBe('other');
  });

  it('creates an independent instance per symbol', async () => {
    const spec = smaCrossSpec({ fast: 2, slow: 3 });
    expect(spec.create('A')).not.toBe(spec.create('B'));
    // Feeding one instance leaves a second one at the start: both buy on bar 3.
    const first = await new Harness(spec, CLOSES, 'always-flat').runAll();
    const second = await new Harness(spec, CLOSES, 'always-flat').runAll();
    expect(second).toEqual(first);
    expect(smaCross({ fast: 2, slow: 3 })).not.toBe(smaCross({ fast: 2, slow: 3 }));
  });

  it('builds sma-cross by name from untyped parameters', () => {
    expect(isBuiltinStrategyName('sma-cross')).toBe(true);
    expect(isBuiltinStrategyName('toString')).toBe(false);
    expect(Object.isFrozen(builtinStrategies)).toBe(true);
    const spec = builtinStrategies['sma-cross']({ fast: 5 });
    expect(spec.id).toBe('sma-cross');
    expect(spec.params).toEqual({ fast: 5, slow: 30, amount: 1 });
    expect(builtinStrategies['sma-cross']().params).toEqual({ fast: 10, slow: 30, amount: 1 });
  });

  it.each([
    ['an unknown name', { fats: 5 }, 'fats'],
    ['a zero period', { fast: 0 }, 'fast'],
    ['a fractional period', { slow: 2.5 }, 'slow'],
    ['a period given as a string', { slow: '30' }, 'slow'],
    ['a negative amount', { amount: -1 }, 'amount'],
    ['an infinite amount', { amount: Number.POSITIVE_INFINITY }, 'amount'],
  ])('rejects %s, naming the field', (_label, params, field) => {
    let error: unknown;
    try {
      builtinStrategies['sma-cross'](params);
    } catch (caught) {
      error = caught;
    }
    expect(isBtError(error, 'CONFIG')).toBe(true);
    expect((error as { details: { field: string } }).details.field).toBe(field);
  });
});
