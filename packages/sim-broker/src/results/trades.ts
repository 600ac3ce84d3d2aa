import type { Fill, OrderSide } from '@bt/core';
import { compareSymbols } from '../markets.js';
import type { TradeRow } from './types.js';

/** A lot smaller than this fraction of its original size is closed: float rounding. */
const DUST = 1e-12;

/**
 * Executions in execution order, read by index: what {@link tradesOf} needs of each fill. The
 * matching engine reads them from its columnar fill log, without making the fills.
 */
export interface ExecutionSource {
  readonly length: number;
  symbol(i: number): string;
  side(i: number): OrderSide;
  amount(i: number): number;
  price(i: number): number;
  timestamp(i: number): number;
}

interface Lot {
  readonly time: number;
  readonly price: number;
  /** Signed. */
  readonly size: number;
  /** Signed, what is still open. */
  left: number;
  /** Opening order among every lot (of every symbol). */
  readonly order: number;
}

/** One symbol's open lots (oldest first, from `head` on) and rows made so far. */
interface SymbolBook {
  readonly symbol: string;
  readonly lots: Lot[];
  head: number;
  readonly rows: TradeRow[];
  /** Lot order of each row, for the sort check. */
  readonly rowLots: number[];
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
  return tradesOf({
    length: fills.length,
    symbol: (i) => (fills[i] as Fill).symbol,
    side: (i) => (fills[i] as Fill).side,
    amount: (i) => (fills[i] as Fill).amount,
    price: (i) => (fills[i] as Fill).price,
    timestamp: (i) => (fills[i] as Fill).timestamp,
  });
}

/**
 * {@link buildTrades} over executions read by index. Each symbol's rows come out of the FIFO
 * already in (entry time, lot, row) order whenever its fills' times never go back, which is every
 * run's case: they are then only grouped by symbol, and sorted only if they are not in order.
 */
export function tradesOf(executions: ExecutionSource): TradeRow[] {
  const books = new Map<string, SymbolBook>();
  let opened = 0;
  for (let i = 0; i < executions.length; i++) {
    const symbol = executions.symbol(i);
    let book = books.get(symbol);
    if (book === undefined) {
      book = { symbol, lots: [], head: 0, rows: [], rowLots: [] };
      books.set(symbol, book);
    }
    const amount = executions.amount(i);
    const price = executions.price(i);
    const timestamp = executions.timestamp(i);
    const direction = executions.side(i) === 'buy' ? 1 : -1;
    const lots = book.lots;
    let rest = amount;
    while (rest > 0 && book.head < lots.length && Math.sign((lots[book.head] as Lot).left) === -direction) {
      const lot = lots[book.head] as Lot;
      const held = Math.abs(lot.left);
      const closed = Math.min(held, rest);
      const size = Math.sign(lot.left) * closed;
      book.rows.push({
        symbol,
        entryTime: lot.time,
        entryPrice: lot.price,
        exitTime: timestamp,
        exitPrice: price,
        size,
        pnl: (price - lot.price) * size,
      });
      book.rowLots.push(lot.order);
      rest = closed === rest ? 0 : rest - closed;
      const left = closed === held ? 0 : lot.left - size;
      if (Math.abs(left) <= DUST * Math.abs(lot.size)) book.head++;
      else lot.left = left;
    }
    if (rest > DUST * amount) lots.push({ time: timestamp, price, size: direction * rest, left: direction * rest, order: opened++ });
  }
  const symbols = [...books.values()].sort((a, b) => compareSymbols(a.symbol, b.symbol));
  const trades: TradeRow[] = [];
  for (const book of symbols) {
    for (let j = book.head; j < book.lots.length; j++) {
      const lot = book.lots[j] as Lot;
      book.rows.push({ symbol: book.symbol, entryTime: lot.time, entryPrice: lot.price, size: lot.left });
      book.rowLots.push(lot.order);
    }
    const rows = inEntryOrder(book);
    for (let j = 0; j < rows.length; j++) trades.push(rows[j] as TradeRow);
  }
  return trades;
}

/** A symbol's rows by entry time, then lot, then the order they were made (a stable sort, when not already so). */
function inEntryOrder(book: SymbolBook): readonly TradeRow[] {
  const { rows, rowLots } = book;
  let sorted = true;
  for (let j = 1; j < rows.length && sorted; j++) {
    const dt = (rows[j] as TradeRow).entryTime - (rows[j - 1] as TradeRow).entryTime;
    sorted = dt > 0 || (dt === 0 && (rowLots[j] as number) >= (rowLots[j - 1] as number));
  }
  if (sorted) return rows;
  const index = rows.map((_, j) => j);
  index.sort(
    (a, b) => (rows[a] as TradeRow).entryTime - (rows[b] as TradeRow).entryTime || (rowLots[a] as number) - (rowLots[b] as number) || a - b,
  );
  return index.map((j) => rows[j] as TradeRow);
}
