import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fill, Order } from '@bt/core';
import { describe, expect, it } from 'vitest';
import type { EquityCurve, TradeRow } from '../src/index.js';
import {
  buildTrades,
  computeMetrics,
  equityCsv,
  ordersCsv,
  RESULT_FILES,
  summarizeResults,
  toStableJson,
  tradesCsv,
  writeResults,
  YEAR_MS,
} from '../src/index.js';
import { bars, MINUTE, simulate } from './helpers.js';

const fill = (symbol: string, side: 'buy' | 'sell', amount: number, price: number, timestamp: number): Fill => ({
  id: `${symbol}-${timestamp}`,
  orderId: `${symbol}:1`,
  symbol,
  side,
  amount,
  price,
  fee: 0,
  feeCurrency: 'USD',
  maker: false,
  timestamp,
});

describe('round-trip trades', () => {
  const fills = [
    fill('Y', 'sell', 1, 5, 0),
    fill('X', 'buy', 2, 10, 0),
    fill('X', 'buy', 1, 13, MINUTE),
    fill('Y', 'buy', 3, 4, MINUTE),
    fill('X', 'sell', 2.5, 12, 2 * MINUTE),
  ];

  it('closes lots first in, first out, flips through zero, and keeps open lots as rows without exit', () => {
    expect(buildTrades(fills)).toEqual([
      // lot 2 @ 10 closed at 12: (12 - 10) x 2
      { symbol: 'X', entryTime: 0, entryPrice: 10, exitTime: 2 * MINUTE, exitPrice: 12, size: 2, pnl: (12 - 10) * 2 },
      // lot 1 @ 13: 0.5 closed at 12, (12 - 13) x 0.5; 0.5 still open
      { symbol: 'X', entryTime: MINUTE, entryPrice: 13, exitTime: 2 * MINUTE, exitPrice: 12, size: 0.5, pnl: (12 - 13) * 0.5 },
      { symbol: 'X', entryTime: MINUTE, entryPrice: 13, size: 0.5 },
      // short 1 @ 5 covered at 4: (4 - 5) x -1; the other 2 bought open a long
      { symbol: 'Y', entryTime: 0, entryPrice: 5, exitTime: MINUTE, exitPrice: 4, size: -1, pnl: (4 - 5) * -1 },
      { symbol: 'Y', entryTime: MINUTE, entryPrice: 4, size: 2 },
    ]);
  });

  it('writes trades.csv in the docs/semantics.md §7 format', () => {
    expect(tradesCsv(buildTrades(fills))).toBe(
      [
        'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl',
        'X,0,10,120000,12,2,4',
        'X,60000,13,120000,12,0.5,-0.5',
        'X,60000,13,,,0.5,',
        'Y,0,5,60000,4,-1,1',
        'Y,60000,4,,,2,',
        '',
      ].join('\n'),
    );
  });

  it('sorts each symbol by entry time when fills are not in time order', () => {
    const unordered = [
      fill('X', 'buy', 1, 10, 2 * MINUTE),
      fill('Y', 'buy', 1, 7, MINUTE),
      fill('X', 'sell', 2, 11, MINUTE), // closes the later lot, opens a short entered earlier
      fill('X', 'buy', 1, 9, 0),
    ];
    expect(buildTrades(unordered)).toEqual([
      { symbol: 'X', entryTime: MINUTE, entryPrice: 11, exitTime: 0, exitPrice: 9, size: -1, pnl: (9 - 11) * -1 },
      { symbol: 'X', entryTime: 2 * MINUTE, entryPrice: 10, exitTime: MINUTE, exitPrice: 11, size: 1, pnl: 1 },
      { symbol: 'Y', entryTime: MINUTE, entryPrice: 7, size: 1 },
    ]);
  });

  it('writes numbers like Number#toString', () => {
    const rows: TradeRow[] = [
      { symbol: 'Z', entryTime: 1, entryPrice: 24.2, exitTime: 2, exitPrice: 0.1 + 0.2, size: 1, pnl: 0.1 + 0.2 - 24.2 },
    ];
    expect(tradesCsv(rows).split('\n')[1]).toBe(`Z,1,24.2,2,0.30000000000000004,1,${0.1 + 0.2 - 24.2}`);
  });
});

describe('stable JSON', () => {
  it('sorts keys, rounds to fixed significant digits, and writes non-finite numbers as null', () => {
    const text = toStableJson({ b: [1 / 3, Number.NaN, 2], a: { z: -0.000001234567891234, y: undefined, x: new Float64Array([0.5, 10]) } });
    expect(text).toBe(
      '{\n  "a": {\n    "x": [\n      0.5,\n      10\n    ],\n    "z": -0.00000123456789123\n  },\n  "b": [\n    0.333333333333,\n    null,\n    2\n  ]\n}\n',
    );
    expect(toStableJson({ b: 1, a: 2 })).toBe(toStableJson({ a: 2, b: 1 }));
  });
});

describe('orders.csv and equity.csv', () => {
  it('quotes fields that hold commas or quotes', () => {
    const order: Order = {
      id: 'X:1',
      clientOrderId: 'bt-0-1',
      symbol: 'X',
      side: 'buy',
      type: 'limit',
      timeInForce: 'GTC',
      amount: 2,
      price: 9.5,
      reduceOnly: false,
      status: 'rejected',
      filled: 0,
      remaining: 2,
      reason: 'insufficient USD: buying 2 X at 9.5 (fee 0) needs 19 USD free, but 1 is "free"',
      createdAt: 0,
      updatedAt: MINUTE,
    };
    expect(ordersCsv([order]).split('\n')[1]).toBe(
      'X:1,bt-0-1,X,buy,limit,GTC,2,9.5,,false,rejected,0,2,,0,60000,,"insufficient USD: buying 2 X at 9.5 (fee 0) needs 19 USD free, but 1 is ""free"""',
    );
  });

  it('writes one time,equity row per step', () => {
    const curve: EquityCurve = {
      times: new Float64Array([60000, 120000]),
      values: new Float64Array([100, 100.5]),
      exposed: new Uint8Array(2),
    };
    expect(equityCsv(curve)).toBe('time,equity\n60000,100\n120000,100.5\n');
  });
});

describe('metrics', () => {
  const DAY = 86_400_000;
  // initial 100 at day 0, then 110, 99, 121 at days 1, 2, 3; a position is open on days 2 and 3
  const equity: EquityCurve = {
    times: new Float64Array([DAY, 2 * DAY, 3 * DAY]),
    values: new Float64Array([110, 99, 121]),
    exposed: new Uint8Array([0, 1, 1]),
  };
  const trades: TradeRow[] = [
    { symbol: 'X', entryTime: 0, entryPrice: 1, exitTime: 1, exitPrice: 6, size: 1, pnl: 5 },
    { symbol: 'X', entryTime: 2, entryPrice: 5, exitTime: 3, exitPrice: 3, size: 1, pnl: -2 },
    { symbol: 'Y', entryTime: 0, entryPrice: 1, exitTime: 1, exitPrice: 4, size: 1, pnl: 3 },
    { symbol: 'Y', entryTime: 4, entryPrice: 1, size: 1 },
  ];
  const m = computeMetrics({ initialEquity: 100, finalEquity: 121, startTime: 0, equity, trades, feesPaid: 1.5, barMs: DAY });

  it('computes returns, drawdown and risk ratios from the curve', () => {
    const r = [110 / 100 - 1, 99 / 110 - 1, 121 / 99 - 1];
    const mean = (r[0]! + r[1]! + r[2]!) / 3;
    const std = Math.sqrt(((r[0]! - mean) ** 2 + (r[1]! - mean) ** 2 + (r[2]! - mean) ** 2) / (3 - 1));
    const downside = Math.sqrt(r[1]! ** 2 / 3);
    const periodsPerYear = YEAR_MS / DAY; // 365.25
    expect(m.totalReturn).toBeCloseTo(121 / 100 - 1, 15);
    expect(m.cagr).toBeCloseTo((121 / 100) ** (1 / ((3 * DAY) / YEAR_MS)) - 1, 6);
    expect(m.maxDrawdown).toBeCloseTo((110 - 99) / 110, 15);
    expect(m.maxDrawdownDurationMs).toBe(3 * DAY - DAY); // peak on day 1, back above it on day 3
    expect(m.sharpe).toBeCloseTo((mean / std) * Math.sqrt(periodsPerYear), 12);
    expect(m.sortino).toBeCloseTo((mean / downside) * Math.sqrt(periodsPerYear), 12);
    expect(m.exposure).toBe(2 / 3);
    expect(m.periodsPerYear).toBe(365.25);
  });

  it('computes trade statistics from closed trades', () => {
    expect(m.tradeCount).toBe(3);
    expect(m.openTradeCount).toBe(1);
    expect(m.winRate).toBe(2 / 3);
    expect(m.profitFactor).toBe((5 + 3) / 2);
    expect(m.expectancy).toBe((5 - 2 + 3) / 3);
    expect(m.feesPaid).toBe(1.5);
  });

  it('reports null for figures a run does not define', () => {
    const none = computeMetrics({
      initialEquity: 100,
      finalEquity: 100,
      startTime: 0,
      equity: { times: new Float64Array([DAY]), values: new Float64Array([100]), exposed: new Uint8Array(1) },
      trades: [],
      feesPaid: 0,
      barMs: DAY,
    });
    expect(none).toMatchObject({
      sharpe: null,
      sortino: null,
      winRate: null,
      profitFactor: null,
      expectancy: null,
      maxDrawdown: 0,
      maxDrawdownDurationMs: 0,
    });
  });
});

describe('writeResults', () => {
  it('writes the stable summary and the CSV files', async () => {
    const sim = simulate([
      bars('X', [
        [10, 11, 9, 10.5],
        [11, 12, 10, 11.5],
        [12, 13, 11, 12.5],
      ]),
    ]);
    await sim.step();
    await sim.broker.submitOrder({ symbol: 'X', side: 'buy', type: 'market', amount: 1 });
    while (await sim.step()) {}
    const results = await sim.broker.getResults();
    expect(results.trades).toEqual([{ symbol: 'X', entryTime: MINUTE, entryPrice: 11, size: 1 }]);
    // final equity: cash 1e6 - 11 + 1 x the last close 12.5
    expect(results.finalEquity).toBe(1_000_000 - 11 + 12.5);
    const dir = await mkdtemp(join(tmpdir(), 'sim-results-'));
    try {
      await writeResults(join(dir, 'run'), results);
      const read = (name: string) => readFile(join(dir, 'run', name), 'utf8');
      expect(await read('results.json')).toBe(toStableJson(summarizeResults(results)));
      expect(await read('trades.csv')).toBe('symbol,entry_time,entry_price,exit_time,exit_price,size,pnl\nX,60000,11,,,1,\n');
      expect((await read('equity.csv')).split('\n')).toEqual(['time,equity', '60000,1000000', '120000,1000000.5', '180000,1000001.5', '']);
      expect((await read('orders.csv')).split('\n')[1]).toBe('X:1,,X,buy,market,GTC,1,,,false,filled,1,0,11,60000,120000,,');
      for (const name of RESULT_FILES) expect((await read(name)).length).toBeGreaterThan(0);
      const summary = JSON.parse(await read('results.json'));
      expect(summary).toMatchObject({ orderCount: 1, fillCount: 1, tradeRowCount: 1, equitySamples: 3, ordersUnfilledAtEnd: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
