import type { Bar, Market, Order, OrderRequest, OrderSide } from '@bt/core';

/** The price fields of one bar, as the matching engine reads them. */
export type BarQuote = Pick<Bar, 'openTime' | 'closeTime' | 'open' | 'high' | 'low' | 'close' | 'volume'>;

/** One execution the engine is about to make, handed to the fee and slippage models. */
export interface ExecutionContext {
  readonly market: Market;
  /** The order as it stood before this execution. */
  readonly order: Order;
  readonly side: OrderSide;
  /** Base amount of this execution. */
  readonly amount: number;
  /** Execution price (for fees: after slippage; for slippage: before it). */
  readonly price: number;
  /** True when the order provided liquidity: a resting limit filled at its limit price inside the bar. */
  readonly maker: boolean;
  /** The bar the execution happens in. */
  readonly bar: BarQuote;
}

/** Prices the fee of an execution, in the market's quote currency (negative for a rebate). */
export interface FeeModel {
  fee(context: ExecutionContext): number;
}

/** Moves a taker execution's price against the trader. Maker executions are never slipped. */
export interface SlippageModel {
  /** The slipped price: above `context.price` for a buy, below it for a sell. */
  price(context: ExecutionContext): number;
}

/** How much of a bar's traded volume the simulation may take. */
export interface VolumeCapModel {
  /** Most base amount that all orders of `market` together may fill in `bar` (0 fills nothing). */
  capacity(bar: BarQuote, market: Market): number;
}

/** How long an order takes to reach the book. */
export interface LatencyModel {
  /** Bars of the order's own symbol that pass before the order can be matched (0: the next bar). */
  steps(request: OrderRequest, market: Market): number;
}

/**
 * When market orders execute:
 * - `next-open` (default, the reference semantics): at the open of the symbol's next bar;
 * - `cheat-on-close`: at the close of the bar that was the symbol's latest closed bar when the
 *   order was sent. It uses a price the strategy has already seen, so it is optimistic: label
 *   results that use it.
 */
export type FillTiming = 'next-open' | 'cheat-on-close';

/**
 * Which comes first when one bar reaches both a resting stop (stop or stop-limit, triggered inside
 * the bar) and a resting limit (filled inside the bar), for example a stop-loss and a take-profit
 * of the same position. `stop-first` (default) is the cautious assumption.
 */
export type IntrabarPriority = 'stop-first' | 'limit-first';
