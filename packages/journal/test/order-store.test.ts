import { BtError, type Fill, type ManualClock, type OrderRequest, type StrategySpec, TradingController } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { type JournalView, journalOrderStore, type SqliteJournal, SqliteJournal as Journal } from '../src/index.js';
import { scratch } from './support/journal.js';
import { TestVenue } from './support/venue.js';

const s = scratch();
const SYMBOL = 'BTC/USD';

/** A strategy that buys `amount` at its first tick (with `exits`, if any) and records the fills it is handed. */
function buyOnce(fills: Fill[], options: { amount?: number; exits?: StrategySpec['exits'] } = {}): StrategySpec {
  return {
    id: 'sma',
    ...(options.exits === undefined ? {} : { exits: options.exits }),
    create: () => {
      let done = false;
      return {
        async onTick(ctx) {
          if (done) return;
          done = true;
          await ctx.orders.buy(options.amount ?? 1);
        },
        onFill(fill) {
          fills.push(fill);
        },
      };
    },
  };
}

/** A live controller on the fake clock `s.clock` whose orders go to `journal`. */
function controllerOver(journal: SqliteJournal, venue: TestVenue, spec: StrategySpec): TradingController {
  return new TradingController({
    broker: venue,
    clock: s.clock,
    pacing: { kind: 'live', pollIntervalMs: 1000, monitorIntervalMs: 1000, backoff: { initialMs: 1000, maxMs: 8000 } },
    symbols: [{ symbol: SYMBOL, timeframe: '1m', strategies: [spec] }],
    orderStore: journalOrderStore(journal),
  });
}

async function seconds(clock: ManualClock, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await clock.advance(1000);
}

/** What a second, read-only connection to the journal file reads, at once. */
function onDisk<T>(journal: SqliteJournal, read: (view: JournalView) => T): T {
  const view = Journal.openReadOnly({ file: journal.file, botName: journal.botName });
  try {
    return read(view);
  } finally {
    view.close();
  }
}

describe('journalOrderStore: the journal as the controller order store', () => {
  it('has the intent and its client order id on disk before the order is sent, then the ack, the fill once, and the filled intent', async () => {
    const journal = s.open();
    const venue = new TestVenue(s.clock);
    const seenBeforeAnswer: unknown[] = [];
    venue.beforeAnswer = (request: OrderRequest) => {
      seenBeforeAnswer.push(onDisk(journal, (view) => view.intent(request.clientOrderId as string)));
    };
    const fills: Fill[] = [];
    const controller = controllerOver(journal, venue, buyOnce(fills));
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);

    expect(venue.submissions.map((r) => r.clientOrderId)).toEqual(['gridbot-BTCUSD-1']);
    expect(seenBeforeAnswer).toEqual([
      expect.objectContaining({
        clientOrderId: 'gridbot-BTCUSD-1',
        status: 'intent',
        strategy: 'sma',
        symbol: SYMBOL,
        side: 'buy',
        amount: 1,
      }),
    ]);
    const fill = venue.fills[0] as Fill;
    // The stream reported it; a poll reports it again, as a copy.
    venue.emitFill({ ...fill });
    venue.emitFill(fill);
    await seconds(s.clock, 2);

    expect(fills).toEqual([fill]);
    const intent = onDisk(journal, (view) => view.intent('gridbot-BTCUSD-1'));
    expect(intent).toMatchObject({ status: 'filled', venueOrderId: 'V1', filled: 1, averagePrice: 100 });
    expect(intent?.ackedAt).toBeDefined();
    expect(onDisk(journal, (view) => view.fills().map((f) => [f.tradeId, f.venueOrderId, f.clientOrderId]))).toEqual([
      ['1', 'V1', 'gridbot-BTCUSD-1'],
    ]);
    expect(controller.orders()).toEqual([
      expect.objectContaining({ clientOrderId: 'gridbot-BTCUSD-1', ack: expect.objectContaining({ accepted: true }) }),
    ]);
    await controller.stop();
  });

  it('keeps the fills of two orders whose venue reuses a trade id, each once', async () => {
    const journal = s.open();
    const venue = new TestVenue(s.clock);
    const fills: Fill[] = [];
    const spec: StrategySpec = {
      id: 'twice',
      create: () => {
        let ticks = 0;
        return {
          async onTick(ctx) {
            if (ticks++ < 2) await ctx.orders.buy(1);
          },
          onFill(fill) {
            fills.push(fill);
          },
        };
      },
    };
    const controller = controllerOver(journal, venue, spec);
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);
    await s.clock.advance(1000);
    // Both fills have trade id 1 (the venue numbers trades per order); each is delivered twice.
    for (const fill of [...venue.fills]) venue.emitFill({ ...fill });
    await seconds(s.clock, 2);
    expect(venue.fills.map((f) => [f.id, f.orderId])).toEqual([
      ['1', 'V1'],
      ['1', 'V2'],
    ]);
    expect(fills.map((f) => f.clientOrderId)).toEqual(['gridbot-BTCUSD-1', 'gridbot-BTCUSD-2']);
    expect(journal.fills().map((f) => [f.tradeId, f.venueOrderId, f.clientOrderId])).toEqual([
      ['1', 'V1', 'gridbot-BTCUSD-1'],
      ['1', 'V2', 'gridbot-BTCUSD-2'],
    ]);
    expect(journal.netPosition(SYMBOL)).toBe(2);
    await controller.stop();
  });

  it('keeps the filled status when the fill arrives before the ack', async () => {
    const journal = s.open();
    const venue = new TestVenue(s.clock);
    venue.fillBeforeAck = true;
    const controller = controllerOver(journal, venue, buyOnce([]));
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);
    expect(journal.intent('gridbot-BTCUSD-1')).toMatchObject({ status: 'filled', venueOrderId: 'V1', filled: 1 });
    expect(journal.openIntents()).toEqual([]);
    await controller.stop();
  });

  it('journals a submission that threw as unknown when it may have reached the venue, rejected otherwise', async () => {
    const journal = s.open();
    const venue = new TestVenue(s.clock);
    const errors = [new BtError('NETWORK', 'ETIMEDOUT', { retryable: true }), new BtError('INSUFFICIENT_FUNDS', 'not enough USD')];
    venue.answer = (_request, n) => errors[n - 1] ?? 'fill';
    const spec: StrategySpec = {
      id: 'sma',
      create: () => {
        let ticks = 0;
        return {
          async onTick(ctx) {
            if (ticks++ < 3) await ctx.orders.buy(1).catch(() => undefined);
            if (ticks === 1) await ctx.orders.buy(0);
          },
        };
      },
    };
    const controller = controllerOver(journal, venue, spec);
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);
    await seconds(s.clock, 3);
    expect(journal.intents().map((i) => [i.clientOrderId, i.status, i.lastError])).toEqual([
      ['gridbot-BTCUSD-1', 'unknown', 'ETIMEDOUT'],
      ['gridbot-BTCUSD-2', 'rejected', 'not enough USD'],
      ['gridbot-BTCUSD-3', 'filled', undefined],
    ]);
    // The order of amount 0 could not be recorded: answered as a rejection, never sent.
    expect(venue.submissions).toHaveLength(3);
    expect(controller.orders().map((o) => o.error)).toEqual(['ETIMEDOUT', 'not enough USD', undefined]);
    await controller.stop();
  });

  it("keeps the trade manager's state: the exit's intent and its submitting state on disk before it is sent, working after the ack, gone once filled", async () => {
    const journal = s.open();
    const venue = new TestVenue(s.clock);
    const atExit: unknown[] = [];
    venue.beforeAnswer = (request) => {
      if (request.reduceOnly === true) {
        atExit.push(onDisk(journal, (view) => [view.intent(request.clientOrderId as string)?.status, view.trade(SYMBOL, 'sma')?.exit]));
      }
    };
    const controller = controllerOver(journal, venue, buyOnce([], { exits: { stopLoss: 0.05 } }));
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);
    await s.clock.advance(1000);
    expect(journal.openTrades()).toEqual([
      expect.objectContaining({ symbol: SYMBOL, strategy: 'sma', side: 'long', amount: 1, entryPrice: 100, exit: { kind: 'none' } }),
    ]);
    venue.answer = (request) => (request.reduceOnly === true ? 'rest' : 'fill');
    venue.price = 90;
    await s.clock.advance(1000);
    const exitId = venue.submissions[1]?.clientOrderId as string;
    expect(atExit).toEqual([
      ['intent', { kind: 'submitting', clientOrderId: exitId, reason: 'stop-loss', attempts: 1, nextAttemptAt: s.clock.now() + 1000 }],
    ]);
    expect(journal.trade(SYMBOL, 'sma')?.exit).toEqual({ kind: 'working', clientOrderId: exitId });
    expect(journal.intent(exitId)).toMatchObject({ source: 'trade-manager', reason: 'stop-loss', reduceOnly: true, status: 'open' });
    // The exit fills: the position is flat, the trade forgotten.
    venue.emitFill({ ...(venue.fills[0] as Fill), id: '1', orderId: 'V2', clientOrderId: exitId, side: 'sell', price: 90 });
    await seconds(s.clock, 2);
    expect(journal.openTrades()).toEqual([]);
    expect(journal.intent(exitId)?.status).toBe('filled');
    await controller.stop();
  });
});

describe('a restart', () => {
  it('restores the trades, looks an exit of unknown outcome up before anything is sent, then sends it again once proven absent', async () => {
    // The first run: the entry fills, then the exit's submission times out, and the process dies.
    const first = s.open();
    const venue = new TestVenue(s.clock);
    const controller = controllerOver(first, venue, buyOnce([], { exits: { stopLoss: 0.05 } }));
    await controller.initialize();
    controller.start();
    await s.clock.advance(0);
    await s.clock.advance(1000);
    venue.answer = (request) => (request.reduceOnly === true ? new BtError('NETWORK', 'ETIMEDOUT', { retryable: true }) : 'fill');
    venue.price = 90;
    await s.clock.advance(1000);
    const lost = venue.submissions[1]?.clientOrderId as string;
    expect(first.intent(lost)?.status).toBe('unknown');
    const saved = first.trade(SYMBOL, 'sma')?.exit;
    expect(saved).toMatchObject({ kind: 'submitting', clientOrderId: lost, attempts: 1 });
    await controller.stop();
    first.close('crash');

    // The second run: same file, same bot; the venue never got the exit.
    const second = s.open();
    const revived = new TestVenue(s.clock);
    revived.price = 90;
    // The strategy knows it holds the position: it sends nothing; the trade manager has its exit to finish.
    const restarted = controllerOver(second, revived, {
      id: 'sma',
      exits: { stopLoss: 0.05 },
      create: () => ({ onTick: () => undefined }),
    });
    await restarted.initialize();
    expect(restarted.restoreTrades()).toEqual([expect.objectContaining({ symbol: SYMBOL, size: 1, exit: saved })]);
    // The position is still open at the venue (the revived venue is told so by a fill of its own).
    revived.answer = () => 'fill';
    await revived.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 1, clientOrderId: 'elsewhere-1' });
    revived.submissions.length = 0;
    restarted.start();
    await s.clock.advance(0);
    await seconds(s.clock, 3);
    const exits = revived.submissions.filter((r) => r.reduceOnly === true);
    expect(exits.map((r) => r.clientOrderId)).toEqual(['gridbot-BTCUSD-3']);
    expect(second.intent(lost)?.status).toBe('absent');
    expect(second.intent('gridbot-BTCUSD-3')).toMatchObject({ status: 'filled', reason: 'stop-loss', source: 'trade-manager' });
    expect(second.openTrades()).toEqual([]);
    // Proven absent before the new exit was sent.
    const moves = second
      .events({ kind: 'intent.status' })
      .map((e) => e.payload as { clientOrderId: string; to: string })
      .filter((p) => p.clientOrderId === lost || p.clientOrderId === 'gridbot-BTCUSD-3')
      .map((p) => `${p.clientOrderId} ${p.to}`);
    expect(moves).toEqual([`${lost} unknown`, `${lost} absent`, 'gridbot-BTCUSD-3 open', 'gridbot-BTCUSD-3 filled']);
    await restarted.stop();
  });
});

describe('journalOrderStore.inFlight: the earlier runs’ orders that are not final, for controller.resumeOrders', () => {
  it('gives acknowledged orders as open and unsettled ones as unknown, each with its fills already handed over', () => {
    const journal = s.open();
    const intent = (side: 'buy' | 'sell', amount: number) =>
      journal.recordIntent({ strategy: 'sma', symbol: SYMBOL, side, type: 'limit', price: 100, amount, tag: 'sma', source: 'strategy' });
    const open = intent('buy', 1);
    const unknown = intent('sell', 0.5);
    const done = intent('buy', 0.1);
    journal.recordAck(open.clientOrderId, { accepted: true, status: 'open', orderId: 'V1', clientOrderId: open.clientOrderId });
    journal.markUnknown(unknown.clientOrderId, 'ETIMEDOUT');
    journal.recordAck(done.clientOrderId, { accepted: true, status: 'filled', orderId: 'V3', clientOrderId: done.clientOrderId });
    const fill = (id: string, clientOrderId: string, orderId: string, amount: number): Fill => ({
      id,
      orderId,
      clientOrderId,
      symbol: SYMBOL,
      side: 'buy',
      amount,
      price: 100,
      fee: 0,
      feeCurrency: 'USD',
      maker: true,
      timestamp: s.clock.now(),
    });
    // One fill a strategy was handed, one recovery journaled that no strategy has seen yet.
    journal.recordFill(fill('T1', open.clientOrderId, 'V1', 0.25));
    journal.recordFill(fill('T2', open.clientOrderId, 'V1', 0.25), { pendingDelivery: true });
    journal.recordFill(fill('T3', done.clientOrderId, 'V3', 0.1));
    const store = journalOrderStore(journal);
    expect(store.inFlight()).toEqual([
      {
        request: expect.objectContaining({ clientOrderId: open.clientOrderId, side: 'buy', amount: 1, price: 100, tag: 'sma' }),
        strategyId: 'sma',
        source: 'strategy',
        status: 'open',
        filled: 0.25,
        submittedAt: open.createdAt,
      },
      expect.objectContaining({
        strategyId: 'sma',
        status: 'unknown',
        filled: 0,
        request: expect.objectContaining({ clientOrderId: unknown.clientOrderId }),
      }),
    ]);
    // An order this process sends is the gateway's already: not given again.
    store.recordIntent({
      symbol: SYMBOL,
      strategyId: 'sma',
      order: { side: 'buy', type: 'market', amount: 1 },
      source: 'strategy',
      reason: undefined,
      at: 0,
    });
    expect(store.inFlight()).toHaveLength(2);
  });
});
