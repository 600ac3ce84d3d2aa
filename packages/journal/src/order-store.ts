import type {
  ExitInFlight,
  Fill,
  FillOutcome,
  Order,
  OrderAck,
  OrderInFlight,
  OrderIntent,
  OrderJournalEntry,
  OrderRequest,
  OrderStore,
  StoredTrade,
  SubmitOutcome,
  TradeStateStore,
} from '@bt/core';
import { isJournalError } from './errors.js';
import { requestOf } from './intents.js';
import type { SqliteJournal } from './journal.js';
import { canTransition } from './lifecycle.js';
import type { IntentInput, IntentRow, TradeRow } from './types.js';

/** A fill of at least this fraction of the intent's amount fills it (rounding of venue amounts). */
const FILLED = 1 - 1e-9;

type MutableEntry = { -readonly [K in keyof OrderJournalEntry]: OrderJournalEntry[K] };

/**
 * Core's {@link OrderStore} port over a {@link SqliteJournal}: the controller's orders, fills and
 * trade-manager state go to the journal file as they happen. Client order ids are the journal's
 * (`<prefix>-<symbolTag>-<seq>`, stable across restarts); an intent is on disk before the order
 * is sent; an ack, a failure (outcome `unknown` or `rejected`), order updates and fills are
 * journaled when they arrive, fills de-duplicated by identity. Venue reports that arrive out of
 * order (a fill before the ack) keep the later status. A fill `recoverFromVenue` journaled
 * and no strategy was handed yet counts as new once (`controller.replayFills`). Reports of orders that are not the bot's
 * are ignored; other journal failures are thrown (the controller logs them).
 *
 * Created by {@link journalOrderStore}.
 */
export class JournalOrderStore implements OrderStore {
  readonly #journal: SqliteJournal;
  /** The orders sent by this process, by client order id, in submission order. */
  readonly #sent = new Map<string, MutableEntry>();
  readonly trades: TradeStateStore;

  constructor(journal: SqliteJournal) {
    this.#journal = journal;
    this.trades = tradeStateStore(journal);
  }

  /** The journal written to. */
  get journal(): SqliteJournal {
    return this.#journal;
  }

  recordIntent(intent: OrderIntent, recorded?: (request: OrderRequest) => void): OrderRequest {
    const request = this.#journal.transaction(() => {
      const row = this.#journal.recordIntent(intentInput(intent));
      const request = requestOf(row);
      recorded?.(request);
      return request;
    });
    const clientOrderId = request.clientOrderId as string;
    this.#sent.set(clientOrderId, {
      clientOrderId,
      symbol: intent.symbol,
      strategyId: intent.strategyId,
      source: intent.source,
      reason: intent.reason,
      request,
      submittedAt: intent.at,
      ack: undefined,
      error: undefined,
    });
    return request;
  }

  recordAck(request: OrderRequest, ack: OrderAck): void {
    const clientOrderId = request.clientOrderId as string;
    const entry = this.#sent.get(clientOrderId);
    if (entry !== undefined) entry.ack = ack;
    try {
      this.#journal.recordAck(clientOrderId, ack);
    } catch (error) {
      if (!isJournalError(error, 'ILLEGAL_TRANSITION')) throw error;
      // A fill or an update got there first (a stream can beat the answer): keep its later
      // status, and take the venue's order id from the ack.
      const current = this.#journal.intent(clientOrderId);
      if (ack.accepted && ack.orderId !== undefined && current !== undefined && current.venueOrderId === undefined) {
        this.#journal.updateIntent(clientOrderId, { status: current.status, venueOrderId: ack.orderId });
      }
    }
  }

  recordFailure(request: OrderRequest, error: unknown, outcome: SubmitOutcome): void {
    const clientOrderId = request.clientOrderId as string;
    const message = error instanceof Error ? error.message : String(error);
    const entry = this.#sent.get(clientOrderId);
    if (entry !== undefined) entry.error = message;
    const current = this.#journal.intent(clientOrderId);
    // The venue's own report (a fill, an update) may have settled it already: that fact stands.
    if (current === undefined || !canTransition(current.status, outcome)) return;
    if (outcome === 'unknown') this.#journal.markUnknown(clientOrderId, message);
    else this.#journal.updateIntent(clientOrderId, { status: 'rejected', error: message });
  }

  recordOrder(order: Order): void {
    try {
      this.#journal.recordOrder(order);
    } catch (error) {
      // Not the bot's order, or a report older than what is journaled.
      if (isJournalError(error, 'UNKNOWN_ORDER') || isJournalError(error, 'ILLEGAL_TRANSITION')) return;
      throw error;
    }
  }

  markAbsent(clientOrderId: string, reason: string): void {
    try {
      this.#journal.markAbsent(clientOrderId, reason);
    } catch (error) {
      // An id whose intent was never committed (its write failed): nothing to mark.
      if (!isJournalError(error, 'UNKNOWN_ORDER')) throw error;
    }
  }

  recordFill(fill: Fill): FillOutcome {
    let clientOrderId: string | undefined;
    try {
      clientOrderId = this.#journal.transaction(() => {
        const result = this.#journal.recordFill(fill);
        // A fill recovery journaled before any strategy ran is new to the controller, once.
        if (!result.inserted)
          return result.fill.pendingDelivery && this.#journal.markFillDelivered(result.fill.seq) ? result.fill.clientOrderId : undefined;
        this.#advance(result.fill.clientOrderId, fill);
        return result.fill.clientOrderId;
      });
    } catch (error) {
      if (isJournalError(error, 'UNKNOWN_ORDER')) return undefined;
      throw error;
    }
    return clientOrderId === undefined ? 'duplicate' : this.request(clientOrderId);
  }

  request(clientOrderId: string | undefined): OrderRequest | undefined {
    if (clientOrderId === undefined) return undefined;
    const sent = this.#sent.get(clientOrderId);
    if (sent !== undefined) return sent.request;
    // An order of an earlier run of the bot.
    const intent = this.#journal.intent(clientOrderId);
    return intent === undefined ? undefined : requestOf(intent);
  }

  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    const entry = clientOrderId === undefined ? undefined : this.#sent.get(clientOrderId);
    return entry === undefined ? undefined : { ...entry };
  }

  /** The orders this process sent, in submission order (the journal has every run's: {@link SqliteJournal.intents}). */
  entries(): OrderJournalEntry[] {
    return [...this.#sent.values()].map((entry) => ({ ...entry }));
  }

  /**
   * The intents of earlier runs that are not final, oldest first, for `controller.resumeOrders`
   * (call it after `recoverFromVenue`, before `replayFills`): acknowledged ones (`open`,
   * `partially-filled`) as `open`, the others (`intent`, `sent`, `unknown`: recovery could not
   * settle them) as `unknown`, each with its fills already handed to a strategy.
   */
  inFlight(): OrderInFlight[] {
    const orders: OrderInFlight[] = [];
    for (const intent of this.#journal.openIntents()) {
      if (this.#sent.has(intent.clientOrderId)) continue;
      let filled = 0;
      for (const fill of this.#journal.fillsOf(intent.clientOrderId)) if (!fill.pendingDelivery) filled += fill.amount;
      orders.push({
        request: requestOf(intent),
        strategyId: intent.strategy,
        source: intent.source,
        status: intent.status === 'open' || intent.status === 'partially-filled' ? 'open' : 'unknown',
        filled,
        submittedAt: intent.createdAt,
      });
    }
    return orders;
  }

  /** Moves the intent to `partially-filled` or `filled` with the amount of its journaled fills, unless the venue already said more. */
  #advance(clientOrderId: string, fill: Fill): void {
    const intent = this.#journal.intent(clientOrderId) as IntentRow;
    const fills = this.#journal.fillsOf(clientOrderId);
    let filled = 0;
    let notional = 0;
    for (const f of fills) {
      filled += f.amount;
      notional += f.amount * f.price;
    }
    const status = filled >= intent.amount * FILLED ? 'filled' : 'partially-filled';
    if (filled <= intent.filled || !canTransition(intent.status, status)) return;
    this.#journal.updateIntent(clientOrderId, {
      status,
      filled,
      averagePrice: notional / filled,
      ...(intent.venueOrderId === undefined ? { venueOrderId: fill.orderId } : {}),
    });
  }
}

/**
 * The {@link OrderStore} of a live controller over `journal`: pass it as the controller's
 * `orderStore`. Its `trades` keep the trade manager's state per position in the same file.
 *
 * @example
 * ```ts
 * const journal = SqliteJournal.open({ file: 'state/grid.journal', botName: 'grid', clock });
 * const controller = new TradingController({ broker, clock, symbols, pacing: { kind: 'live' }, orderStore: journalOrderStore(journal) });
 * ```
 */
export function journalOrderStore(journal: SqliteJournal): JournalOrderStore {
  return new JournalOrderStore(journal);
}

/** What the journal records of an order the gateway is about to send. */
function intentInput(intent: OrderIntent): IntentInput {
  const { order } = intent;
  return {
    strategy: intent.strategyId,
    symbol: intent.symbol,
    side: order.side,
    type: order.type,
    amount: order.amount,
    ...(order.price === undefined ? {} : { price: order.price }),
    ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
    ...(order.timeInForce === undefined ? {} : { timeInForce: order.timeInForce }),
    ...(order.reduceOnly === undefined ? {} : { reduceOnly: order.reduceOnly }),
    // The controller routes events by the request's tag: the strategy id.
    tag: intent.strategyId,
    source: intent.source,
    ...(intent.reason === undefined ? {} : { reason: intent.reason }),
  };
}

/** Core's {@link TradeStateStore} port over the journal's trade table. */
function tradeStateStore(journal: SqliteJournal): TradeStateStore {
  return {
    saveTrade(trade: StoredTrade): void {
      journal.saveTrade({
        symbol: trade.symbol,
        strategy: trade.strategyId,
        side: trade.side,
        amount: trade.size,
        entryPrice: trade.entryPrice,
        entryTime: Math.round(trade.openedAt),
        bestPrice: trade.bestPrice,
        exits: trade.exits,
        exit: wholeMs(trade.exit),
      });
    },
    setTradeExit(symbol: string, strategyId: string, exit: ExitInFlight): void {
      journal.setTradeExit(symbol, strategyId, wholeMs(exit));
    },
    removeTrade(symbol: string, strategyId: string): void {
      journal.removeTrade(symbol, strategyId);
    },
    loadTrades(): StoredTrade[] {
      return journal.openTrades().map(storedTradeOf);
    },
  };
}

/** The exit with its next attempt time in whole milliseconds, as the journal keeps times. */
function wholeMs(exit: ExitInFlight): ExitInFlight {
  return exit.kind === 'submitting' && !Number.isInteger(exit.nextAttemptAt)
    ? { ...exit, nextAttemptAt: Math.ceil(exit.nextAttemptAt) }
    : exit;
}

function storedTradeOf(row: TradeRow): StoredTrade {
  return {
    symbol: row.symbol,
    strategyId: row.strategy,
    side: row.side,
    size: row.amount,
    entryPrice: row.entryPrice,
    openedAt: row.entryTime,
    bestPrice: row.bestPrice,
    exits: row.exits,
    exit: row.exit,
  };
}
