import type { ExitRules } from './strategy.js';
import type { ExitInFlight, ExitReason, StoredTrade } from './trade-store.js';

/**
 * What the trade manager knows of an exit's last step: `idle` (no exit, or working at the
 * venue), `sending` (a submission or look-up awaits its answer), `unknown` (a submission threw
 * without proving the order stayed home, or the exit was restored: look it up at `retryAt`
 * before anything is sent again) or `failed` (rejected, or proven absent: send again at `retryAt`).
 */
export type ExitStep = 'idle' | 'sending' | 'unknown' | 'failed';

/** The trade manager's record of one position slice (internal to the trade manager). */
export interface TradeState {
  /** `symbol \u0000 strategyId`: its key in the trade map. */
  readonly key: string;
  symbol: string;
  strategyId: string;
  side: 'long' | 'short';
  size: number;
  entryPrice: number;
  openedAt: number;
  bestPrice: number;
  exits: ExitRules;
  /** The exit in flight, as stored. */
  exit: ExitInFlight;
  step: ExitStep;
  /** When the exit's next step is due (controller clock, ms). */
  retryAt: number;
  /** The reason and submission count of the exit in flight, kept while it works (to send it again if the venue ends it). */
  reason: ExitReason | undefined;
  attempts: number;
  /** Look-ups and submissions failed in a row: the backoff's exponent. */
  failures: number;
  /** How the venue ended the exit unfilled while its submission still awaited the answer, if it did. */
  endedEarly: 'canceled' | 'rejected' | undefined;
  /** The amount the exit in flight asked for; undefined when not known (none, or restored and not looked up yet). */
  exitAmount: number | undefined;
  /** The fills of the exit in flight handed to the trade manager so far. */
  exitFilled: number;
  /** The orders in flight covered the position when the rules last called for an exit (logged once, not at each pass). */
  covered: boolean;
}

/** No exit in flight. */
export const NO_EXIT: ExitInFlight = Object.freeze({ kind: 'none' });

/** A new trade record, with no exit in flight. */
export function newTrade(
  key: string,
  symbol: string,
  strategyId: string,
  side: 'long' | 'short',
  size: number,
  price: number,
  openedAt: number,
  exits: ExitRules,
): TradeState {
  return {
    key,
    symbol,
    strategyId,
    side,
    size,
    entryPrice: price,
    openedAt,
    bestPrice: price,
    exits,
    exit: NO_EXIT,
    step: 'idle',
    retryAt: Number.NEGATIVE_INFINITY,
    reason: undefined,
    attempts: 0,
    failures: 0,
    endedEarly: undefined,
    exitAmount: undefined,
    exitFilled: 0,
    covered: false,
  };
}

/** A stored trade as a trade record: an exit in flight is to be looked up before anything is sent again. */
export function restoredTrade(saved: StoredTrade): TradeState {
  const key = `${saved.symbol}\u0000${saved.strategyId}`;
  const trade = newTrade(key, saved.symbol, saved.strategyId, saved.side, saved.size, saved.entryPrice, saved.openedAt, saved.exits);
  const exit = saved.exit;
  trade.bestPrice = saved.bestPrice;
  trade.exit = exit;
  if (exit.kind !== 'none') trade.step = 'unknown';
  if (exit.kind === 'submitting') {
    trade.retryAt = exit.nextAttemptAt;
    trade.reason = exit.reason;
    trade.attempts = exit.attempts;
  }
  return trade;
}

/** The trade as a store keeps it, with exit `exit`. */
export function storedTrade(trade: TradeState, exit: ExitInFlight): StoredTrade {
  const { symbol, strategyId, side, size, entryPrice, openedAt, bestPrice, exits } = trade;
  return { symbol, strategyId, side, size, entryPrice, openedAt, bestPrice, exits, exit };
}
