import type { Position } from '@bt/core';
import { BtError, createMemoryLogger, ManualClock, TradingController } from '@bt/core';
import { MemoryReplayBroker, makeBars } from '@bt/testkit';
import { describe, expect, it } from 'vitest';

const T0 = 1_700_000_040_000;

function liveSetup(onTick?: (symbol: string, now: number) => void) {
  const clock = new ManualClock(T0);
  // A replay broker that is never advanced serves as a quiet live venue: no bars, no fills.
  const broker = new MemoryReplayBroker({ bars: { AAA: makeBars('AAA', T0, 5), BBB: makeBars('BBB', T0, 5) } });
  const ticks: { symbol: string; at: number }[] = [];
  const monitorPasses: number[] = [];
  const getPositions = broker.getPositions.bind(broker);
  broker.getPositions = (symbol?: string): Promise<readonly Position[]> => {
    if (symbol === undefined) monitorPasses.push(clock.now() - T0);
    return getPositions(symbol);
  };
  const logger = createMemoryLogger();
  const controller = new TradingController({
    broker,
    clock,
    logger,
    pacing: { kind: 'live', backoff: { initialMs: 2000, maxMs: 8000 } },
    symbols: ['AAA', 'BBB'].map((symbol) => ({
      symbol,
      timeframe: '1m' as const,
      strategies: [
        {
          id: 'probe',
          create: () => ({
            onTick(ctx) {
              ticks.push({ symbol, at: ctx.clock.now() - T0 });
              onTick?.(symbol, ctx.clock.now() - T0);
            },
          }),
        },
      ],
    })),
  });
  return { clock, controller, ticks, monitorPasses, logger };
}

async function advanceSeconds(clock: ManualClock, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) await clock.advance(1000);
}

describe('TradingController live pacing on a fake clock', () => {
  it('ticks each worker every poll interval and the monitor every 5 s', async () => {
    const { clock, controller, ticks, monitorPasses } = liveSetup();
    await controller.initialize();
    controller.start();
    await clock.advance(0);
    await advanceSeconds(clock, 10);
    const at = (symbol: string) => ticks.filter((t) => t.symbol === symbol).map((t) => t.at);
    const everySecond = Array.from({ length: 11 }, (_, i) => i * 1000);
    expect(at('AAA')).toEqual(everySecond);
    expect(at('BBB')).toEqual(everySecond);
    expect(monitorPasses).toEqual([0, 5000, 10000]);
    await controller.stop();
  });

  it('stop() during a sleep ends promptly, without the clock moving, and leaves no sleep pending', async () => {
    const { clock, controller } = liveSetup();
    await controller.initialize();
    controller.start();
    await clock.advance(500);
    expect(clock.pendingSleeps).toBeGreaterThan(0);
    const before = clock.now();
    await controller.stop();
    await controller.done;
    expect(clock.now()).toBe(before);
    expect(clock.pendingSleeps).toBe(0);
    expect(controller.state).toBe('stopped');
    await controller.stop(); // idempotent
  });

  it('logs a worker error with its symbol, backs off, and carries on', async () => {
    let failures = 0;
    const { clock, controller, ticks, logger } = liveSetup((symbol, at) => {
      if (symbol === 'AAA' && at === 2000 && failures++ === 0) throw new Error('venue hiccup');
    });
    await controller.initialize();
    controller.start();
    await clock.advance(0);
    await advanceSeconds(clock, 8);
    const aaa = ticks.filter((t) => t.symbol === 'AAA').map((t) => t.at);
    // Failed at 2 s, then backed off 2 s (initialMs) before the next tick.
    expect(aaa).toEqual([0, 1000, 2000, 4000, 5000, 6000, 7000, 8000]);
    expect(ticks.filter((t) => t.symbol === 'BBB')).toHaveLength(9);
    const line = logger.records.find((r) => r.level === 'error');
    expect(line?.message).toContain('venue hiccup');
    expect(line?.fields).toMatchObject({ symbol: 'AAA' });
    await controller.stop();
  });

  it('stops the controller on an authentication error', async () => {
    const { clock, controller } = liveSetup((symbol, at) => {
      if (symbol === 'BBB' && at === 1000) throw new BtError('AUTHENTICATION', 'invalid API key');
    });
    await controller.initialize();
    controller.start();
    await clock.advance(0);
    await advanceSeconds(clock, 2);
    await expect(controller.done).rejects.toMatchObject({ code: 'AUTHENTICATION' });
    expect(controller.state).toBe('failed');
  });
});
