import type { Fill, OrderSide, OrderStatus, TimeInForce } from '@bt/core';
import type { EmulatedMarket } from './markets.js';

/** The spot order types the emulator accepts, by their Binance names. */
export type BinanceOrderType = 'MARKET' | 'LIMIT' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT';

/** Binance's order statuses that the emulator reports. */
export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

/**
 * When a new order's client order id is refused as a duplicate (`-2010 Duplicate order sent.`):
 * - `open-only` (Binance's rule): only while an OPEN order has the same id; once that order is
 *   final (filled, canceled, expired) the id can be used again;
 * - `unique`: whenever any order ever had that id (stricter than Binance).
 */
export type ClientOrderIdRule = 'open-only' | 'unique';

/** Binance's status for the engine's `status` (a canceled order is `EXPIRED` unless a cancel request ended it). */
export function binanceStatus(status: OrderStatus, canceledByUser: boolean): BinanceOrderStatus {
  switch (status) {
    case 'open':
      return 'NEW';
    case 'partially-filled':
      return 'PARTIALLY_FILLED';
    case 'filled':
      return 'FILLED';
    case 'canceled':
      return canceledByUser ? 'CANCELED' : 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
  }
}

/** A validated new order, in the emulator's terms. */
export interface NewOrder {
  readonly market: EmulatedMarket;
  readonly side: OrderSide;
  readonly type: BinanceOrderType;
  readonly timeInForce: TimeInForce;
  /** Base quantity; for MARKET orders either this or `quoteOrderQty`. */
  readonly quantity?: number;
  /** Quote amount of a MARKET order, converted to a quantity at the latest price. */
  readonly quoteOrderQty?: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly clientOrderId: string;
}

/** An order the emulator accepted: its Binance identity next to the engine's. */
export interface OrderRecord {
  /** Binance's numeric id (unique until the venue restarts with its ids reset). */
  readonly orderId: number;
  /** The matching engine's id (always unique). */
  readonly engineId: string;
  readonly market: EmulatedMarket;
  readonly type: BinanceOrderType;
  readonly clientOrderId: string;
  /** When it was accepted (simulated ms). */
  readonly time: number;
  /** Price at which a buy's funds are held while it is open. */
  readonly holdPrice: number;
  /** Quote amount asked for (MARKET by quote), else 0. */
  readonly quoteOrderQty: number;
  /** Sum of price x quantity over its fills. */
  cumQuote: number;
  /** True when a cancel request ended it. */
  canceledByUser: boolean;
}

/** One execution, as `GET /api/v3/myTrades` reports it. */
export interface TradeRecord {
  /** Binance's trade id (unique until the venue restarts with its ids reset). */
  readonly id: number;
  readonly order: OrderRecord;
  readonly side: OrderSide;
  readonly price: number;
  readonly qty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  /** When the emulator executed it: the close of the bar it was matched in. */
  readonly time: number;
  readonly maker: boolean;
}

/** An order reference of a request: Binance id, or client order id. */
export interface OrderRef {
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

/**
 * Every order and trade the exchange accepted, with Binance's numeric ids. Lookups give the
 * NEWEST order with an id: a client order id can be used again once its order is final, and after
 * {@link OrderRegistry.resetIds} numeric ids repeat.
 */
export class OrderRegistry {
  readonly #orders: OrderRecord[] = [];
  readonly #trades: TradeRecord[] = [];
  readonly #byOrderId = new Map<number, OrderRecord>();
  readonly #byEngineId = new Map<string, OrderRecord>();
  readonly #byClientId = new Map<string, OrderRecord>();
  #nextOrderId = 1;
  #nextTradeId = 1;

  /** The id the next accepted order gets. */
  get nextOrderId(): number {
    return this.#nextOrderId;
  }

  /** The id the next trade gets. */
  get nextTradeId(): number {
    return this.#nextTradeId;
  }

  /** Books a new order under the next order id. */
  addOrder(fields: Omit<OrderRecord, 'orderId'>): OrderRecord {
    const record: OrderRecord = { ...fields, orderId: this.#nextOrderId++ };
    this.#orders.push(record);
    this.#byOrderId.set(record.orderId, record);
    this.#byEngineId.set(record.engineId, record);
    this.#byClientId.set(record.clientOrderId, record);
    return record;
  }

  /** Books a trade under the next trade id. */
  addTrade(fields: Omit<TradeRecord, 'id'>): TradeRecord {
    const trade: TradeRecord = { ...fields, id: this.#nextTradeId++ };
    this.#trades.push(trade);
    return trade;
  }

  /** The order the engine knows as `engineId`. */
  byEngineId(engineId: string): OrderRecord | undefined {
    return this.#byEngineId.get(engineId);
  }

  /** The newest order with this client order id, in any market. */
  newestByClientId(clientOrderId: string): OrderRecord | undefined {
    return this.#byClientId.get(clientOrderId);
  }

  /** The newest order of `market` with the Binance id or client order id `ref` names. */
  find(market: EmulatedMarket, ref: OrderRef): OrderRecord | undefined {
    const byId = ref.orderId !== undefined;
    const newest = byId ? this.#byOrderId.get(ref.orderId as number) : this.#byClientId.get(ref.clientOrderId ?? '');
    if (newest === undefined || newest.market === market) return newest;
    // The newest with that id is in another market: the newest of this one, if any.
    for (let i = this.#orders.length - 1; i >= 0; i--) {
      const r = this.#orders[i] as OrderRecord;
      if (r.market === market && (byId ? r.orderId === ref.orderId : r.clientOrderId === ref.clientOrderId)) return r;
    }
    return undefined;
  }

  /** Every order, oldest first. */
  orders(): readonly OrderRecord[] {
    return this.#orders;
  }

  /** Every trade, oldest first. */
  trades(): readonly TradeRecord[] {
    return this.#trades;
  }

  /** Order and trade ids start again at 1, as on a venue restarted without its id counters; the books stay. */
  resetIds(): void {
    this.#nextOrderId = 1;
    this.#nextTradeId = 1;
  }
}

/** A trade as the venue's REST reports it (`myTrades`), in `@bt/core`'s shape: Binance's ids as strings, the execution time. */
export function venueTradeOf(t: TradeRecord): Fill {
  return {
    id: String(t.id),
    orderId: String(t.order.orderId),
    clientOrderId: t.order.clientOrderId,
    symbol: t.order.market.market.symbol,
    side: t.side,
    amount: t.qty,
    price: t.price,
    fee: t.commission,
    feeCurrency: t.commissionAsset,
    maker: t.maker,
    timestamp: t.time,
  };
}
