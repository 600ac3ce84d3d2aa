import type { ExitInFlight as CoreExitInFlight, ExitRules, OrderSide, OrderSource, OrderType, TimeInForce } from '@bt/core';
import type { IntentStatus } from './lifecycle.js';

/** How a run trades. */
export type RunMode = 'live' | 'paper' | 'backtest';

/** Where a run is: still `running`, `stopped` by a close, or `interrupted` (found running by a later open: it crashed). */
export type RunStatus = 'running' | 'stopped' | 'interrupted';

/** One process lifetime of a bot, as journaled. */
export interface RunRow {
  readonly id: number;
  readonly botName: string;
  readonly mode: RunMode;
  /** Hash of the configuration it ran with, if given. */
  readonly configHash?: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  /** When it was closed; for an interrupted run, its last heartbeat. */
  readonly endedAt?: number;
  readonly status: RunStatus;
  readonly endReason?: string;
}

/** Who holds a bot's lock. */
export interface LockOwner {
  readonly botName: string;
  readonly pid: number;
  readonly host: string;
  readonly runId?: number;
  readonly acquiredAt: number;
  readonly heartbeatAt: number;
}

/** An order the bot means to send, as {@link SqliteJournal.recordIntent} takes it. */
export interface IntentInput {
  /** The strategy that wants it (or owns the trade an exit closes). */
  readonly strategy: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Base-currency amount, positive. */
  readonly amount: number;
  readonly price?: number;
  readonly stopPrice?: number;
  /** Defaults to GTC. */
  readonly timeInForce?: TimeInForce;
  /** Defaults to false. */
  readonly reduceOnly?: boolean;
  /** Free-form tag sent with the order; defaults to the strategy. */
  readonly tag?: string;
  /** Who sends it; defaults to `strategy`. */
  readonly source?: OrderSource;
  /** Why (the trade manager's exit reason, or any words). */
  readonly reason?: string;
}

/** An order intent and where it is in its life. */
export interface IntentRow {
  /** `<prefix>-<symbolTag>-<seq>`, stable across restarts and never reused. */
  readonly clientOrderId: string;
  /** The bot's order sequence number the id was made from. */
  readonly seq: number;
  /** The run that recorded it. */
  readonly runId: number;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly amount: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly tag?: string;
  readonly source: OrderSource;
  readonly reason?: string;
  readonly venueOrderId?: string;
  readonly status: IntentStatus;
  /** Base amount filled, as the venue last reported it. */
  readonly filled: number;
  readonly averagePrice?: number;
  readonly createdAt: number;
  readonly sentAt?: number;
  readonly ackedAt?: number;
  readonly updatedAt: number;
  /** When it reached a final status. */
  readonly finalAt?: number;
  /** The last error or rejection reason, in words. */
  readonly lastError?: string;
}

/** A lifecycle update: the new status and what the venue said with it. */
export interface IntentUpdate {
  readonly status: IntentStatus;
  readonly venueOrderId?: string;
  /** Base amount filled so far; a smaller number than the one recorded (a stale report) is ignored. */
  readonly filled?: number;
  readonly averagePrice?: number;
  readonly error?: string;
}

/** A journaled fill. */
export interface FillRow {
  /** Order of recording, from 1. */
  readonly seq: number;
  /** The venue's trade (execution) id. */
  readonly tradeId: string;
  readonly venueOrderId: string;
  readonly clientOrderId: string;
  /** The strategy of the intent it fills. */
  readonly strategy: string;
  readonly runId: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly amount: number;
  readonly fee: number;
  readonly feeCurrency: string;
  readonly maker: boolean;
  /** When it executed at the venue (ms). */
  readonly time: number;
  /** When it was journaled (journal clock, ms). */
  readonly recordedAt: number;
  /** Where it came from: see {@link FillOrigin}. */
  readonly origin: FillOrigin;
  /** Recorded by recovery and not yet handed to the strategies (see {@link SqliteJournal.markFillDelivered}). */
  readonly pendingDelivery: boolean;
}

/**
 * Where a journaled fill came from: `venue`, an execution the venue reported; `reconstructed`,
 * rebuilt by recovery from an order's filled amount and average price (the broker could not list
 * the executions); `adjustment`, not a trade but the bot's position set to what the venue proved
 * when its state was accepted (`acceptVenue`).
 */
export type FillOrigin = 'venue' | 'reconstructed' | 'adjustment';

/** How {@link SqliteJournal.recordFill} records a fill. */
export interface RecordFillOptions {
  /** Defaults to `venue`. */
  readonly origin?: FillOrigin;
  /**
   * Recorded by recovery before any strategy runs: the fill stays pending until the controller
   * is handed it (the order store's `recordFill` then takes it as new, once). Defaults to false.
   */
  readonly pendingDelivery?: boolean;
}

/** What {@link SqliteJournal.recordFill} did: `inserted: false` for a fill already journaled. */
export interface RecordFillResult {
  readonly inserted: boolean;
  /** The journaled fill (the earlier one when it was a duplicate). */
  readonly fill: FillRow;
}

/** The bot's net position in one symbol, from its own journaled fills. */
export interface NetPosition {
  readonly symbol: string;
  /** Bought minus sold, base units: positive long, negative short; rounding dust of a round trip is 0. */
  readonly amount: number;
  /** Base units bought. */
  readonly bought: number;
  /** Base units sold. */
  readonly sold: number;
  readonly fills: number;
  readonly lastFillTime: number;
}

/**
 * The exit the trade manager has in flight for a trade, as typed state: core's `ExitInFlight`
 * (`none`, `submitting { clientOrderId, reason, attempts, nextAttemptAt }` or `working { clientOrderId }`).
 */
export type ExitInFlight = CoreExitInFlight;

/** The trade manager's state of one position, as {@link SqliteJournal.saveTrade} takes it. */
export interface TradeInput {
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  /** Open size, base units, positive. */
  readonly amount: number;
  readonly entryPrice: number;
  readonly entryTime: number;
  /** Best price since entry: highest for a long, lowest for a short. */
  readonly bestPrice: number;
  readonly exits: ExitRules;
  /** Defaults to `{ kind: 'none' }`. */
  readonly exit?: ExitInFlight;
}

/** The trade manager's state of one position, as journaled. */
export interface TradeRow extends TradeInput {
  readonly exit: ExitInFlight;
  readonly updatedAt: number;
}

/** One entry of the append-only event log. */
export interface EventRow {
  readonly seq: number;
  readonly time: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly runId?: number;
}

/** What the open of a journal found and did. */
export interface OpenReport {
  /** Schema version of the file before the open (0 for a new file). */
  readonly schemaFrom: number;
  /** Schema version after the open: the code's. */
  readonly schemaTo: number;
  /** The dead owner whose lock this open took over, if it did. */
  readonly tookOverFrom?: LockOwner;
  /** Runs of this bot that were still `running` at the open: they crashed; now marked `interrupted`. */
  readonly interruptedRuns: readonly RunRow[];
}
