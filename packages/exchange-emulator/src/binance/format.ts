import type { Kline } from '../data/klines.js';
import type { Exchange, OrderRecord, TradeRecord } from '../exchange/exchange.js';
import { MAX_PRICE, MAX_QTY } from '../exchange/exchange.js';
import type { EmulatedMarket } from '../exchange/markets.js';

/** A JSON value of a reply. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** A decimal as Binance writes it: a string with 8 decimals. */
export function dec(value: number): string {
  return Number.isFinite(value) ? (Math.abs(value) < 5e-9 ? 0 : value).toFixed(8) : '0.00000000';
}

/** The order types each symbol lists, by their Binance names. */
export const ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT'] as const;

/** One symbol of `GET /api/v3/exchangeInfo`. */
export function symbolInfo(m: EmulatedMarket, trading: boolean): Json {
  return {
    symbol: m.venueId,
    status: trading ? 'TRADING' : 'BREAK',
    baseAsset: m.market.base,
    baseAssetPrecision: 8,
    quoteAsset: m.market.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [...ORDER_TYPES],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: dec(m.tickSize), maxPrice: dec(MAX_PRICE), tickSize: dec(m.tickSize) },
      { filterType: 'LOT_SIZE', minQty: dec(m.minQty), maxQty: dec(MAX_QTY), stepSize: dec(m.stepSize) },
      { filterType: 'MARKET_LOT_SIZE', minQty: dec(0), maxQty: dec(MAX_QTY), stepSize: dec(0) },
      {
        filterType: 'NOTIONAL',
        minNotional: dec(m.minNotional),
        applyMinToMarket: true,
        maxNotional: dec(MAX_PRICE * 10),
        applyMaxToMarket: false,
        avgPriceMins: 0,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_MAKER'],
  };
}

/** A kline row of `GET /api/v3/klines`. */
export function klineRow(k: Kline): Json {
  return [k.openTime, dec(k.open), dec(k.high), dec(k.low), dec(k.close), dec(k.volume), k.closeTime, dec(k.quoteVolume), 0, '0', '0', '0'];
}

/** A kline WebSocket event (`<symbol>@kline_<interval>`). */
export function klineEvent(m: EmulatedMarket, interval: string, k: Kline, eventTime: number): Json {
  return {
    e: 'kline',
    E: eventTime,
    s: m.venueId,
    k: {
      t: k.openTime,
      T: k.closeTime,
      s: m.venueId,
      i: interval,
      f: -1,
      L: -1,
      o: dec(k.open),
      c: dec(k.close),
      h: dec(k.high),
      l: dec(k.low),
      v: dec(k.volume),
      n: 0,
      x: k.closed,
      q: dec(k.quoteVolume),
      V: '0',
      Q: '0',
      B: '0',
    },
  };
}

/** The fields every order reply shares (`RESULT` of a new order, a query, a cancel). */
function orderCore(exchange: Exchange, r: OrderRecord): { [key: string]: Json } {
  const state = exchange.state(r);
  return {
    symbol: r.market.venueId,
    orderId: r.orderId,
    orderListId: -1,
    clientOrderId: r.clientOrderId,
    price: dec(state.price ?? 0),
    origQty: dec(state.amount),
    executedQty: dec(state.filled),
    origQuoteOrderQty: dec(r.quoteOrderQty),
    cummulativeQuoteQty: dec(r.cumQuote),
    status: exchange.status(r),
    timeInForce: state.timeInForce,
    type: r.type,
    side: state.side === 'buy' ? 'BUY' : 'SELL',
    ...(state.stopPrice === undefined ? {} : { stopPrice: dec(state.stopPrice) }),
    workingTime: r.time,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** The reply of `POST /api/v3/order`, by `newOrderRespType`. */
export function newOrderReply(exchange: Exchange, r: OrderRecord, respType: 'ACK' | 'RESULT' | 'FULL'): Json {
  if (respType === 'ACK') {
    return { symbol: r.market.venueId, orderId: r.orderId, orderListId: -1, clientOrderId: r.clientOrderId, transactTime: r.time };
  }
  const reply = { ...orderCore(exchange, r), transactTime: r.time };
  if (respType === 'RESULT') return reply;
  const fills = exchange
    .trades(r.market)
    .filter((t) => t.order === r)
    .map((t) => ({
      price: dec(t.price),
      qty: dec(t.qty),
      commission: dec(t.commission),
      commissionAsset: t.commissionAsset,
      tradeId: t.id,
    }));
  return { ...reply, fills };
}

/** An order of `GET /api/v3/order`, `openOrders` and `allOrders`. */
export function queriedOrder(exchange: Exchange, r: OrderRecord): Json {
  const state = exchange.state(r);
  return {
    ...orderCore(exchange, r),
    stopPrice: dec(state.stopPrice ?? 0),
    icebergQty: dec(0),
    time: r.time,
    updateTime: state.updatedAt,
    isWorking: r.type === 'LIMIT' || r.type === 'MARKET' || state.filled > 0,
  };
}

/** The reply of `DELETE /api/v3/order`. */
export function canceledOrder(exchange: Exchange, r: OrderRecord, cancelClientOrderId: string, now: number): Json {
  return { ...orderCore(exchange, r), origClientOrderId: r.clientOrderId, clientOrderId: cancelClientOrderId, transactTime: now };
}

/** A trade of `GET /api/v3/myTrades`. */
export function tradeRow(t: TradeRecord): Json {
  return {
    symbol: t.order.market.venueId,
    id: t.id,
    orderId: t.order.orderId,
    orderListId: -1,
    price: dec(t.price),
    qty: dec(t.qty),
    quoteQty: dec(t.price * t.qty),
    commission: dec(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.side === 'buy',
    isMaker: t.maker,
    isBestMatch: true,
  };
}
