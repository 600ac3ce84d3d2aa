/**
 * Binance's JSON in, core's types out, and core's order requests out as Binance's parameters.
 * Pure functions: no I/O, no clock, so each one can be read (and tested) on its own.
 */
import type { Balance, Bar, Fill, Market, Order, OrderRequest, OrderStatus, OrderType, Position, Timeframe } from '@bt/core';
import { BtError, flatPosition } from '@bt/core';
import type { Params } from './signing.js';

/** One symbol of `GET /api/v3/exchangeInfo`. */
export interface BinanceSymbol {
  readonly symbol: string;
  readonly status: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly filters: readonly {
    readonly filterType: string;
    readonly tickSize?: string;
    readonly stepSize?: string;
    readonly minQty?: string;
    readonly minNotional?: string;
  }[];
}

/** One row of `GET /api/v3/klines`: open time, open, high, low, close, volume, close time, ... */
export type BinanceKline = readonly [number, string, string, string, string, string, ...unknown[]];

/** Binance's order statuses. */
export type BinanceOrderStatus =
  | 'NEW'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'CANCELED'
  | 'PENDING_CANCEL'
  | 'REJECTED'
  | 'EXPIRED'
  | 'EXPIRED_IN_MATCH';

/** An order of `POST`, `GET` or `DELETE /api/v3/order` and `GET /api/v3/openOrders`. */
export interface BinanceOrder {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  /** Only in a cancel's reply, where `clientOrderId` is the cancel's own id. */
  readonly origClientOrderId?: string;
  readonly price: string;
  readonly origQty: string;
  readonly executedQty: string;
  readonly cummulativeQuoteQty: string;
  readonly status: BinanceOrderStatus;
  readonly timeInForce: string;
  readonly type: string;
  readonly side: 'BUY' | 'SELL';
  readonly stopPrice?: string;
  readonly time?: number;
  readonly updateTime?: number;
  readonly transactTime?: number;
  readonly workingTime?: number;
}

/** One execution of `GET /api/v3/myTrades`. */
export interface BinanceTrade {
  readonly id: number;
  readonly orderId: number;
  readonly price: string;
  readonly qty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly time: number;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
}

/** One asset of `GET /api/v3/account`. */
export interface BinanceBalance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

/** A core market with the venue's id for it (`BTC/USDT` is `BTCUSDT`). */
export interface VenueMarket {
  readonly market: Market;
  readonly venueId: string;
}

/** The kline intervals Binance serves; core timeframes are spelled the same way. */
export const BINANCE_INTERVALS: ReadonlySet<string> = new Set([
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
]);

/** A market of `exchangeInfo`, with its trading rules from the filters. */
export function toMarket(info: BinanceSymbol): VenueMarket {
  const filter = (type: string) => info.filters.find((f) => f.filterType === type);
  const lot = filter('LOT_SIZE');
  const notional = filter('NOTIONAL') ?? filter('MIN_NOTIONAL');
  const market: Market = {
    symbol: `${info.baseAsset}/${info.quoteAsset}`,
    base: info.baseAsset,
    quote: info.quoteAsset,
    type: 'spot',
    ...positive('priceStep', filter('PRICE_FILTER')?.tickSize),
    ...positive('amountStep', lot?.stepSize),
    ...positive('minAmount', lot?.minQty),
    ...positive('minNotional', notional?.minNotional),
    active: info.status === 'TRADING',
  };
  return { market, venueId: info.symbol };
}

/** `{ [key]: value }` when `value` is a positive number, else `{}`: Binance writes "0" for "no rule". */
function positive<K extends string>(key: K, value: string | undefined): Partial<Record<K, number>> {
  const n = Number(value);
  return n > 0 ? ({ [key]: n } as Record<K, number>) : {};
}

/** A kline row as a core bar. Binance's close time is the interval's last millisecond; core's is its end. */
export function toBar(row: BinanceKline, symbol: string, timeframe: Timeframe, timeframeMs: number): Bar {
  const [openTime, open, high, low, close, volume] = row;
  return {
    symbol,
    timeframe,
    openTime,
    closeTime: openTime + timeframeMs,
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    volume: Number(volume),
  };
}

/** core's status of a Binance status. An order the venue expired (an IOC that did not fill) is `canceled`. */
export function toStatus(status: BinanceOrderStatus): OrderStatus {
  switch (status) {
    case 'NEW':
    case 'PENDING_CANCEL':
      return 'open';
    case 'PARTIALLY_FILLED':
      return 'partially-filled';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
    case 'EXPIRED':
    case 'EXPIRED_IN_MATCH':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    default:
      throw new BtError('DATA', `unknown Binance order status ${JSON.stringify(status satisfies never)}`);
  }
}

const ORDER_TYPES: Readonly<Record<string, OrderType>> = {
  MARKET: 'market',
  LIMIT: 'limit',
  LIMIT_MAKER: 'limit',
  STOP_LOSS: 'stop',
  STOP_LOSS_LIMIT: 'stop-limit',
};

/** A Binance order as a core order of `symbol` (the unified symbol), with the caller's `tag`. */
export function toOrder(raw: BinanceOrder, symbol: string, tag?: string): Order {
  const type = ORDER_TYPES[raw.type];
  if (type === undefined) throw new BtError('DATA', `order ${raw.orderId}: unsupported Binance order type ${raw.type}`);
  const amount = Number(raw.origQty);
  const filled = Number(raw.executedQty);
  const createdAt = raw.time ?? raw.workingTime ?? raw.transactTime ?? 0;
  return {
    id: String(raw.orderId),
    clientOrderId: raw.origClientOrderId ?? raw.clientOrderId,
    symbol,
    side: raw.side === 'BUY' ? 'buy' : 'sell',
    type,
    timeInForce: raw.timeInForce === 'IOC' ? 'IOC' : 'GTC',
    amount,
    ...positive('price', raw.price),
    ...positive('stopPrice', raw.stopPrice),
    reduceOnly: false,
    status: toStatus(raw.status),
    filled,
    remaining: Math.max(0, amount - filled),
    ...(filled > 0 ? { averagePrice: Number(raw.cummulativeQuoteQty) / filled } : {}),
    createdAt,
    updatedAt: raw.updateTime ?? raw.transactTime ?? createdAt,
    ...(tag === undefined ? {} : { tag }),
  };
}

/** One execution of `order` as a core fill. */
export function toFill(trade: BinanceTrade, order: Pick<Order, 'id' | 'clientOrderId' | 'symbol' | 'tag'>): Fill {
  return {
    id: String(trade.id),
    orderId: order.id,
    ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
    symbol: order.symbol,
    side: trade.isBuyer ? 'buy' : 'sell',
    amount: Number(trade.qty),
    price: Number(trade.price),
    fee: Number(trade.commission),
    feeCurrency: trade.commissionAsset,
    maker: trade.isMaker,
    timestamp: trade.time,
    ...(order.tag === undefined ? {} : { tag: order.tag }),
  };
}

/** One asset of the account as a core balance. */
export function toBalance(balance: BinanceBalance): Balance {
  const free = Number(balance.free);
  const used = Number(balance.locked);
  return { currency: balance.asset, free, used, total: free + used };
}

/**
 * A spot position: its size is what the account `held`s of the market's base asset; its entry
 * price is the average cost of the market's `trades` (oldest first) that still make up the
 * holding. A holding that no trade explains (a deposit) enters at `mark`. Less than one amount
 * step is dust, and flat.
 */
export function toPosition(market: Market, held: number, trades: readonly BinanceTrade[], mark: number): Position {
  let size = 0;
  let cost = 0;
  let realizedPnl = 0;
  let openedAt: number | undefined;
  for (const trade of trades) {
    const qty = Number(trade.qty);
    const price = Number(trade.price);
    if (trade.isBuyer) {
      if (size === 0) openedAt = trade.time;
      size += qty;
      cost += qty * price;
    } else {
      const average = size > 0 ? cost / size : price;
      const closing = Math.min(qty, size);
      realizedPnl += (price - average) * closing;
      size -= closing;
      cost -= average * closing;
      if (size <= 0) [size, cost, openedAt] = [0, 0, undefined];
    }
  }
  if (!(held > 0) || held < (market.amountStep ?? 0)) return { ...flatPosition(market.symbol), realizedPnl };
  const entryPrice = size > 0 ? cost / size : mark;
  return {
    symbol: market.symbol,
    side: 'long',
    size: held,
    entryPrice,
    realizedPnl,
    unrealizedPnl: (mark - entryPrice) * held,
    markPrice: mark,
    ...(openedAt === undefined ? {} : { openedAt }),
  };
}

/** The parameters of `POST /api/v3/order` for a market or limit `request`. */
export function newOrderParams(request: OrderRequest, venueId: string, clientOrderId: string): Params {
  const limit = request.type === 'limit';
  return {
    symbol: venueId,
    side: request.side === 'buy' ? 'BUY' : 'SELL',
    type: limit ? 'LIMIT' : 'MARKET',
    // A MARKET order takes no timeInForce: it is immediate-or-cancel by nature.
    timeInForce: limit ? (request.timeInForce ?? 'GTC') : undefined,
    quantity: decimal(request.amount),
    price: limit && request.price !== undefined ? decimal(request.price) : undefined,
    newClientOrderId: clientOrderId,
    newOrderRespType: 'RESULT',
  };
}

/**
 * A number as Binance's decimal text: plain digits, no exponent, no trailing zeros.
 *
 * @example
 * ```ts
 * decimal(1e-7); // '0.0000001' (String(1e-7) is '1e-7', which Binance refuses)
 * ```
 */
export function decimal(value: number): string {
  return value
    .toFixed(12)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}
