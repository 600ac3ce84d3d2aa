import type { Bar, BrokerCapabilities, ReplayBroker, Strategy, SymbolConfig, Unsubscribe } from '@bt/core';
import { ArrayBarSeries, BacktestController, ManualClock, notSupported, POSITION_MONITOR } from '@bt/core';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../src/index.js';
import { TimeController, TimeMode } from '../src/index.js';
import { flush } from './helpers.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function bars(symbol: string, count: number): Bar[] {
  return Array.from({ length: count }, (_, i) => ({
    symbol,
    timeframe: '1m' as const,
    openTime: T0 + i * MINUTE,
    closeTime: T0 + (i + 1) * MINUTE,
    open: 100 + i,
    high: 101 + i,
    low: 99 + i,
    close: 100 + i,
    volume: 1,
  }));
}

/** The smallest ReplayBroker that drives the controller: one cursor per symbol, no orders. */
class TinyReplayBroker implements ReplayBroker<string[]> {
  readonly id = 'tiny';
  readonly capabilities: BrokerCapabilities = {
    orderTypes: ['market'],
    shorting: false,
    reduceOnly: false,
    ioc: false,
    fetchByClientOrderId: false,
    streamingBars: false,
    replay: true,
  };
  readonly #data: Map<string, Bar[]>;
  readonly #cursor = new Map<string, number>();
  readonly log: string[] = [];

  constructor(data: Record<string, Bar[]>) {
    this.#data = new Map(Object.entries(data));
    for (const symbol of this.#data.keys()) this.#cursor.set(symbol, 0);
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async getMarkets() {
    return [];
  }
  async getBars(symbol: string, timeframe: '1m', limit: number) {
    const cursor = this.#cursor.get(symbol) ?? 0;
    const visible = (this.#data.get(symbol) ?? []).slice(0, cursor + 1).slice(-limit);
    return new ArrayBarSeries(symbol, timeframe, visible);
  }
  async getLatestPrice(symbol: string): Promise<number> {
    const data = this.#data.get(symbol) ?? [];
    return data[Math.min(this.#cursor.get(symbol) ?? 0, data.length - 1)]?.close ?? 0;
  }
  async getBalances() {
    return [];
  }
  async getPositions() {
    return [];
  }
  async getOpenOrders() {
    return [];
  }
  submitOrder(): never {
    throw notSupported(this.id, 'submitOrder');
  }
  cancelOrder(): never {
    throw notSupported(this.id, 'cancelOrder');
  }
  fetchOrder(): never {
    throw notSupported(this.id, 'fetchOrder');
  }
  subscribe(): Unsubscribe {
    return () => undefined;
  }
  async advanceTime(symbol: string): Promise<boolean> {
    const next = (this.#cursor.get(symbol) ?? 0) + 1;
    if (next >= (this.#data.get(symbol)?.length ?? 0)) return false;
    this.#cursor.set(symbol, next);
    return true;
  }
  currentTime(): number {
    let time = T0;
    for (const [symbol, data] of this.#data) time = Math.max(time, data[this.#cursor.get(symbol) ?? 0]?.closeTime ?? time);
    return time;
  }
  async getResults(): Promise<string[]> {
    return this.log;
  }
}

function recorder(broker: TinyReplayBroker): Strategy {
  return {
    onTick(ctx) {
      broker.log.push(`${ctx.symbol}@${(ctx.bars.closeTime(-1) - T0) / MINUTE}`);
    },
  };
}

/** Runs the backtest; in a delayed mode, advances a ManualClock to each pending delay. */
async function backtest(mode: TimeMode) {
  const broker = new TinyReplayBroker({ 'BTC/USDT': bars('BTC/USDT', 5), 'ETH/USDT': bars('ETH/USDT', 3) });
  const symbols: SymbolConfig[] = ['ETH/USDT', 'BTC/USDT'].map((symbol) => ({
    symbol,
    timeframe: '1m',
    strategies: [{ id: 'rec', create: () => recorder(broker) }],
  }));
  const clock = new ManualClock(0);
  const timeController = new TimeController({
    participants: symbols.map((s) => s.symbol),
    includePositionMonitor: true,
    mode,
    clock,
    timeSource: () => broker.currentTime(),
    totalSteps: 5,
  });
  const steps: StepEvent[] = [];
  timeController.on('step', (event) => steps.push(event));
  const controller = new BacktestController({ broker, timeController, symbols });
  await controller.initialize();
  let done = false;
  const running = controller.run().finally(() => {
    done = true;
  });
  while (!done) {
    await flush();
    const wake = clock.nextWakeAt();
    if (wake !== undefined) await clock.advanceTo(wake);
  }
  return { log: await running, steps, timeController, clockMs: clock.now() };
}

describe('with the BacktestController', () => {
  it('runs every symbol and the position monitor to the end of the data', async () => {
    const { log, steps, timeController } = await backtest(TimeMode.MAX_SPEED);
    // The first ticks run in launch (config) order; after each release, in participant-id order.
    expect(log).toEqual(['ETH/USDT@1', 'BTC/USDT@1', 'BTC/USDT@2', 'ETH/USDT@2', 'BTC/USDT@3', 'ETH/USDT@3', 'BTC/USDT@4', 'BTC/USDT@5']);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(steps[0]?.simTime).toBe(T0 + MINUTE);
    const m = timeController.metrics();
    expect(m).toMatchObject({ state: 'stopped', step: 5, progress: 1 });
    expect(m.participants.map((p) => [p.id, p.status, p.steps])).toEqual([
      ['BTC/USDT', 'left', 5],
      ['ETH/USDT', 'left', 3],
      [POSITION_MONITOR, 'left', 5],
    ]);
  });

  it('gives the same run in every time mode', async () => {
    const fast = await backtest(TimeMode.MAX_SPEED);
    expect(fast.clockMs).toBe(0);
    for (const mode of [TimeMode.FAST, TimeMode.REALTIME]) {
      const paced = await backtest(mode);
      expect(paced.log).toEqual(fast.log);
      expect(paced.steps).toEqual(fast.steps);
      expect(paced.clockMs).toBe(5 * paced.timeController.stepDelayMs);
    }
  });
});
