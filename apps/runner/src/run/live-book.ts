import type { Fill } from '@bt/core';
import type { FillRow, IntentRow, JournalView } from '@bt/journal';
import type { TradeRow } from '@bt/sim-broker';
import { buildTrades } from '@bt/sim-broker';

/** The journal reads in pages; this many rows per page. */
const PAGE = 1000;

/** Every row of a paged journal list (`intents` or `fills`), in sequence order. */
function allRows<T extends { readonly seq: number }>(list: (query: { afterSeq: number; limit: number }) => T[]): T[] {
  const rows: T[] = [];
  for (;;) {
    const page = list({ afterSeq: rows.at(-1)?.seq ?? 0, limit: PAGE });
    rows.push(...page);
    if (page.length < PAGE) return rows;
  }
}

/** Every intent of the bot, in sequence order. */
export function allIntents(journal: JournalView): IntentRow[] {
  return allRows((q) => journal.intents(q));
}

/** Every fill of the bot, in recording order. */
export function allFills(journal: JournalView): FillRow[] {
  return allRows((q) => journal.fills(q));
}

/** A journaled fill as core's `Fill` (the tag is its intent's): @bt/journal's. */
export { fillOf } from '@bt/journal';

/** The bot's open position in one symbol: FIFO lots of its own fills. */
export interface BookPosition {
  readonly symbol: string;
  /** Signed base amount: positive long, negative short. */
  readonly amount: number;
  /** Average entry price of the open lots. */
  readonly entryPrice: number;
  /** The price it is marked at, when known. */
  readonly mark?: number;
  readonly unrealizedPnl: number;
}

/** The bot's book: what its own fills made, marked at the latest prices. */
export interface Book {
  /** Sum of the closed round trips' PnL, before fees. */
  readonly realizedPnl: number;
  /** Open lots marked at `marks` (0 for a symbol without a mark). */
  readonly unrealizedPnl: number;
  /** Fees of every fill (the quote currency's, as the venue charged them). */
  readonly fees: number;
  /** `realizedPnl + unrealizedPnl - fees`. */
  readonly netPnl: number;
  readonly positions: readonly BookPosition[];
  readonly trades: readonly TradeRow[];
}

/**
 * The book of `fills` (execution order) marked at `marks` (symbol → price): FIFO round trips as a
 * backtest's trades.csv has them, realized and unrealized PnL, and fees.
 *
 * @example
 * ```ts
 * const book = bookOf(allFills(journal).map((f) => fillOf(f)), { 'BTC/USDT': 23_500 });
 * ```
 */
export function bookOf(fills: readonly Fill[], marks: Readonly<Record<string, number>>): Book {
  const trades = buildTrades(fills);
  let realizedPnl = 0;
  const open = new Map<string, { amount: number; cost: number }>();
  for (const t of trades) {
    if (t.exitTime !== undefined) {
      realizedPnl += t.pnl ?? 0;
      continue;
    }
    const lot = open.get(t.symbol) ?? { amount: 0, cost: 0 };
    lot.amount += t.size;
    lot.cost += t.size * t.entryPrice;
    open.set(t.symbol, lot);
  }
  let unrealizedPnl = 0;
  const positions: BookPosition[] = [];
  for (const [symbol, lot] of open) {
    if (lot.amount === 0) continue;
    const entryPrice = lot.cost / lot.amount;
    const mark = marks[symbol];
    const pnl = mark === undefined ? 0 : (mark - entryPrice) * lot.amount;
    unrealizedPnl += pnl;
    positions.push({ symbol, amount: lot.amount, entryPrice, ...(mark === undefined ? {} : { mark }), unrealizedPnl: pnl });
  }
  const fees = fills.reduce((sum, f) => sum + f.fee, 0);
  return { realizedPnl, unrealizedPnl, fees, netPnl: realizedPnl + unrealizedPnl - fees, positions, trades };
}
