import type {
  Balance,
  Bar,
  BarSeries,
  Broker,
  BrokerCapabilities,
  BrokerEvent,
  Fill,
  Market,
  Order,
  OrderAck,
  Position,
  Strategy,
  Timeframe,
} from '@bt/core';
import { ArrayBarSeries, BtError, ManualClock, notSupported, TradingController } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { barsFromRows } from '../../src/data/columns.js';
import { SimulatedBroker } from '../../src/index.js';
import { createPaperBroker, PaperBroker, roundToMarket } from '../../src/paper/paper-broker.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** `[open, high, low, close]` rows as 1m bars of `symbol` opening at T0 + i minutes. */
function bars(symbol: string, rows: readonly (readonly [number, number, number, number])[]): Bar[] {
  return rows.map(([open, high, low, close], i) => ({
    symbol,
    timeframe: '1m',
    openTime: T0 + i * MINUTE,
    closeTime: T0 + (i + 1) * MINUTE,
    open,
    high,
    low,
    close,
    volume: 1000,
  }));
}

/**
 * A market-data-only broker over fixed bars: a bar is visible once the clock reaches its close,
 * like a live venue's closed candles. It refuses every order, so a test fails if paper trading
 * ever sends it one.
 */
class ClockedDataBroker implements Broker {
  readonly id = 'clocked-data';
  readonly capabilities: BrokerCapabilities = {
    orderTypes: [],
    shorting: false,
    reduceOnly: false,
    ioc: false,
    fetchByClientOrderId: false,
    streamingBars: false,
    replay: false,
  };
  readonly reads: { symbol: string; limit: number }[] = [];
  connects = 0;
  closes = 0;

  constructor(
    readonly clock: ManualClock,
    readonly data: Readonly<Record<string, readonly Bar[]>>,
    readonly markets: readonly Market[],
  ) {}

  async connect(): Promise<void> {
    this.connects++;
  }
  async close(): Promise<void> {
    this.closes++;
  }
  async getMarkets(): Promise<readonly Market[]> {
    return this.markets;
  }
  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    this.reads.push({ symbol, limit });
    const visible = (this.data[symbol] ?? []).filter((b) => b.closeTime <= this.clock.now());
    return new ArrayBarSeries(symbol, timeframe, visible.slice(Math.max(0, visible.length - limit)));
  }
  async getLatestPrice(symbol: string): Promise<number> {
    const visible = (this.data[symbol] ?? []).filter((b) => b.closeTime <= this.clock.now());
    return visible.at(-1)?.close ?? Number.NaN;
  }
  async getBalances(): Promise<readonly Balance[]> {
    throw notSupported(this.id, 'getBalances');
  }
  async getPositions(): Promise<readonly Position[]> {
    throw notSupported(this.id, 'getPositions');
  }
  async getOpenOrders(): Promise<readonly Order[]> {
    throw notSupported(this.id, 'getOpenOrders');
  }
  async submitOrder(): Promise<OrderAck> {
    throw new Error('paper trading sent an order to the data source');
  }
  async cancelOrder(): Promise<Order> {
    throw new Error('paper trading canceled an order at the data source');
  }
  async fetchOrder(): Promise<Order | undefined> {
    throw notSupported(this.id, 'fetchOrder');
  }
  subscribe(): () => void {
    return () => undefined;
  }
}

const BTC: Market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', amountStep: 0.001, priceStep: 0.01, active: true };

const PATH = bars('BTC/USDT', [
  [100, 101, 99, 100],
  [100, 102, 99, 101],
  [101, 103, 100, 102], // bar 2
  [104, 106, 103, 105], // bar 3
  [105, 107, 96, 97], // bar 4: dips to 96
  [97, 99, 95, 98], // bar 5
  [98, 100, 97, 99],
  [99, 101, 98, 100],
]);

function setup(options: { start?: number; account?: { balances: Record<string, number> }; roundToMarket?: boolean } = {}) {
  const clock = new ManualClock(options.start ?? PATH[2]!.closeTime);
  const data = new ClockedDataBroker(clock, { 'BTC/USDT': PATH }, [BTC]);
  const broker = new PaperBroker({
    data,
    clock,
    symbols: ['BTC/USDT'],
    timeframe: '1m',
    account: { currency: 'USDT', balances: options.account?.balances ?? { USDT: 10_000 } },
    ...(options.roundToMarket === undefined ? {} : { roundToMarket: options.roundToMarket }),
  });
  const events: BrokerEvent[] = [];
  broker.subscribe((e) => events.push(e));
  const fills = (): Fill[] => events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
  return { clock, data, broker, events, fills };
}

describe('PaperBroker', () => {
  it('takes markets from the data source and never matches bars that closed before connect', async () => {
    const { broker, data, fills } = setup();
    await broker.connect();
    expect(data.connects).toBe(1);
    expect(await broker.getMarkets()).toEqual([expect.objectContaining({ symbol: 'BTC/USDT', amountStep: 0.001, quote: 'USDT' })]);
    // A limit far below the history's lows would have filled in bar 0..2 if history were matched.
    await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 99.5, clientOrderId: 'c1' });
    await broker.sync();
    expect(fills()).toEqual([]);
    expect(broker.account?.balances().find((b) => b.currency === 'USDT')?.total).toBe(10_000);
  });

  it('fills a market order at the open of the first bar that closes after it was sent', async () => {
    const { broker, clock, fills } = setup();
    await broker.connect();
    const ack = await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 2, clientOrderId: 'c1', tag: 's' });
    expect(ack).toMatchObject({ accepted: true, clientOrderId: 'c1', status: 'open' });
    clock.set(PATH[3]!.closeTime - 1);
    await broker.getBars('BTC/USDT', '1m', 10);
    expect(fills()).toEqual([]);
    clock.set(PATH[3]!.closeTime);
    const series = await broker.getBars('BTC/USDT', '1m', 3);
    expect(series.length).toBe(3);
    expect(series.closeTime(-1)).toBe(PATH[3]!.closeTime);
    expect(fills()).toEqual([
      expect.objectContaining({ clientOrderId: 'c1', tag: 's', amount: 2, price: PATH[3]!.open, timestamp: PATH[3]!.openTime }),
    ]);
    const [position] = await broker.getPositions('BTC/USDT');
    expect(position).toMatchObject({ side: 'long', size: 2, entryPrice: 104, markPrice: 105 });
    expect((await broker.getBalances()).find((b) => b.currency === 'USDT')?.total).toBe(10_000 - 2 * 104);
  });

  it('feeds bars that closed before a submission first, so an order never fills in a bar that closed before it', async () => {
    const { broker, clock, fills } = setup();
    await broker.connect();
    // Bars 3 and 4 close, nobody reads them; then a limit buy at 96 arrives. Bar 4's low (96)
    // must not fill it: that bar closed before the order existed.
    clock.set(PATH[4]!.closeTime);
    await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 96, clientOrderId: 'late' });
    expect(fills()).toEqual([]);
    clock.set(PATH[5]!.closeTime);
    await broker.sync();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'late', price: 96, timestamp: PATH[5]!.openTime })]);
  });

  it('feeds every bar once and in order, however the reads interleave', async () => {
    const { broker, clock, fills, events } = setup();
    await broker.connect();
    await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 96.5, clientOrderId: 'dip' });
    clock.set(PATH[6]!.closeTime);
    // Three bars closed at once; concurrent reads with different windows.
    await Promise.all([broker.getBars('BTC/USDT', '1m', 1), broker.getBars('BTC/USDT', '1m', 5), broker.getPositions()]);
    await broker.getBars('BTC/USDT', '1m', 5);
    // The dip to 96 is in bar 4, the first of the three: the limit filled there, once.
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'dip', price: 96.5, timestamp: PATH[4]!.openTime })]);
    expect(events.filter((e) => e.type === 'order')).toHaveLength(1);
  });

  it('gives the same fills as a SimulatedBroker backtest over the same bars', async () => {
    const orders = [
      { at: 3, request: { side: 'buy', type: 'market', amount: 1.5 } },
      { at: 4, request: { side: 'sell', type: 'limit', amount: 0.5, price: 99.5 } },
      { at: 5, request: { side: 'sell', type: 'market', amount: 1 } },
    ] as const;
    const fees = { taker: 0.001, maker: 0.0005 };
    // Paper: the clock reaches each bar's close, then the order is sent.
    const { clock, data } = setup({ start: PATH[0]!.closeTime - 1 });
    const paper = new PaperBroker({
      data,
      clock,
      symbols: ['BTC/USDT'],
      timeframe: '1m',
      fees,
      account: { currency: 'USDT', balances: { USDT: 10_000 } },
    });
    const paperFills: Fill[] = [];
    paper.subscribe((e) => e.type === 'fill' && paperFills.push(e.fill));
    await paper.connect();
    for (let i = 0; i < PATH.length; i++) {
      clock.set(PATH[i]!.closeTime);
      await paper.sync();
      for (const o of orders.filter((x) => x.at === i))
        await paper.submitOrder({ symbol: 'BTC/USDT', ...o.request, clientOrderId: `o${o.at}` });
    }
    // Backtest: the SimulatedBroker steps through the same bars.
    const columns = barsFromRows(
      'BTC/USDT',
      '1m',
      PATH.map((b) => ({ time: b.openTime, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })),
    );
    const sim = new SimulatedBroker({ data: [columns], fees, markets: [BTC], account: { currency: 'USDT', balances: { USDT: 10_000 } } });
    const simFills: Fill[] = [];
    sim.subscribe((e) => e.type === 'fill' && simFills.push(e.fill));
    for (let i = 0; i < PATH.length; i++) {
      await sim.advanceTime('BTC/USDT');
      for (const o of orders.filter((x) => x.at === i))
        await sim.submitOrder({ symbol: 'BTC/USDT', ...o.request, clientOrderId: `o${o.at}` });
    }
    expect(simFills.length).toBe(3);
    expect(paperFills).toEqual(simFills);
    expect(paper.account?.balances()).toEqual((await sim.getResults()).balances);
  });

  it('rounds amounts and prices to the market steps, or rejects off-step orders when told not to round', async () => {
    expect(roundToMarket({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.123456, price: 100.126 }, BTC)).toMatchObject({
      amount: 0.123,
      price: 100.13,
    });
    const rounding = setup();
    await rounding.broker.connect();
    const ack = await rounding.broker.submitOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      amount: 0.3004,
      price: 90.004,
      clientOrderId: 'r',
    });
    expect(ack.accepted).toBe(true);
    expect(await rounding.broker.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'r' })).toMatchObject({ amount: 0.3, price: 90 });
    const strict = setup({ roundToMarket: false });
    await strict.broker.connect();
    const refused = await strict.broker.submitOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      amount: 0.3004,
      clientOrderId: 's',
    });
    expect(refused).toMatchObject({ accepted: false, status: 'rejected' });
    expect(refused.reason).toMatch(/amount step/);
  });

  it('answers a venue "no" with accepted: false or a rejected update, never a throw', async () => {
    const { broker, clock, events } = setup({ account: { balances: { USDT: 50 } } });
    await broker.connect();
    expect(await broker.submitOrder({ symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1 })).toMatchObject({ accepted: false });
    await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1, clientOrderId: 'poor' });
    expect(await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1, clientOrderId: 'poor' })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/already used/),
    });
    clock.set(PATH[3]!.closeTime);
    await broker.sync();
    expect(events).toEqual([
      {
        type: 'order',
        order: expect.objectContaining({ clientOrderId: 'poor', status: 'rejected', reason: expect.stringMatching(/insufficient USDT/) }),
      },
    ]);
  });

  it('cancels and fetches paper orders by id or client order id', async () => {
    const { broker } = setup();
    await broker.connect();
    const ack = await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 50, clientOrderId: 'low' });
    expect(await broker.getOpenOrders('BTC/USDT')).toEqual([expect.objectContaining({ id: ack.orderId, status: 'open' })]);
    expect(await broker.cancelOrder({ symbol: 'BTC/USDT', clientOrderId: 'low' })).toMatchObject({ status: 'canceled' });
    expect(await broker.fetchOrder({ symbol: 'BTC/USDT', orderId: ack.orderId as string })).toMatchObject({ status: 'canceled' });
    expect(await broker.getOpenOrders()).toEqual([]);
    await expect(broker.cancelOrder({ symbol: 'BTC/USDT', orderId: 'nope' })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });

  it('keeps the paper account across close and connect, and catches up on the bars in between', async () => {
    const { broker, data, clock, fills } = setup();
    await broker.connect();
    await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1, clientOrderId: 'a' });
    await broker.close();
    expect(data.closes).toBe(1);
    await expect(broker.getBalances()).rejects.toMatchObject({ code: 'STATE' });
    clock.set(PATH[3]!.closeTime);
    await broker.connect();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'a', price: PATH[3]!.open })]);
  });

  it('validates its options', () => {
    const clock = new ManualClock(0);
    const data = new ClockedDataBroker(clock, {}, []);
    expect(() => new PaperBroker({ data, clock, symbols: [], timeframe: '1m' })).toThrow(BtError);
    expect(() => new PaperBroker({ data, clock, symbols: ['X'], timeframe: 'soon' as Timeframe })).toThrow(/timeframe/);
    expect(() => createPaperBroker({ data, clock, symbols: ['X'], timeframe: '1m', feedWindow: 0 })).toThrow(/feedWindow/);
  });

  it('rejects a symbol the data source does not have, naming it', async () => {
    const clock = new ManualClock(T0);
    const broker = new PaperBroker({
      data: new ClockedDataBroker(clock, {}, [BTC]),
      clock,
      symbols: ['BTC/USDT', 'DOGE/USDT'],
      timeframe: '1m',
    });
    await expect(broker.connect()).rejects.toThrow(/symbols\[1\].*DOGE\/USDT/);
  });

  it('runs a TradingController in live pacing: paper mode is just another broker', async () => {
    const { broker, clock, fills } = setup({ start: PATH[2]!.closeTime + 1_000 });
    const buyOnce: Strategy = {
      async onTick(ctx) {
        if (ctx.isNewBar && ctx.position.side === 'flat' && (await ctx.orders.openOrders()).length === 0) await ctx.orders.buy(1);
      },
    };
    const controller = new TradingController({
      broker,
      clock,
      symbols: [{ symbol: 'BTC/USDT', timeframe: '1m', strategies: [{ id: 'buy-once', create: () => buyOnce }] }],
      pacing: { kind: 'live', pollIntervalMs: 10_000, monitorIntervalMs: 10_000 },
      runId: 'paper',
    });
    await controller.initialize();
    controller.start();
    for (let t = 0; t < 3 * 60; t += 10) {
      await clock.advance(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await controller.stop();
    expect(controller.failure).toBeUndefined();
    expect(fills()).toEqual([expect.objectContaining({ clientOrderId: 'paper-0-1', tag: 'buy-once', price: PATH[3]!.open })]);
    expect(await broker.getPositions()).toEqual([expect.objectContaining({ symbol: 'BTC/USDT', side: 'long', size: 1 })]);
  });
});
