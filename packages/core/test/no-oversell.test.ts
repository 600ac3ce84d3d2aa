import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../src/logger.js';
import { ManualClock } from '../src/manual-clock.js';
import type { OrderAck } from '../src/orders.js';
import type { ExitRules, StrategyContext, StrategySpec } from '../src/strategy.js';
import { TradingController } from '../src/trading-controller.js';
import { PartFillVenue } from './support/part-fill-venue.js';

const T0 = 1_700_000_000_000;
const SYMBOL = 'BTC/USD';

/**
 * A live controller over a venue whose orders fill only when the test says so. Its one strategy
 * runs, at each tick, the next action the test queued (if any).
 */
function setup(options: { shorting: boolean; exits?: ExitRules }) {
  const clock = new ManualClock(T0);
  const venue = new PartFillVenue(clock, { shorting: options.shorting });
  const logger = createMemoryLogger();
  const actions: ((ctx: StrategyContext) => Promise<unknown>)[] = [];
  const acks: (OrderAck | undefined)[] = [];
  const spec: StrategySpec = {
    id: 's',
    ...(options.exits === undefined ? {} : { exits: options.exits }),
    create: () => ({
      async onTick(ctx) {
        const action = actions.shift();
        if (action !== undefined) acks.push((await action(ctx)) as OrderAck | undefined);
      },
    }),
  };
  const controller = new TradingController({
    broker: venue,
    clock,
    logger,
    pacing: { kind: 'live', pollIntervalMs: 1000, monitorIntervalMs: 1000, backoff: { initialMs: 1000, maxMs: 8000 } },
    symbols: [{ symbol: SYMBOL, timeframe: '1m', strategies: [spec] }],
    runId: 'r',
  });
  /** Queues `action` for the strategy's next tick and lets a second pass (the tick runs it). */
  const act = async (action: (ctx: StrategyContext) => Promise<unknown>): Promise<void> => {
    actions.push(action);
    await clock.advance(1000);
  };
  const start = async (): Promise<void> => {
    await controller.initialize();
    controller.start();
    await clock.advance(0);
  };
  const seconds = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await clock.advance(1000);
  };
  return { clock, venue, logger, controller, act, acks, start, seconds };
}

describe('an exit never adds to a reducing order in flight', () => {
  for (const shorting of [true, false]) {
    it(`sends nothing while the strategy's own sell covers the position (shorting ${shorting})`, async () => {
      const s = setup({ shorting, exits: { maxHoldingMs: 3000 } });
      await s.start();
      await s.act((ctx) => ctx.orders.buy(1));
      s.venue.fill(s.venue.last().clientOrderId);
      await s.seconds(1);
      await s.act((ctx) => ctx.orders.close());
      expect(s.venue.sent('sell')).toEqual([1]);
      s.venue.fill(s.venue.last().clientOrderId, 0.4);
      // The max-holding time passes while the strategy's sell is partly filled.
      await s.seconds(6);
      expect(s.venue.sent('sell')).toEqual([1]);
      expect(s.logger.records.some((r) => r.message.startsWith('trade manager exit not sent: orders in flight'))).toBe(true);
      s.venue.fill(s.venue.submissions[1]?.request.clientOrderId);
      await s.seconds(3);
      expect(s.venue.net(SYMBOL)).toBe(0);
      expect(s.venue.sent('sell')).toEqual([1]);
      await s.controller.stop();
    });
  }

  it("sends only what the strategy's reducing order in flight leaves of the position", async () => {
    const s = setup({ shorting: true, exits: { maxHoldingMs: 3000 } });
    await s.start();
    await s.act((ctx) => ctx.orders.buy(1));
    s.venue.fill(s.venue.last().clientOrderId);
    await s.seconds(1);
    await s.act((ctx) => ctx.orders.sell(0.4, { reduceOnly: true }));
    await s.seconds(4);
    const sells = s.venue.sent('sell');
    expect(sells).toHaveLength(2);
    expect(sells[0]).toBe(0.4);
    expect(sells[1]).toBeCloseTo(0.6, 12);
    expect(s.venue.last().reduceOnly).toBe(true);
    await s.controller.stop();
  });

  it('sends the rest once its exit has filled while the position grew (the exit is not left working)', async () => {
    const s = setup({ shorting: true, exits: { maxHoldingMs: 3000 } });
    await s.start();
    await s.act((ctx) => ctx.orders.buy(1));
    const buy = s.venue.last().clientOrderId;
    s.venue.fill(buy, 0.4);
    await s.seconds(5);
    // The max-holding exit went out for the 0.4 held then.
    expect(s.venue.sent('sell')).toEqual([0.4]);
    const exit = s.venue.last().clientOrderId;
    s.venue.fill(buy);
    s.venue.fill(exit);
    await s.seconds(3);
    const sells = s.venue.sent('sell');
    expect(sells).toHaveLength(2);
    expect(sells[1]).toBeCloseTo(0.6, 12);
    s.venue.fill(s.venue.last().clientOrderId);
    await s.seconds(3);
    expect(s.venue.net(SYMBOL)).toBeCloseTo(0, 12);
    expect(s.venue.sent('sell')).toHaveLength(2);
    await s.controller.stop();
  });
});

describe('a venue without shorting: the bot never sells what it did not buy', () => {
  it('refuses a sell beyond its own position, visibly, without sending it', async () => {
    const s = setup({ shorting: false });
    await s.start();
    await s.act((ctx) => ctx.orders.buy(0.5));
    s.venue.fill(s.venue.last().clientOrderId);
    await s.seconds(1);
    await s.act((ctx) => ctx.orders.sell(1));
    expect(s.venue.sent('sell')).toEqual([]);
    const ack = s.acks.at(-1);
    expect(ack?.accepted).toBe(false);
    expect(ack?.reason).toMatch(/sell of 1 BTC\/USD refused: .*own position is 0\.5/);
    const warned = s.logger.records.filter((r) => r.level === 'warn' && r.message === 'order rejected');
    expect(warned.map((r) => r.fields.reason)).toEqual([ack?.reason]);
    // Recorded like any rejected order.
    const journal = s.controller.orders();
    expect(journal.map((e) => [e.request.side, e.request.amount, e.ack?.accepted])).toEqual([
      ['buy', 0.5, true],
      ['sell', 1, false],
    ]);
    await s.controller.stop();
  });

  it('counts the sells in flight: a second sell of the same position is refused', async () => {
    const s = setup({ shorting: false });
    await s.start();
    await s.act((ctx) => ctx.orders.buy(1));
    s.venue.fill(s.venue.last().clientOrderId);
    await s.seconds(1);
    await s.act((ctx) => ctx.orders.sell(0.7));
    await s.act((ctx) => ctx.orders.sell(0.7));
    expect(s.venue.sent('sell')).toEqual([0.7]);
    expect(s.acks.at(-1)?.reason).toMatch(/0\.7 already being sold by orders in flight/);
    await s.act((ctx) => ctx.orders.sell(0.3));
    expect(s.venue.sent('sell')).toEqual([0.7, 0.3]);
    await s.controller.stop();
  });
});

describe('an exit the venue keeps rejecting', () => {
  it('is sent again at the next pass, then after a backoff that grows to its cap; each rejection is logged with its reason', async () => {
    const s = setup({ shorting: true, exits: { maxHoldingMs: 1000 } });
    s.venue.rejectWith = (request) => (request.reduceOnly === true ? 'ReduceOnly Order is rejected' : undefined);
    await s.start();
    await s.act((ctx) => ctx.orders.buy(1));
    s.venue.fill(s.venue.last().clientOrderId);
    await s.seconds(40);
    const at = s.venue.submissions.filter((x) => x.request.reduceOnly === true).map((x) => x.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(gaps).toEqual([1000, 1000, 2000, 4000, 8000, 8000, 8000]);
    const errors = s.logger.records.filter((r) => r.level === 'error' && r.message.startsWith('trade manager exit rejected'));
    expect(errors).toHaveLength(at.length);
    expect(new Set(errors.map((r) => r.fields.rejection))).toEqual(new Set(['ReduceOnly Order is rejected']));
    await s.controller.stop();
  });
});
