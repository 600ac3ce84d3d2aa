import type { BrokerEvent, Timeframe } from '@bt/core';
import type { BarColumns } from '../src/data/columns.js';
import { barsFromRows } from '../src/data/columns.js';
import type { SimulatedBrokerOptions } from '../src/index.js';
import { SimulatedBroker } from '../src/index.js';

/** One bar as `[open, high, low, close, volume]` (volume defaults to 1000). */
export type BarTuple = readonly [number, number, number, number, number?];

export const MINUTE = 60_000;

/** Bars of `symbol` on a 1m grid, the first opening at `startMinute`; `null` leaves a gap. */
export function bars(symbol: string, rows: readonly (BarTuple | null)[], startMinute = 0, timeframe: Timeframe = '1m'): BarColumns {
  const step = timeframe === '1m' ? MINUTE : Number.parseInt(timeframe, 10) * MINUTE;
  const out = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || row === undefined) continue;
    const [open, high, low, close, volume = 1000] = row;
    out.push({ time: startMinute * MINUTE + i * step, open, high, low, close, volume });
  }
  return barsFromRows(symbol, timeframe, out);
}

/** A broker over `data` that records every event it emits. */
export function simulate(data: BarColumns[], options: Omit<SimulatedBrokerOptions, 'data'> = {}) {
  const broker = new SimulatedBroker({ data, ...options });
  const events: BrokerEvent[] = [];
  broker.subscribe((event) => events.push(event));
  return {
    broker,
    events,
    fills: () => events.flatMap((e) => (e.type === 'fill' ? [e.fill] : [])),
    updates: () => events.flatMap((e) => (e.type === 'order' ? [e.order] : [])),
    /** Advances `symbol` (default: the first data symbol) `n` times; returns the last answer. */
    async step(n = 1, symbol = data[0]?.symbol as string): Promise<boolean> {
      let more = true;
      for (let i = 0; i < n; i++) more = await broker.advanceTime(symbol);
      return more;
    },
  };
}
