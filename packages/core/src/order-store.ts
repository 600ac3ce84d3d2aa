import { isBtError } from './errors.js';
import type { Fill, Order, OrderAck, OrderRequest } from './orders.js';
import type { StrategyOrder } from './strategy.js';
import type { TradeStateStore } from './trade-store.js';

/** Who sent an order. */
export type OrderSource = 'strategy' | 'trade-manager';

/** One order as the controller recorded it, before and after the venue answered. */
export interface OrderJournalEntry {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly strategyId: string;
  readonly source: OrderSource;
  /** Why the trade manager sent it (`stop-loss`, `take-profit`...). */
  readonly reason?: string;
  readonly request: OrderRequest;
  /** Controller's clock time at submission. */
  readonly submittedAt: number;
  /** The venue's answer; undefined while in flight or when the call failed. */
  ack?: OrderAck;
  /** The error the submission threw, if any. */
  error?: string;
}

/** An order the gateway is about to send, as it hands it to {@link OrderStore.recordIntent}. */
export interface OrderIntent {
  readonly symbol: string;
  /** The strategy that sends it (or owns the trade an exit closes); the request's tag. */
  readonly strategyId: string;
  readonly order: StrategyOrder;
  readonly source: OrderSource;
  /** Why the trade manager sends it. */
  readonly reason: string | undefined;
  /** Controller's clock time (ms). */
  readonly at: number;
}

/**
 * An order an earlier process sent that is not final yet, as the store recorded it: what
 * {@link OrderStore.inFlight} gives `TradingController.resumeOrders` after a restart.
 */
export interface OrderInFlight {
  /** The request sent, with its client order id and tag. */
  readonly request: OrderRequest;
  readonly strategyId: string;
  readonly source: OrderSource;
  /** `open`: the venue has it; `unknown`: its outcome is not settled (it is not sent again). */
  readonly status: 'open' | 'unknown';
  /** Base amount of its fills already handed to the strategy and the trade manager. */
  readonly filled: number;
  /** When it was recorded (ms). */
  readonly submittedAt: number;
}

/**
 * What the submission of an order that threw left: `unknown` when it may have reached the venue
 * (recovery must ask the venue before anything is sent again), `rejected` when it did not.
 */
export type SubmitOutcome = 'unknown' | 'rejected';

/**
 * The outcome of a submission that threw `error`. `unknown` for an error that does not prove the
 * order stayed home: a retryable `BtError` (network, timeout, rate limit), a `NETWORK` or
 * `RATE_LIMIT` one even when its adapter gave up retrying, one whose `details.outcomeUnknown` is
 * true, and anything that is not a `BtError` (nothing says what it did). `rejected` for the
 * other `BtError`s: business errors (invalid order, insufficient funds, authentication...).
 */
export function submitOutcome(error: unknown): SubmitOutcome {
  if (!isBtError(error)) return 'unknown';
  if (error.retryable || error.code === 'NETWORK' || error.code === 'RATE_LIMIT') return 'unknown';
  return error.details.outcomeUnknown === true ? 'unknown' : 'rejected';
}

/**
 * What a store made of a fill: the request of the fill's order when the fill is new (hand it on),
 * `'duplicate'` when it was recorded before, `undefined` when the order is not one of the store's.
 */
export type FillOutcome = OrderRequest | 'duplicate' | undefined;

/**
 * Port: where the {@link OrderGateway} records orders. It gives each order its client order id
 * before it is sent (write-ahead: a durable store has the intent on disk when
 * {@link OrderStore.recordIntent} returns), then takes what the venue answered and what its
 * events said. Every method is synchronous. The default is the in-memory store of a run
 * (`MemoryOrderStore`); @bt/journal's `journalOrderStore` keeps them in its SQLite file.
 */
export interface OrderStore {
  /**
   * Records an order about to be sent and returns the request to send, with its client order
   * id. `recorded`, when given, is called with that request before this returns, as part of the
   * same write (a durable store commits both or neither). Throws when it cannot record: the
   * order is then not sent.
   */
  recordIntent(intent: OrderIntent, recorded?: (request: OrderRequest) => void): OrderRequest;
  /** Records the venue's answer to the submission of `request`. */
  recordAck(request: OrderRequest, ack: OrderAck): void;
  /** Records that the submission of `request` threw `error`, with its {@link SubmitOutcome}. */
  recordFailure(request: OrderRequest, error: unknown, outcome: SubmitOutcome): void;
  /** Records the venue's view of an order (an update event, or a look-up); orders not the store's are ignored. */
  recordOrder(order: Order): void;
  /** Records that the venue proved not to have `clientOrderId` (an order of unknown outcome, looked up). */
  markAbsent(clientOrderId: string, reason: string): void;
  /** Records a fill, de-duplicated by identity (trade id, venue order id, client order id); see {@link FillOutcome}. */
  recordFill(fill: Fill): FillOutcome;
  /** The request sent with `clientOrderId`, if it is one of the store's orders. */
  request(clientOrderId: string | undefined): OrderRequest | undefined;
  /** The journal entry of `clientOrderId`, if the store sent it in this process (made on each call). */
  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined;
  /** Every order sent in this process, in the store's canonical order (made on each call). */
  entries(): OrderJournalEntry[];
  /**
   * The orders an earlier process recorded that are not final, oldest first (after recovery has
   * settled them with the venue). A store that keeps nothing across processes leaves it out.
   */
  inFlight?(): OrderInFlight[];
  /** Where the trade manager keeps its state, if this store keeps it (the in-memory store does not). */
  readonly trades?: TradeStateStore;
}
