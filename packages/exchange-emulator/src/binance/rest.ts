import { intervalMs, lowerBound, queryKlines, visibleBars } from '../data/klines.js';
import type { Exchange, OrderRecord } from '../exchange/exchange.js';
import type { EmulatedMarket } from '../exchange/markets.js';
import type { FaultInjector } from '../faults.js';
import type { ApiKey } from './auth.js';
import { verifySignedRequest } from './auth.js';
import { BinanceError, invalidSymbol, unknownOrderCancel } from './errors.js';
import type { Json } from './format.js';
import { canceledOrder, dec, klineRow, newOrderReply, queriedOrder, symbolInfo, tradeRow } from './format.js';
import { clientIdParam, newClientId, parseNewOrder } from './new-order.js';
import { Params } from './params.js';

/** One REST request, as the HTTP layer hands it over. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string, without `?`. */
  readonly query: string;
  /** Raw form body. */
  readonly body: string;
  /** The `X-MBX-APIKEY` header. */
  readonly apiKey: string | undefined;
}

/** What the routes work with. */
export interface RestContext {
  readonly exchange: Exchange;
  readonly keys: readonly ApiKey[];
  readonly faults: FaultInjector;
  /** Simulated time of the request. */
  readonly now: number;
  /** Wall time of the request (for `timestamp` checks). */
  readonly wallNow: number;
}

/** A reply: HTTP status and JSON body. */
export interface RestReply {
  readonly status: number;
  readonly body: Json;
  readonly headers?: Readonly<Record<string, string>>;
}

type Handler = (params: Params, ctx: RestContext) => Json;

const DAY = 86_400_000;

const PUBLIC_ROUTES: Readonly<Record<string, Handler>> = {
  'GET /api/v3/ping': () => ({}),
  'GET /api/v3/time': (_, ctx) => ({ serverTime: ctx.now }),
  'GET /api/v3/exchangeInfo': exchangeInfo,
  'GET /api/v3/klines': klines,
  'GET /api/v3/uiKlines': klines,
  'GET /api/v3/ticker/price': (p, ctx) => perSymbol(p, ctx, (m) => ({ symbol: m.venueId, price: dec(ctx.exchange.lastPrice(m, ctx.now)) })),
  'GET /api/v3/ticker/bookTicker': (p, ctx) => perSymbol(p, ctx, (m) => bookTicker(ctx, m)),
  'GET /api/v3/ticker/24hr': (p, ctx) => perSymbol(p, ctx, (m) => ticker24h(ctx, m)),
};

const SIGNED_ROUTES: Readonly<Record<string, Handler>> = {
  'GET /api/v3/account': account,
  'POST /api/v3/order': (p, ctx) => newOrder(p, ctx, false),
  'POST /api/v3/order/test': (p, ctx) => newOrder(p, ctx, true),
  'GET /api/v3/order': (p, ctx) => queriedOrder(ctx.exchange, ctx.exchange.getOrder(marketParam(p, ctx), orderRef(p))),
  'DELETE /api/v3/order': cancelOrder,
  'GET /api/v3/openOrders': openOrders,
  'DELETE /api/v3/openOrders': cancelOpenOrders,
  'GET /api/v3/allOrders': allOrders,
  'GET /api/v3/myTrades': myTrades,
};

/** True when `method path` is a REST route of the emulator. */
export function isRestRoute(method: string, path: string): boolean {
  const key = `${method} ${path}`;
  return key in PUBLIC_ROUTES || key in SIGNED_ROUTES;
}

/**
 * Answers one Binance spot REST request: the public market-data endpoints, and the SIGNED
 * account and order endpoints (checked with {@link verifySignedRequest}). Errors come back in
 * Binance's `{code, msg}` shape. Returns undefined for a path the emulator does not serve.
 */
export function handleRest(request: RestRequest, ctx: RestContext): RestReply | undefined {
  const key = `${request.method} ${request.path}`;
  const publicHandler = PUBLIC_ROUTES[key];
  const signedHandler = SIGNED_ROUTES[key];
  const handler = publicHandler ?? signedHandler;
  if (handler === undefined) return undefined;
  try {
    if (signedHandler !== undefined) verifySignedRequest(request, ctx.keys, [ctx.wallNow, ctx.now]);
    return { status: 200, body: handler(Params.parse(request.query, request.body), ctx) };
  } catch (error) {
    if (error instanceof BinanceError) return { status: error.status, body: error.toJSON() };
    throw error;
  }
}

function market(venueId: string, ctx: RestContext): EmulatedMarket {
  const m = ctx.exchange.marketByVenueId(venueId);
  if (m === undefined) throw invalidSymbol();
  return m;
}

function marketParam(p: Params, ctx: RestContext): EmulatedMarket {
  return market(p.require('symbol'), ctx);
}

/** The markets named by `symbol` or `symbols` (a JSON array), or undefined for all. */
function selectedMarkets(p: Params, ctx: RestContext): EmulatedMarket[] | undefined {
  const one = p.get('symbol');
  if (one !== undefined) return [market(one, ctx)];
  const many = p.get('symbols');
  if (many === undefined) return undefined;
  let ids: unknown;
  try {
    ids = JSON.parse(many);
  } catch {
    ids = undefined;
  }
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw new BinanceError(
      400,
      -1100,
      'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
    );
  }
  return (ids as string[]).map((id) => market(id, ctx));
}

/** One object for `symbol`, an array for `symbols` or for all markets. */
function perSymbol(p: Params, ctx: RestContext, one: (m: EmulatedMarket) => Json): Json {
  if (p.get('symbol') !== undefined) return one(marketParam(p, ctx));
  return (selectedMarkets(p, ctx) ?? [...ctx.exchange.markets]).map(one);
}

function exchangeInfo(p: Params, ctx: RestContext): Json {
  const markets = selectedMarkets(p, ctx) ?? [...ctx.exchange.markets];
  return {
    timezone: 'UTC',
    serverTime: ctx.now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
    ],
    exchangeFilters: [],
    symbols: markets.map((m) => symbolInfo(m, ctx.exchange.isTrading(m, ctx.now))),
  };
}

function klines(p: Params, ctx: RestContext): Json {
  const m = marketParam(p, ctx);
  const interval = p.require('interval');
  const ms = intervalMs(interval, m.columns.timeframeMs);
  if (ms === undefined) throw new BinanceError(400, -1120, 'Invalid interval.');
  const startTime = p.integer('startTime');
  const endTime = p.integer('endTime');
  const rows = queryKlines(m.columns, ctx.now, {
    intervalMs: ms,
    limit: p.limit(500, 1000),
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
  });
  return rows.map(klineRow);
}

function bookTicker(ctx: RestContext, m: EmulatedMarket): Json {
  const price = dec(ctx.exchange.lastPrice(m, ctx.now));
  const qty = dec(lastClosedVolume(ctx, m));
  return { symbol: m.venueId, bidPrice: price, bidQty: qty, askPrice: price, askQty: qty };
}

function lastClosedVolume(ctx: RestContext, m: EmulatedMarket): number {
  const closed = ctx.exchange.closedBars(m);
  return closed > 0 ? (m.columns.volume[closed - 1] as number) : 0;
}

/** The rolling 24-hour ticker over the bars known at `now` (bid = ask = last: the bars have no spread). */
function ticker24h(ctx: RestContext, m: EmulatedMarket): Json {
  const c = m.columns;
  const now = ctx.now;
  const tf = c.timeframeMs;
  const visible = visibleBars(c, now);
  const from = lowerBound(c.openTime, now - DAY - tf + 1, c.length);
  const last = ctx.exchange.lastPrice(m, now);
  let open = Number.NaN;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let volume = 0;
  let quoteVolume = 0;
  for (let i = from; i < visible; i++) {
    const o = c.open[i] as number;
    if (Number.isNaN(open)) open = o;
    if ((c.openTime[i] as number) + tf <= now) {
      high = Math.max(high, c.high[i] as number);
      low = Math.min(low, c.low[i] as number);
      const v = c.volume[i] as number;
      volume += v;
      quoteVolume += (v * ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number))) / 3;
    } else {
      high = Math.max(high, o);
      low = Math.min(low, o);
    }
  }
  if (Number.isNaN(open)) {
    open = last;
    high = last;
    low = last;
  }
  const prevClose = from > 0 && from <= visible ? (c.close[from - 1] as number) : open;
  const change = last - open;
  const qty = dec(lastClosedVolume(ctx, m));
  return {
    symbol: m.venueId,
    priceChange: dec(change),
    priceChangePercent: open > 0 ? ((change / open) * 100).toFixed(3) : '0.000',
    weightedAvgPrice: dec(volume > 0 ? quoteVolume / volume : last),
    prevClosePrice: dec(prevClose),
    lastPrice: dec(last),
    lastQty: qty,
    bidPrice: dec(last),
    bidQty: qty,
    askPrice: dec(last),
    askQty: qty,
    openPrice: dec(open),
    highPrice: dec(high),
    lowPrice: dec(low),
    volume: dec(volume),
    quoteVolume: dec(quoteVolume),
    openTime: now - DAY,
    closeTime: now,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}

function account(p: Params, ctx: RestContext): Json {
  const { exchange } = ctx;
  const omitZero = p.get('omitZeroBalances') === 'true';
  const balances = exchange
    .wallet()
    .filter((w) => !omitZero || w.free + w.locked !== 0)
    .map((w) => ({ asset: w.asset, free: dec(w.free), locked: dec(w.locked) }));
  return {
    makerCommission: Math.round(exchange.makerRate * 10_000),
    takerCommission: Math.round(exchange.takerRate * 10_000),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: dec(exchange.makerRate), taker: dec(exchange.takerRate), buyer: dec(0), seller: dec(0) },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: ctx.now,
    accountType: 'SPOT',
    balances,
    permissions: ['SPOT'],
    uid: 1,
  };
}

function newOrder(p: Params, ctx: RestContext, test: boolean): Json {
  const { order, respType } = parseNewOrder(p, (venueId) => market(venueId, ctx));
  if (test) {
    ctx.exchange.checkOrder(order, ctx.now);
    return {};
  }
  const rejection = ctx.faults.forNewOrder(`POST /api/v3/order ${order.market.venueId}`);
  if (rejection !== undefined) throw new BinanceError(rejection.status, rejection.code, rejection.msg);
  const record = ctx.exchange.placeOrder(order, ctx.now);
  return newOrderReply(ctx.exchange, record, respType);
}

/** `orderId` or `origClientOrderId`. */
function orderRef(p: Params): { orderId?: number; clientOrderId?: string } {
  const orderId = p.integer('orderId');
  if (orderId !== undefined) return { orderId };
  const clientOrderId = p.get('origClientOrderId');
  if (clientOrderId !== undefined) return { clientOrderId };
  throw new BinanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
}

function cancelOrder(p: Params, ctx: RestContext): Json {
  const m = marketParam(p, ctx);
  const ref = orderRef(p);
  const cancelId = clientIdParam(p, 'newClientOrderId') ?? newClientId();
  const record = ctx.exchange.cancelOrder(m, ref, ctx.now);
  return canceledOrder(ctx.exchange, record, cancelId, ctx.now);
}

function cancelOpenOrders(p: Params, ctx: RestContext): Json {
  const m = marketParam(p, ctx);
  const open = ctx.exchange.openOrders(m);
  if (open.length === 0) throw unknownOrderCancel();
  return open.map((r) => canceledOrder(ctx.exchange, ctx.exchange.cancelOrder(m, { orderId: r.orderId }, ctx.now), newClientId(), ctx.now));
}

function openOrders(p: Params, ctx: RestContext): Json {
  const symbol = p.get('symbol');
  const m = symbol === undefined ? undefined : market(symbol, ctx);
  return ctx.exchange.openOrders(m).map((r) => queriedOrder(ctx.exchange, r));
}

/** Selects by id from `fromId`, else by time window, then keeps `limit` (the oldest from a start, else the newest). */
function window<T>(items: readonly T[], p: Params, id: (t: T) => number, time: (t: T) => number, fromIdName: string): T[] {
  const fromId = p.integer(fromIdName);
  const startTime = p.integer('startTime');
  const endTime = p.integer('endTime');
  const limit = p.limit(500, 1000);
  let selected = items.filter(
    (t) =>
      (fromId === undefined || id(t) >= fromId) &&
      (startTime === undefined || time(t) >= startTime) &&
      (endTime === undefined || time(t) <= endTime),
  );
  selected = fromId !== undefined || startTime !== undefined ? selected.slice(0, limit) : selected.slice(-limit);
  return selected;
}

function allOrders(p: Params, ctx: RestContext): Json {
  const m = marketParam(p, ctx);
  const orders = window<OrderRecord>(
    ctx.exchange.allOrders(m),
    p,
    (r) => r.orderId,
    (r) => r.time,
    'orderId',
  );
  return orders.map((r) => queriedOrder(ctx.exchange, r));
}

function myTrades(p: Params, ctx: RestContext): Json {
  const m = marketParam(p, ctx);
  const orderId = p.integer('orderId');
  // The newest order with that id: ids repeat after a restart with id reset.
  const order = orderId === undefined ? undefined : ctx.exchange.findOrder(m, { orderId });
  const trades = ctx.exchange.trades(m).filter((t) => orderId === undefined || t.order === order);
  return window(
    trades,
    p,
    (t) => t.id,
    (t) => t.time,
    'fromId',
  ).map(tradeRow);
}
