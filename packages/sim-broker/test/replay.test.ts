import type { LogRecord } from '@bt/core';
import { createMemoryLogger, isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { createSimulatedBroker, SimulatedBroker, toStableJson } from '../src/index.js';
import type { BarTuple } from './helpers.js';
import { bars, MINUTE, simulate } from './helpers.js';

const flat = (price: number): BarTuple => [price, price, price, price];

describe('ragged timeline and visibility', () => {
  // Close times (minutes): A 1 2 3 4 5; B 3 4 _ 6 7 (a gap: no bar closes at 5); C 2 3.
  const data = () => [
    bars('A', [flat(1), flat(2), flat(3), flat(4), flat(5)], 0),
    bars('B', [flat(10), flat(20), null, flat(40), flat(50)], 2),
    bars('C', [flat(100), flat(200)], 1),
  ];
  // Expected visible bar counts after each step (times 1..7 min) and what advanceTime answers.
  const expected = {
    A: { visible: [1, 2, 3, 4, 5], more: [true, true, true, true, true, false] },
    B: { visible: [0, 0, 1, 2, 2, 3, 4], more: [true, true, true, true, true, true, true, false] },
    C: { visible: [0, 1, 2], more: [true, true, true, false] },
  } as const;

  async function drive(order: (step: number) => string[]) {
    const { broker } = simulate(data());
    const seen: Record<string, { visible: number[]; more: boolean[]; closes: number[] }> = {
      A: { visible: [], more: [], closes: [] },
      B: { visible: [], more: [], closes: [] },
      C: { visible: [], more: [], closes: [] },
    };
    const live = new Set(['A', 'B', 'C']);
    for (let step = 0; live.size > 0; step++) {
      for (const symbol of order(step).filter((s) => live.has(s))) {
        const more = await broker.advanceTime(symbol);
        seen[symbol]?.more.push(more);
        if (!more) live.delete(symbol);
      }
      for (const symbol of live) {
        const series = await broker.getBars(symbol, '1m', 100);
        seen[symbol]?.visible.push(series.length);
        if (series.length > 0) {
          const newest = series.closeTime(-1);
          // never a bar before its close
          expect(newest).toBeLessThanOrEqual(broker.currentTime());
          seen[symbol]?.closes.push(newest);
          expect(await broker.getLatestPrice(symbol)).toBe(series.close(-1));
        }
      }
    }
    return { broker, seen };
  }

  it('ticks each symbol exactly at its own bars, whatever order the workers call in', async () => {
    const orders = [(s: number) => (s % 2 === 0 ? ['A', 'B', 'C'] : ['C', 'B', 'A']), () => ['B', 'C', 'A']];
    const outputs: string[] = [];
    for (const order of orders) {
      const { broker, seen } = await drive(order);
      for (const symbol of ['A', 'B', 'C'] as const) {
        expect(seen[symbol]?.more).toEqual(expected[symbol].more);
        expect(seen[symbol]?.visible.slice(0, expected[symbol].visible.length)).toEqual(expected[symbol].visible);
      }
      // B's newest close jumps from 4 to 6 min over its gap: nothing is forward-filled.
      expect(seen.B?.closes).toEqual([3, 4, 4, 6, 7].map((m) => m * MINUTE));
      const results = await broker.getResults();
      expect(Array.from(results.equity.times)).toEqual([1, 2, 3, 4, 5, 6, 7].map((m) => m * MINUTE));
      outputs.push(toStableJson(results));
    }
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('starts just before the first close with nothing visible', async () => {
    const { broker } = simulate(data());
    expect(broker.currentTime()).toBe(MINUTE - 1);
    for (const symbol of ['A', 'B', 'C']) expect((await broker.getBars(symbol, '1m', 10)).length).toBe(0);
    expect(await broker.getLatestPrice('A')).toBeNaN();
    const results = await broker.getResults();
    expect(results).toMatchObject({ steps: 0, totalSteps: 7, complete: false, finalEquity: 1_000_000, ordersUnfilledAtEnd: 0 });
  });
});

describe('canonical order', () => {
  // Two symbols whose next open is 60; cash 100 buys only one of them.
  const data = () => [bars('AAA', [flat(50), flat(60), flat(70)]), bars('BBB', [flat(50), flat(60), flat(70)])];

  async function run(submitFirst: 'AAA' | 'BBB', advanceFirst: 'AAA' | 'BBB') {
    const sim = simulate(data(), { account: { balances: { USD: 100 } } });
    const other = (s: string) => (s === 'AAA' ? 'BBB' : 'AAA');
    await sim.broker.advanceTime(advanceFirst);
    await sim.broker.advanceTime(other(advanceFirst));
    // two workers submit concurrently; which promise runs first must not matter
    await Promise.all(
      [submitFirst, other(submitFirst)].map((symbol) => sim.broker.submitOrder({ symbol, side: 'buy', type: 'market', amount: 1 })),
    );
    await sim.broker.advanceTime(advanceFirst);
    await sim.broker.advanceTime(other(advanceFirst));
    return { sim, json: toStableJson(await sim.broker.getResults()) };
  }

  it('two symbols competing for the same cash resolve the same way whatever the call order', async () => {
    const runs = [await run('AAA', 'AAA'), await run('BBB', 'AAA'), await run('AAA', 'BBB'), await run('BBB', 'BBB')];
    for (const r of runs) expect(r.json).toBe(runs[0]?.json);
    const { sim } = runs[1] as { sim: ReturnType<typeof simulate> };
    // AAA comes first in canonical order: it gets the cash, BBB (60 > 100 - 60) is refused.
    expect(sim.fills().map((f) => [f.symbol, f.price])).toEqual([['AAA', 60]]);
    expect(sim.updates().map((o) => [o.id, o.status])).toEqual([
      ['AAA:1', 'filled'],
      ['BBB:1', 'rejected'],
    ]);
  });

  it('gives per-symbol order ids', async () => {
    const sim = simulate(data());
    const ids = [];
    for (const symbol of ['BBB', 'AAA', 'BBB', 'AAA', 'AAA']) {
      ids.push((await sim.broker.submitOrder({ symbol, side: 'buy', type: 'market', amount: 1 })).orderId);
    }
    expect(ids).toEqual(['BBB:1', 'AAA:1', 'BBB:2', 'AAA:2', 'AAA:3']);
  });
});

describe('SimulatedBroker', () => {
  it('implements the replay contract and its options', async () => {
    const broker = createSimulatedBroker({ data: [bars('A', [flat(1), flat(2)])] });
    expect(broker).toBeInstanceOf(SimulatedBroker);
    expect(broker.capabilities).toMatchObject({ replay: true, reduceOnly: true, ioc: true, fetchByClientOrderId: true, shorting: false });
    await broker.connect();
    await broker.connect();
    expect((await broker.getMarkets()).map((m) => [m.symbol, m.quote])).toEqual([['A', 'USD']]);
    expect(await broker.getBalances()).toEqual([{ currency: 'USD', free: 1_000_000, used: 0, total: 1_000_000 }]);
    await broker.close();
    await broker.close();
    expect(await broker.submitOrder({ symbol: 'A', side: 'buy', type: 'market', amount: 1 })).toMatchObject({
      accepted: false,
      reason: 'the simulated broker is closed',
    });
  });

  it('serves only the loaded timeframe and known symbols', async () => {
    const broker = new SimulatedBroker({ data: [bars('A', [flat(1)])] });
    await expect(broker.getBars('A', '5m', 10)).rejects.toSatisfy((e) => isBtError(e, 'NOT_SUPPORTED'));
    await expect(broker.getBars('Z', '1m', 10)).rejects.toSatisfy((e) => isBtError(e, 'DATA'));
    await expect(broker.advanceTime('Z')).rejects.toSatisfy((e) => isBtError(e, 'DATA'));
    expect(() => new SimulatedBroker({ data: [] })).toThrow(/at least one BarColumns/);
    expect(() => new SimulatedBroker({ data: [bars('A', [flat(1)]), bars('A', [flat(2)])] })).toThrow(
      'data[1]: symbol "A" (rows of A) appears twice',
    );
  });

  it('reuses one bar window per symbol and limit, and moves it only when asked again', async () => {
    const { broker } = simulate([bars('A', [flat(1), flat(2), flat(3)])]);
    await broker.advanceTime('A');
    const series = await broker.getBars('A', '1m', 2);
    await broker.advanceTime('A');
    expect(series.length).toBe(1);
    expect(await broker.getBars('A', '1m', 2)).toBe(series);
    expect(series.length).toBe(2);
    const wide = await broker.getBars('A', '1m', 10);
    expect(wide).not.toBe(series);
    expect(series.close(-1)).toBe(2);
  });

  it('returns frozen positions and orders, replaced on change', async () => {
    const sim = simulate([bars('A', [flat(1), flat(2), flat(3)])]);
    await sim.step();
    const before = await sim.broker.getPositions('A');
    expect(await sim.broker.getPositions('A')).toBe(before);
    expect(before).toEqual([expect.objectContaining({ symbol: 'A', side: 'flat', size: 0 })]);
    expect(await sim.broker.getPositions()).toEqual([]);
    await sim.broker.submitOrder({ symbol: 'A', side: 'buy', type: 'market', amount: 1 });
    const [open] = await sim.broker.getOpenOrders('A');
    expect(Object.isFrozen(open)).toBe(true);
    await sim.step();
    expect(open?.status).toBe('open');
    const after = await sim.broker.getPositions('A');
    expect(after).not.toBe(before);
    expect(after[0]).toMatchObject({ side: 'long', size: 1, entryPrice: 2 });
    expect(Object.isFrozen(after[0])).toBe(true);
  });

  it('keeps matching when a listener throws, and reports it', async () => {
    const records: LogRecord[] = [];
    const sim = simulate([bars('A', [flat(1), flat(2), flat(3)])], { logger: createMemoryLogger(records) });
    sim.broker.subscribe(() => {
      throw new Error('boom');
    });
    const late: string[] = [];
    const unsubscribe = sim.broker.subscribe((event) => late.push(event.type));
    await sim.step();
    await sim.broker.submitOrder({ symbol: 'A', side: 'buy', type: 'market', amount: 1 });
    await sim.step();
    expect(sim.fills()).toHaveLength(1);
    expect(late).toEqual(['fill', 'order']);
    expect(records.map((r) => [r.level, r.fields.cause])).toEqual([
      ['warn', 'boom'],
      ['warn', 'boom'],
    ]);
    unsubscribe();
    unsubscribe();
  });
});
