import type { BarSeries, Market } from './market.js';
import type { Balance, Fill, Order, OrderAck, OrderRequest, Position } from './orders.js';
import type { Timeframe } from './timeframe.js';

/** What a venue can do, declared up front so callers and the conformance suite can adapt. */
export interface BrokerCapabilities {
  /** Order types the venue accepts. */
  readonly orderTypes: readonly ('market' | 'limit' | 'stop' | 'stop-limit')[];
  /** Whether short positions can be opened. */
  readonly shorting: boolean;
  /** Whether `reduceOnly` is honoured. */
  readonly reduceOnly: boolean;
  /** Whether IOC is honoured. */
  readonly ioc: boolean;
  /** Whether orders can be looked up by client order id. */
  readonly fetchByClientOrderId: boolean;
  /** Whether bars stream (true) or must be polled (false). */
  readonly streamingBars: boolean;
  /** Whether the broker replays history ({@link ReplayBroker}). */
  readonly replay: boolean;
  /** Whether orders the account cannot pay for are rejected (in the ack or as a `rejected` update). Default true. */
  readonly fundsCheck?: boolean;
  /**
   * Whether a re-used client order id is refused, so that re-sending an order never creates a
   * second one. Default true.
   */
  readonly uniqueClientOrderIds?: boolean;
}

/** A fill or an order change, pushed by the venue. */
export type BrokerEvent = { readonly type: 'fill'; readonly fill: Fill } | { readonly type: 'order'; readonly order: Order };

/** Receives {@link BrokerEvent}s. Listeners must not throw; what they throw is dropped and logged by the broker. */
export type BrokerListener = (event: BrokerEvent) => void;

/** Stops a subscription. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** How a caller names an order: the venue's id, or the client order id. */
export type OrderRef = { readonly symbol: string; readonly orderId: string } | { readonly symbol: string; readonly clientOrderId: string };

/**
 * Everything a controller needs from a venue. Commands go in and return acknowledgements;
 * fills and order changes come out as events.
 */
export interface Broker {
  /** Short adapter name for messages, e.g. `sim` or `ccxt:binance`. */
  readonly id: string;
  readonly capabilities: BrokerCapabilities;
  /** Opens sessions and loads markets. Idempotent. */
  connect(): Promise<void>;
  /** Releases everything. Idempotent. */
  close(): Promise<void>;
  getMarkets(): Promise<readonly Market[]>;
  /** The most recent closed bars, oldest first, at most `limit` of them. Never the forming bar. */
  getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries>;
  /** The latest traded (or closing) price. */
  getLatestPrice(symbol: string): Promise<number>;
  getBalances(): Promise<readonly Balance[]>;
  /** Open positions, or only the one of `symbol`; flat positions may be omitted. */
  getPositions(symbol?: string): Promise<readonly Position[]>;
  getOpenOrders(symbol?: string): Promise<readonly Order[]>;
  /** Sends an order. A business rejection is an ack with `accepted: false`, not a throw. */
  submitOrder(request: OrderRequest): Promise<OrderAck>;
  /** Cancels an open order and returns it as it now stands. */
  cancelOrder(ref: OrderRef): Promise<Order>;
  /** The order as the venue knows it, or undefined when the venue has no such order. */
  fetchOrder(ref: OrderRef): Promise<Order | undefined>;
  /**
   * Optional: the account's fills (executions) in `symbol` at or after `since` (ms), oldest
   * first, each with its venue trade id, order id and client order id when the venue gives it.
   * Recovery at start reads it to find fills that happened while the bot was down.
   */
  fetchFills?(symbol: string, since: number): Promise<readonly Fill[]>;
  /** Starts receiving fills and order updates. */
  subscribe(listener: BrokerListener): Unsubscribe;
}

/**
 * A broker that replays history: time moves only when each symbol's worker asks it to.
 */
export interface ReplayBroker<TResults = unknown> extends Broker {
  /**
   * Called by `symbol`'s worker once per barrier step, after the release. Moves the replay to its
   * next step: pending orders are matched against the new bar and positions marked to market.
   *
   * Several workers call it concurrently for the same step; a replay broker must make the result
   * independent of their order (the first call of a step advances the clock and matches every
   * ticking symbol in canonical order, later calls only catch up). It returns true while `symbol`
   * still has data to show at this step or later (including the step at which its last bar
   * becomes visible, so that bar is ticked), and false once its last bar was already visible
   * before this step: the worker then leaves the barrier.
   */
  advanceTime(symbol: string): Promise<boolean>;
  /** Current simulated time (ms). */
  currentTime(): number;
  /** What the replay produced: orders, fills, trades, equity and metrics. */
  getResults(): Promise<TResults>;
  /**
   * Optional: synchronous access to one symbol's replay, for the hot loop of a backtest. A
   * replay broker holds everything in memory, so it can answer at once; a worker that reads
   * through a feed skips a promise and a turn of the microtask queue per read. A feed must answer
   * exactly what the async methods would resolve to at the same moment (the conformance suite
   * checks it), so a run gives the same results with or without one.
   *
   * Called once per symbol, by that symbol's worker at its first tick; may throw what
   * `getBars(symbol, timeframe, ...)` would reject with (unknown symbol, unloaded timeframe).
   */
  openFeed?(symbol: string, timeframe: Timeframe): ReplayFeed;
}

/**
 * Synchronous reads of one symbol of a {@link ReplayBroker} (see {@link ReplayBroker.openFeed}).
 * Each method returns what the named async method would resolve to, or throws what it would
 * reject with.
 */
export interface ReplayFeed {
  /** `await broker.getBars(symbol, timeframe, limit)`. */
  bars(limit: number): BarSeries;
  /** `await broker.getPositions(symbol)`. */
  positions(): readonly Position[];
  /** `await broker.advanceTime(symbol)`. */
  advance(): boolean;
  /**
   * Optional: the signed size of the symbol's position (positive long, negative short, 0 flat),
   * the size `await broker.getPositions(symbol)` reports, without building the position. The
   * position monitor reads it every step when the feed has it.
   */
  positionSize?(): number;
  /** Optional: `await broker.getLatestPrice(symbol)`. */
  latestPrice?(): number;
}

/** True when `broker` is a {@link ReplayBroker}. */
export function isReplayBroker(broker: Broker): broker is ReplayBroker {
  return broker.capabilities.replay && typeof (broker as Partial<ReplayBroker>).advanceTime === 'function';
}

/**
 * The type every adapter's factory has, so the compiler checks the contract:
 *
 * @example
 * ```ts
 * export const createMyBroker: BrokerFactory<{ apiKey: string }> = (options) => new MyBroker(options);
 * ```
 */
export type BrokerFactory<Options, B extends Broker = Broker> = (options: Options) => B;
