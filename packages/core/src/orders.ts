/** Buy or sell. */
export type OrderSide = 'buy' | 'sell';

/** How an order executes. */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop-limit';

/** How long an order rests: good till canceled, or immediate or cancel. */
export type TimeInForce = 'GTC' | 'IOC';

/** Where an order is in its life. */
export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'canceled' | 'rejected';

/** What a strategy (through the controller) asks a venue to do. */
export interface OrderRequest {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Base-currency amount, positive. */
  readonly amount: number;
  /** Limit price: required for `limit` and `stop-limit`. */
  readonly price?: number;
  /** Trigger price: required for `stop` and `stop-limit`. */
  readonly stopPrice?: number;
  /** Defaults to GTC. */
  readonly timeInForce?: TimeInForce;
  /** Only ever reduce an open position. */
  readonly reduceOnly?: boolean;
  /** Caller's id for the order, unique per venue account; the controller always sets one. */
  readonly clientOrderId?: string;
  /** Free-form tag kept with the order (the controller puts the strategy id here). */
  readonly tag?: string;
}

/** An order as the venue knows it. */
export interface Order {
  /** Venue's id. */
  readonly id: string;
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly amount: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly reduceOnly: boolean;
  readonly status: OrderStatus;
  readonly filled: number;
  readonly remaining: number;
  /** Volume-weighted average fill price; undefined before the first fill. */
  readonly averagePrice?: number;
  /** Why the venue rejected or canceled it, in words. */
  readonly reason?: string;
  /** When the venue accepted it (ms). */
  readonly createdAt: number;
  /** When it last changed (ms). */
  readonly updatedAt: number;
  readonly tag?: string;
}

/**
 * The venue's answer to a submission. `accepted: false` is a business rejection (with a reason),
 * never an exception: strategies are not interrupted by a venue saying no.
 */
export interface OrderAck {
  readonly accepted: boolean;
  readonly orderId?: string;
  readonly clientOrderId?: string;
  readonly status: OrderStatus;
  readonly reason?: string;
}

/** One execution. */
export interface Fill {
  /** Venue's id of the execution. */
  readonly id: string;
  readonly orderId: string;
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly amount: number;
  readonly price: number;
  readonly fee: number;
  readonly feeCurrency: string;
  /** True when the order provided liquidity. */
  readonly maker: boolean;
  /** When it executed (ms). A replay fill at a bar's open carries that bar's open time. */
  readonly timestamp: number;
  readonly tag?: string;
}

/** Net position in one symbol. */
export interface Position {
  readonly symbol: string;
  /** `flat` when size is 0. */
  readonly side: 'long' | 'short' | 'flat';
  /** Absolute size, in base currency. */
  readonly size: number;
  /** Average entry price of the open size; 0 when flat. */
  readonly entryPrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  /** Price the position was last marked at. */
  readonly markPrice: number;
  /** When the current position was opened (ms), or undefined when flat. */
  readonly openedAt?: number;
}

/** Balance of one currency. */
export interface Balance {
  readonly currency: string;
  readonly free: number;
  readonly used: number;
  readonly total: number;
}

/** A flat position in `symbol`. */
export function flatPosition(symbol: string): Position {
  return { symbol, side: 'flat', size: 0, entryPrice: 0, realizedPnl: 0, unrealizedPnl: 0, markPrice: 0 };
}

/** Signed size: positive when long, negative when short. */
export function signedSize(position: Position): number {
  return position.side === 'short' ? -position.size : position.size;
}

/** True for an order that can no longer change. */
export function isTerminal(status: OrderStatus): boolean {
  return status === 'filled' || status === 'canceled' || status === 'rejected';
}
