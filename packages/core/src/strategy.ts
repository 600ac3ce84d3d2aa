import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { BarSeries } from './market.js';
import type { Fill, Order, OrderAck, OrderSide, OrderType, Position, TimeInForce } from './orders.js';
import type { PendingOrder } from './pending-orders.js';
import type { Timeframe } from './timeframe.js';

/** Parameters a strategy is configured with. */
export type StrategyParams = Readonly<Record<string, unknown>>;

/** Order fields a strategy chooses; the controller adds symbol, client order id and tag. */
export interface StrategyOrder {
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly amount: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
}

/** Extra fields for the market/limit shortcuts of {@link OrderApi}. */
export interface OrderOptions {
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
}

/**
 * How a strategy trades. Every order goes through here, so the controller can tag and record it;
 * strategies never hold the broker.
 */
export interface OrderApi {
  /** Sends any order for this symbol. A venue's "no" comes back as `accepted: false`. */
  submit(order: StrategyOrder): Promise<OrderAck>;
  /** Market buy of `amount`. */
  buy(amount: number, options?: OrderOptions): Promise<OrderAck>;
  /** Market sell of `amount`. */
  sell(amount: number, options?: OrderOptions): Promise<OrderAck>;
  /** Limit order at `price`. */
  limit(side: OrderSide, amount: number, price: number, options?: OrderOptions): Promise<OrderAck>;
  /** Market order that flattens this symbol's position; undefined when already flat. */
  close(): Promise<OrderAck | undefined>;
  /** Cancels one of this strategy's open orders. */
  cancel(orderId: string): Promise<Order>;
  /** This symbol's open orders placed by this strategy. */
  openOrders(): Promise<readonly Order[]>;
}

/** What a strategy sees on each tick. The same object is reused from tick to tick. */
export interface StrategyContext<P extends StrategyParams = StrategyParams> {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** The strategy's id within its symbol. */
  readonly strategyId: string;
  /** Recent closed bars, oldest first. */
  readonly bars: BarSeries;
  /** True when a bar closed since this strategy's previous tick. */
  readonly isNewBar: boolean;
  /** The net position in this symbol, after the fills of this step. */
  readonly position: Position;
  /**
   * This strategy's orders in this symbol that are in flight: sent (or being sent) and not final
   * yet, oldest first, exits the trade manager sent for its position included. They come from
   * the controller's own order records, so they read the same live and in a backtest. An order
   * leaves this list when it is filled (by the fills handed over), canceled, rejected, or proven
   * absent at the venue; an order whose submission had an unknown outcome stays until the venue
   * says. An empty array (always the same one) when nothing is in flight.
   */
  readonly pendingOrders: readonly PendingOrder[];
  /**
   * The signed base amount {@link StrategyContext.pendingOrders} would still add to the position:
   * buys +, sells −, each order's amount less its fills so far. Exactly 0 when nothing is in
   * flight. Check it with the position before entering, so a second entry is not sent while the
   * first is still on its way: `if (ctx.position.size === 0 && ctx.pendingExposure === 0)`.
   */
  readonly pendingExposure: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly params: P;
  readonly orders: OrderApi;
}

/**
 * A trading strategy. The same object runs live and in backtests.
 *
 * @example
 * ```ts
 * const buyWhenFlat: Strategy = {
 *   async onTick(ctx) {
 *     // Flat and nothing in flight: live, a buy sent last tick may not have filled yet.
 *     if (ctx.isNewBar && ctx.position.size === 0 && ctx.pendingExposure === 0) await ctx.orders.buy(1);
 *   },
 * };
 * ```
 */
export interface Strategy<P extends StrategyParams = StrategyParams> {
  /** Called once before the first tick. */
  init?(ctx: StrategyContext<P>): void | Promise<void>;
  /** Called on every tick of the symbol's worker. */
  onTick(ctx: StrategyContext<P>): void | Promise<void>;
  /** Called, before the next tick, for each fill of an order this strategy placed. */
  onFill?(fill: Fill, ctx: StrategyContext<P>): void | Promise<void>;
  /** Called, before the next tick, when one of this strategy's orders is rejected or canceled by the venue. */
  onOrderUpdate?(order: Order, ctx: StrategyContext<P>): void | Promise<void>;
  /** Called once when the controller stops. */
  onStop?(ctx: StrategyContext<P>): void | Promise<void>;
}

/** Exit rules the trade manager applies to each position a strategy opens. Fractions: 0.02 is 2 %. */
export interface ExitRules {
  /** Exit when price moves this fraction against the entry. */
  readonly stopLoss?: number;
  /** Exit when price moves this fraction in favour of the entry. */
  readonly takeProfit?: number;
  /** Exit when price retreats this fraction from the best price seen since entry. */
  readonly trailingStop?: number;
  /** Exit after holding this many milliseconds. */
  readonly maxHoldingMs?: number;
}

/** One strategy on one symbol, as the controller is configured with it. */
export interface StrategySpec<P extends StrategyParams = StrategyParams> {
  /** Unique within its symbol; used in logs, order tags and client order ids. */
  readonly id: string;
  /** Makes the strategy instance for `symbol` (each symbol gets its own). */
  readonly create: (symbol: string) => Strategy<P>;
  readonly params?: P;
  readonly exits?: ExitRules;
  /** How many recent bars the strategy reads through `ctx.bars`. Default 300. */
  readonly lookback?: number;
}

/** A symbol and the strategies that trade it, in the order they are called. */
export interface SymbolConfig {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly strategies: readonly StrategySpec[];
}
