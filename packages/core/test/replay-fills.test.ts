import { describe, expect, it } from 'vitest';
import { isBtError } from '../src/errors.js';
import { ManualClock } from '../src/manual-clock.js';
import type { Fill, OrderRequest } from '../src/orders.js';
import { TradingController } from '../src/trading-controller.js';
import { LiveVenue } from './support/live-venue.js';
import { PriorRunStore } from './support/prior-run-store.js';

const T0 = 1_700_000_000_000;

/** A buy of the earlier run, sent by strategy `buyer`. */
function priorBuy(clientOrderId: string): OrderRequest {
  return { symbol: 'BTC/USD', side: 'buy', type: 'market', amount: 1, clientOrderId, tag: 'buyer' };
}

function fillOf(clientOrderId: string, id: string, timestamp: number, price: number): Fill {
  return {
    id,
    orderId: `V-${clientOrderId}`,
    clientOrderId,
    symbol: 'BTC/USD',
    side: 'buy',
    amount: 1,
    price,
    fee: 0,
    feeCurrency: 'USD',
    maker: false,
    timestamp,
  };
}

/** The fills of the earlier run: `seen` was recorded before the crash, the others were missed. */
const SEEN = fillOf('old-0-1', 'T1', T0 - 9000, 90);
const FIRST = fillOf('old-0-2', 'T2', T0 - 5000, 100);
const SECOND = fillOf('old-0-3', 'T9', T0 - 4000, 110);
const TIED = fillOf('old-0-3', 'T10', T0 - 4000, 110);

/** A restarted live controller whose store knows the earlier run's orders; its strategy logs what it is handed, in order. */
function setup() {
  const clock = new ManualClock(T0);
  const venue = new LiveVenue(clock);
  const store = new PriorRunStore('r', ['BTC/USD'], [priorBuy('old-0-1'), priorBuy('old-0-2'), priorBuy('old-0-3')], [SEEN]);
  const events: string[] = [];
  const controller = new TradingController({
    broker: venue,
    clock,
    orderStore: store,
    positionMonitor: false,
    pacing: { kind: 'live', pollIntervalMs: 1000 },
    symbols: [
      {
        symbol: 'BTC/USD',
        timeframe: '1m',
        strategies: [
          {
            id: 'buyer',
            exits: { stopLoss: 0.5 },
            create: () => ({
              onTick() {
                events.push('tick');
              },
              onFill(fill) {
                events.push(`fill ${fill.id}`);
              },
            }),
          },
        ],
      },
    ],
    runId: 'r',
  });
  return { clock, venue, store, controller, events };
}

describe('TradingController.replayFills', () => {
  it('hands each new fill once, in time order, to the strategy and the trade manager before its first tick', async () => {
    const s = setup();
    await s.controller.initialize();
    // Out of order, one twice, one recorded before the crash.
    expect(s.controller.replayFills([TIED, SECOND, FIRST, SEEN, { ...FIRST }])).toBe(3);
    expect(s.controller.replayFills([FIRST])).toBe(0);
    expect(s.events).toEqual([]);
    s.controller.start();
    await s.clock.advance(0);
    // By timestamp, then trade id ('T10' < 'T9' by code unit).
    expect(s.events).toEqual(['fill T2', 'fill T10', 'fill T9', 'tick']);
    // The trade manager opened the position at the earliest fill and grew it with the later ones.
    expect(s.store.trades.saved.map((t) => [t.size, t.entryPrice, t.openedAt])).toEqual([
      [1, 100, T0 - 5000],
      [2, 105, T0 - 5000],
      [3, 320 / 3, T0 - 5000],
    ]);
    // The venue's stream reports a replayed fill again: it is not handed over a second time.
    s.venue.emitFill({ ...SECOND });
    await s.clock.advance(1000);
    expect(s.events).toEqual(['fill T2', 'fill T10', 'fill T9', 'tick', 'tick']);
    await s.controller.stop();
  });

  it('returns 0 and hands nothing over when every fill was recorded before', async () => {
    const s = setup();
    await s.controller.initialize();
    expect(s.controller.replayFills([SEEN])).toBe(0);
    expect(s.controller.replayFills([])).toBe(0);
    s.controller.start();
    await s.clock.advance(0);
    expect(s.events).toEqual(['tick']);
    await s.controller.stop();
  });

  it('throws a STATE error before initialize() and once started', async () => {
    const s = setup();
    const state = (call: () => unknown): unknown => {
      try {
        call();
      } catch (error) {
        return isBtError(error, 'STATE') ? 'STATE' : error;
      }
      return 'no error';
    };
    expect(state(() => s.controller.replayFills([FIRST]))).toBe('STATE');
    await s.controller.initialize();
    s.controller.start();
    expect(state(() => s.controller.replayFills([FIRST]))).toBe('STATE');
    await s.controller.stop();
    expect(state(() => s.controller.replayFills([FIRST]))).toBe('STATE');
    expect(s.events.filter((e) => e.startsWith('fill'))).toEqual([]);
  });
});
