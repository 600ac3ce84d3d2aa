import { describe, expect, it } from 'vitest';
import { isBtError } from '../src/errors.js';
import { ManualClock } from '../src/manual-clock.js';
import type { Fill, OrderRequest } from '../src/orders.js';
import type { StrategyContext } from '../src/strategy.js';
import { TradingController } from '../src/trading-controller.js';
import { LiveVenue } from './support/live-venue.js';
import { PriorRunStore } from './support/prior-run-store.js';

const T0 = 1_700_000_000_000;
const SYMBOL = 'BTC/USD';

/** A buy the earlier run sent for strategy `buyer`, still at the venue when it died. */
const PRIOR_BUY: OrderRequest = {
  symbol: SYMBOL,
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 95,
  clientOrderId: 'old-0-1',
  tag: 'buyer',
};

function fillOf(request: OrderRequest, id: string, amount: number): Fill {
  return {
    id,
    orderId: `V-${request.clientOrderId}`,
    clientOrderId: request.clientOrderId as string,
    symbol: SYMBOL,
    side: request.side,
    amount,
    price: 95,
    fee: 0,
    feeCurrency: 'USD',
    maker: true,
    timestamp: T0 - 1000,
  };
}

interface Seen {
  readonly exposure: number;
  readonly pending: readonly string[];
}

/** A restarted controller whose strategy buys 1 when flat with nothing in flight, and logs what it sees. */
function setup(prior: readonly OrderRequest[] = [PRIOR_BUY], options: { shorting?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const venue = new LiveVenue(clock);
  if (options.shorting === false) venue.capabilities = { ...venue.capabilities, shorting: false };
  const store = new PriorRunStore('r', [SYMBOL], prior);
  const seen: Seen[] = [];
  const controller = new TradingController({
    broker: venue,
    clock,
    orderStore: store,
    positionMonitor: false,
    pacing: { kind: 'live', pollIntervalMs: 1000 },
    symbols: [
      {
        symbol: SYMBOL,
        timeframe: '1m',
        strategies: [
          {
            id: 'buyer',
            exits: { stopLoss: 0.5 },
            create: () => ({
              async onTick(ctx: StrategyContext) {
                seen.push({ exposure: ctx.pendingExposure, pending: ctx.pendingOrders.map((o) => o.clientOrderId) });
                if (ctx.position.size === 0 && ctx.pendingExposure === 0) await ctx.orders.buy(1);
              },
            }),
          },
        ],
      },
    ],
    runId: 'r',
  });
  return { clock, venue, store, controller, seen };
}

describe('TradingController.resumeOrders', () => {
  it('puts the earlier run’s open orders back in flight: the strategy sees them and does not buy twice', async () => {
    const s = setup();
    s.store.open.push({
      request: PRIOR_BUY,
      strategyId: 'buyer',
      source: 'strategy',
      status: 'open',
      filled: 0.25,
      submittedAt: T0 - 5000,
    });
    await s.controller.initialize();
    const resumed = s.controller.resumeOrders();
    expect(resumed.map((o) => o.request.clientOrderId)).toEqual(['old-0-1']);
    s.controller.start();
    await s.clock.advance(0);
    expect(s.seen).toEqual([{ exposure: 0.75, pending: ['old-0-1'] }]);
    expect(s.venue.submissions).toEqual([]);
    // The rest of it fills: it leaves the book and the position carries it.
    s.venue.emitFill(fillOf(PRIOR_BUY, 'T7', 0.75));
    await s.clock.advance(1000);
    expect(s.seen[1]).toEqual({ exposure: 0, pending: [] });
    await s.controller.stop();
  });

  it('without it the same restart buys a second time (what it prevents)', async () => {
    const s = setup();
    s.store.open.push({ request: PRIOR_BUY, strategyId: 'buyer', source: 'strategy', status: 'open', filled: 0, submittedAt: T0 - 5000 });
    await s.controller.initialize();
    s.controller.start();
    await s.clock.advance(0);
    expect(s.seen).toEqual([{ exposure: 0, pending: [] }]);
    expect(s.venue.submissions).toHaveLength(1);
    await s.controller.stop();
  });

  it('counts the missed fills replayed after it once, and keeps an order of unknown outcome in flight', async () => {
    const s = setup();
    s.store.open.push({
      request: PRIOR_BUY,
      strategyId: 'buyer',
      source: 'strategy',
      status: 'unknown',
      filled: 0,
      submittedAt: T0 - 5000,
    });
    await s.controller.initialize();
    s.controller.resumeOrders();
    expect(s.controller.replayFills([fillOf(PRIOR_BUY, 'T1', 0.4)])).toBe(1);
    s.controller.start();
    await s.clock.advance(0);
    expect(s.seen).toEqual([{ exposure: 0.6, pending: ['old-0-1'] }]);
    expect(s.venue.submissions).toEqual([]);
    await s.controller.stop();
  });

  it('returns none for a store that keeps nothing across processes, and throws STATE outside its window', async () => {
    const s = setup([]);
    const state = (call: () => unknown): unknown => {
      try {
        call();
      } catch (error) {
        return isBtError(error, 'STATE') ? error.message : error;
      }
      return 'no error';
    };
    expect(state(() => s.controller.resumeOrders())).toMatch(/needs initialize/);
    await s.controller.initialize();
    expect(s.controller.resumeOrders()).toEqual([]);
    s.controller.replayFills([]);
    expect(state(() => s.controller.resumeOrders())).toMatch(/before replayFills/);
    s.controller.start();
    expect(state(() => s.controller.resumeOrders())).toMatch(/needs initialize/);
    await s.controller.stop();
  });
});

describe('the trade manager on a venue without shorting', () => {
  const PRIOR_SELL: OrderRequest = { symbol: SYMBOL, side: 'sell', type: 'market', amount: 1, clientOrderId: 'old-0-2', tag: 'buyer' };

  for (const shorting of [true, false]) {
    it(`a sell with no long trade to reduce ${shorting ? 'opens a short trade where shorting exists' : 'never opens a short trade'}`, async () => {
      const s = setup([PRIOR_SELL], { shorting });
      await s.controller.initialize();
      s.controller.replayFills([fillOf(PRIOR_SELL, 'T3', 1)]);
      s.controller.start();
      await s.clock.advance(0);
      expect(s.store.trades.saved.map((t) => t.side)).toEqual(shorting ? ['short'] : []);
      await s.controller.stop();
    });
  }
});
