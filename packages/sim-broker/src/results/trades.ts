import type { Fill } from '@bt/core';
import { compareSymbols } from '../markets.js';
import type { TradeRow } from './types.js';

/** A lot smaller than this fraction of its original size is closed: float rounding. */
const DUST = 1e-12;

interface Lot {
  readonly time: number;
  readonly price: number;
  /** Signed. */
  readonly size: number;
  /** Signed, what is still open. */
  left: number;
  readonly order: number;
}

/**
 * Round trips from fills (in execution order): FIFO lots per symbol. A fill on the side of the
 * position (or from flat) opens a lot at its price and time; a fill against it closes the oldest
 * lots first, one row per (lot, fill) with `pnl = (exit - entry) x size`; what is left of a fill
 * after closing every lot opens a lot on the other side. Open lots become rows without exit.
 * Rows are sorted by symbol, then entry time, then the order the lots were opened, then
 * the order the rows were made.
 */
export function buildTrades(fills: readonly Fill[]): TradeRow[] {
  const lotsBySymbol = new Map<string, Lot[]>();
  const rows: { row: TradeRow; order: number; seq: number }[] = [];
  let opened = 0;
  for (const fill of fills) {
    let lots = lotsBySymbol.get(fill.symbol);
    if (lots === undefined) {
      lots = [];
      lotsBySymbol.set(fill.symbol, lots);
    }
    const direction = fill.side === 'buy' ? 1 : -1;
    let rest = fill.amount;
    while (rest > 0 && lots.length > 0 && Math.sign((lots[0] as Lot).left) === -direction) {
      const lot = lots[0] as Lot;
      const held = Math.abs(lot.left);
      const closed = Math.min(held, rest);
      const size = Math.sign(lot.left) * closed;
      rows.push({
        row: {
          symbol: fill.symbol,
          entryTime: lot.time,
          entryPrice: lot.price,
          exitTime: fill.timestamp,
          exitPrice: fill.price,
          size,
          pnl: (fill.price - lot.price) * size,
        },
        order: lot.order,
        seq: rows.length,
      });
      rest = closed === rest ? 0 : rest - closed;
      const left = closed === held ? 0 : lot.left - size;
      if (Math.abs(left) <= DUST * Math.abs(lot.size)) lots.shift();
      else lot.left = left;
    }
    if (rest > DUST * fill.amount) {
      lots.push({ time: fill.timestamp, price: fill.price, size: direction * rest, left: direction * rest, order: opened++ });
    }
  }
  for (const [symbol, lots] of lotsBySymbol) {
    for (const lot of lots)
      rows.push({ row: { symbol, entryTime: lot.time, entryPrice: lot.price, size: lot.left }, order: lot.order, seq: rows.length });
  }
  rows.sort(
    (a, b) => compareSymbols(a.row.symbol, b.row.symbol) || a.row.entryTime - b.row.entryTime || a.order - b.order || a.seq - b.seq,
  );
  return rows.map((r) => r.row);
}
