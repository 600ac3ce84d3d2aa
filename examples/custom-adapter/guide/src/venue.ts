/**
 * The venue's API, as its client library hands it to you. These types stand in for your venue's
 * SDK (or the small HTTP client you write for it): replace them with its own. Like most venues,
 * this one sends decimals as strings and has its own names for sides, types and statuses.
 */

/** One market, e.g. `{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', ... }`. */
export interface VenueMarket {
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  readonly qtyStep: string;
  readonly minQty: string;
  readonly priceStep: string;
}

/** One kline: open time (ms), open, high, low, close, volume. The newest one may still be forming. */
export type VenueKline = readonly [openTime: number, open: string, high: string, low: string, close: string, volume: string];

export type VenueOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED';

export interface VenueOrder {
  readonly id: string;
  readonly clientId: string;
  readonly market: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT';
  readonly qty: string;
  readonly price?: string;
  readonly executedQty: string;
  readonly status: VenueOrderStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface VenueTrade {
  readonly id: string;
  readonly orderId: string;
  readonly price: string;
  readonly qty: string;
  readonly fee: string;
  readonly feeAsset: string;
  readonly maker: boolean;
  readonly time: number;
}

export interface VenueBalance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

/** What the account holds of a market's base asset, at what average cost. */
export interface VenuePosition {
  readonly market: string;
  readonly qty: string;
  readonly avgPrice: string;
  readonly markPrice: string;
  readonly realizedPnl: string;
}

export interface NewVenueOrder {
  readonly market: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT';
  readonly qty: string;
  readonly price?: string;
  /** The venue refuses a client id it has seen (`DUPLICATE_CLIENT_ID`). */
  readonly clientId: string;
}

/** An order, by the venue's id or by the client id. */
export type VenueOrderRef = { readonly id: string } | { readonly clientId: string };

/**
 * What the venue's client throws: the HTTP status (0 when no answer came) and the venue's code,
 * such as `INSUFFICIENT_BALANCE`, `INVALID_QTY`, `UNKNOWN_ORDER` or `DUPLICATE_CLIENT_ID`.
 */
export class VenueError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'VenueError';
    this.status = status;
    this.code = code;
  }
}

/** The venue's calls. Each one may throw {@link VenueError}. */
export interface VenueClient {
  markets(): Promise<readonly VenueMarket[]>;
  /** The newest `limit` klines, oldest first; the last one may still be forming. */
  klines(market: string, interval: string, limit: number): Promise<readonly VenueKline[]>;
  lastPrice(market: string): Promise<string>;
  balances(): Promise<readonly VenueBalance[]>;
  positions(): Promise<readonly VenuePosition[]>;
  placeOrder(order: NewVenueOrder): Promise<VenueOrder>;
  /** Cancels an open order; an order that has ended is returned as it ended. */
  cancelOrder(market: string, ref: VenueOrderRef): Promise<VenueOrder>;
  getOrder(market: string, ref: VenueOrderRef): Promise<VenueOrder>;
  openOrders(market?: string): Promise<readonly VenueOrder[]>;
  /** The executions of one order, oldest first. */
  trades(market: string, orderId: string): Promise<readonly VenueTrade[]>;
}
