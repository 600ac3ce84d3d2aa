import { describe, expect, it } from 'vitest';
import { BtError } from '../src/errors.js';
import { createMemoryLogger } from '../src/logger.js';
import { ManualClock } from '../src/manual-clock.js';
import type { Fill, OrderRequest } from '../src/orders.js';
import type { StrategySpec } from '../src/strategy.js';
import { TradingController } from '../src/trading-controller.js';
import { type Answer, LiveVenue } from './support/live-venue.js';

const T0 = 1_700_000_000_000;

/** A live controller on a fake clock whose one strategy buys 1 at its first tick, with a 5 % stop-loss. */
function setup(answer?: (request: OrderRequest, n: number) => Answer) {
  const clock = new ManualClock(T0);
  const venue = new LiveVenue(clock, answer);
  const logger = createMemoryLogger();
  const fills: Fill[] = [];
  const spec: StrategySpec = {
    id: 'buyer',
    exits: { stopLoss: 0.05 },
    create: () => {
      let bought = false;
      return {
        async onTick(ctx) {
          if (bought) return;
          bought = true;
          await ctx.orders.buy(1);
        },
        onFill(fill) {
          fills.push(fill);
        },
      };
    },
  };
  const controller = new TradingController({
    broker: venue,
    clock,
    logger,
    pacing: { kind: 'live', pollIntervalMs: 1000, monitorIntervalMs: 1000, backoff: { initialMs: 1000, maxMs: 8000 } },
    symbols: [{ symbol: 'BTC/USD', timeframe: '1m', strategies: [spec] }],
    runId: 'r',
  });
  return { clock, venue, logger, controller, fills };
}

async function advanceSeconds(clock: ManualClock, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) await clock.advance(1000);
}

/** Opens the trade (the buy fills at 100), then drops the price to 90: the stop-loss fires at the pass at T0 + 2 s. */
async function openThenFall(s: ReturnType<typeof setup>): Promise<void> {
  await s.controller.initialize();
  s.controller.start();
  await s.clock.advance(0);
  await s.clock.advance(1500);
  expect(s.fills.map((f) => f.clientOrderId)).toEqual(['r-0-1']);
  s.venue.price = 90;
}

/** Answers the first `count` exits (reduce-only orders) with `answer`, every other order with a fill. */
function firstExits(count: number, answer: (request: OrderRequest) => Answer): (request: OrderRequest) => Answer {
  let seen = 0;
  return (request) => {
    if (request.reduceOnly !== true) return 'fill';
    seen++;
    return seen <= count ? answer(request) : 'fill';
  };
}

const exits = (venue: LiveVenue) => venue.submissions.filter((s) => s.request.reduceOnly === true);

describe('an exit is not abandoned', () => {
  it('retries an exit that failed with a retryable error, with bounded exponential backoff, looking each attempt up before resending', async () => {
    const s = setup(firstExits(5, () => new BtError('NETWORK', 'venue down', { retryable: true })));
    await openThenFall(s);
    await advanceSeconds(s.clock, 30);
    const sent = exits(s.venue);
    // Attempts at 2 s, then 1, 2, 4, 8 and 8 s (the cap) after each failure.
    expect(sent.map((e) => e.at - T0)).toEqual([2000, 3000, 5000, 9000, 17000, 25000]);
    // Each attempt has its own client order id, and each failed one was looked up (absent) before the next.
    const ids = sent.map((e) => e.request.clientOrderId);
    expect(new Set(ids).size).toBe(6);
    expect(s.venue.lookups.map((l) => [l.at - T0, l.clientOrderId])).toEqual(
      sent.slice(0, 5).map((e, i) => [(sent[i + 1]?.at ?? 0) - T0, e.request.clientOrderId]),
    );
    // Placed after the outage: the position is flat and the trade gone.
    expect(await s.venue.getPositions()).toEqual([]);
    expect(
      s.controller
        .orders()
        .filter((o) => o.source === 'trade-manager')
        .map((o) => [o.error, o.ack?.accepted]),
    ).toEqual([...Array.from({ length: 5 }, () => ['venue down', undefined]), [undefined, true]]);
    const warnings = s.logger.records.filter((r) => r.message.startsWith('trade manager exit failed with an unknown outcome'));
    expect(warnings).toHaveLength(5);
    await s.controller.stop();
  });

  it('does not resend an exit whose submission timed out after it reached the venue: the look-up finds it', async () => {
    const s = setup((request) => (request.reduceOnly === true ? 'rest-then-throw' : 'fill'));
    await openThenFall(s);
    await advanceSeconds(s.clock, 10);
    const exit = exits(s.venue)[0]?.request.clientOrderId as string;
    expect(exits(s.venue)).toHaveLength(1);
    // Looked up once, 1 s after the failure, and found resting: adopted, never sent again.
    expect(s.venue.lookups.map((l) => [l.at - T0, l.clientOrderId])).toEqual([[3000, exit]]);
    expect(s.logger.records.some((r) => r.message === 'trade manager exit found at the venue; not sent again')).toBe(true);
    s.venue.fillResting(exit);
    await advanceSeconds(s.clock, 2);
    expect(await s.venue.getPositions()).toEqual([]);
    expect(exits(s.venue)).toHaveLength(1);
    await s.controller.stop();
  });

  it('logs every rejected exit as an error with its reason and sends it again while the position is open: at the next pass, then after a growing backoff', async () => {
    const s = setup(
      firstExits(3, (request) => ({ accepted: false, status: 'rejected', reason: 'MIN_NOTIONAL', clientOrderId: request.clientOrderId })),
    );
    await openThenFall(s);
    await advanceSeconds(s.clock, 6);
    // Rejected at 2 s (sent again at the next pass), 3 s (after 1 s) and 4 s (after 2 s); placed at 6 s.
    // A rejection is not an unknown outcome: nothing is looked up.
    expect(exits(s.venue).map((e) => e.at - T0)).toEqual([2000, 3000, 4000, 6000]);
    expect(s.venue.lookups).toEqual([]);
    const errors = s.logger.records.filter((r) => r.level === 'error' && r.message.startsWith('trade manager exit rejected'));
    expect(errors.map((r) => r.fields.rejection)).toEqual(['MIN_NOTIONAL', 'MIN_NOTIONAL', 'MIN_NOTIONAL']);
    expect(await s.venue.getPositions()).toEqual([]);
    await s.controller.stop();
  });

  it('stops resending a rejected exit once its position is gone', async () => {
    const s = setup((request) =>
      request.reduceOnly === true ? { accepted: false, status: 'rejected', reason: 'nope', clientOrderId: request.clientOrderId } : 'fill',
    );
    await openThenFall(s);
    await advanceSeconds(s.clock, 2);
    expect(exits(s.venue).length).toBe(2);
    // The position is closed elsewhere (by hand, at the venue).
    s.venue.answerWith(() => 'fill');
    await s.venue.submitOrder({ symbol: 'BTC/USD', side: 'sell', type: 'market', amount: 1, clientOrderId: 'manual-1' });
    const before = exits(s.venue).length;
    await advanceSeconds(s.clock, 5);
    expect(exits(s.venue).length).toBe(before);
    await s.controller.stop();
  });

  it('never resends an exit of unknown outcome when the venue cannot look orders up: it says so at each attempt', async () => {
    const s = setup((request) => (request.reduceOnly === true ? new BtError('NETWORK', 'socket hang up', { retryable: true }) : 'fill'));
    s.venue.capabilities = { ...s.venue.capabilities, fetchByClientOrderId: false };
    await openThenFall(s);
    await advanceSeconds(s.clock, 12);
    expect(exits(s.venue)).toHaveLength(1);
    const errors = s.logger.records.filter((r) => r.message.startsWith('trade manager exit of unknown outcome cannot be looked up'));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]?.message).toContain('cannot look orders up by client order id');
    await s.controller.stop();
  });
});
