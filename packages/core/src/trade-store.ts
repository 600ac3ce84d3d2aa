import type { ExitRules } from './strategy.js';

/** Why the trade manager closed a trade. */
export type ExitReason = 'stop-loss' | 'take-profit' | 'trailing-stop' | 'max-holding-time';

/**
 * The exit the trade manager has in flight for a trade, as typed state:
 *
 * - `none`: no exit; the trade's rules are evaluated at every pass;
 * - `submitting`: an exit for `reason` is being placed; `clientOrderId` is its latest attempt,
 *   recorded before it was sent; `attempts` counts the submissions so far (from 1), and
 *   `nextAttemptAt` is when to try again should this attempt fail (controller clock, ms);
 * - `working`: the venue accepted exit `clientOrderId`; the trade ends with its fills.
 */
export type ExitInFlight =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'submitting';
      readonly clientOrderId: string;
      readonly reason: ExitReason;
      /** Submissions tried so far, from 1. */
      readonly attempts: number;
      /** When to try again if this attempt fails (ms). */
      readonly nextAttemptAt: number;
    }
  | { readonly kind: 'working'; readonly clientOrderId: string };

/** The trade manager's state of one position (one strategy's slice of one symbol), as a {@link TradeStateStore} keeps it. */
export interface StoredTrade {
  readonly symbol: string;
  readonly strategyId: string;
  readonly side: 'long' | 'short';
  /** Open size, base units, positive. */
  readonly size: number;
  readonly entryPrice: number;
  /** When the trade opened (ms, integer). */
  readonly openedAt: number;
  /** Best price since entry: highest for a long, lowest for a short. */
  readonly bestPrice: number;
  /** The rules the trade is managed by. */
  readonly exits: ExitRules;
  readonly exit: ExitInFlight;
}

/**
 * Port: where the trade manager keeps its state per position, so that exits in flight can be
 * re-armed after a restart. Every method is synchronous and durable when it returns, and throws
 * (a `BtError`) when it cannot write. @bt/journal implements it over its SQLite file.
 */
export interface TradeStateStore {
  /** Writes the whole state of one position (created or replaced). */
  saveTrade(trade: StoredTrade): void;
  /** Sets the exit in flight of a saved position. */
  setTradeExit(symbol: string, strategyId: string, exit: ExitInFlight): void;
  /** Forgets a position that closed. */
  removeTrade(symbol: string, strategyId: string): void;
  /** Every saved position, by symbol then strategy. */
  loadTrades(): StoredTrade[];
}
