import type { Fill, Order, OrderSide, OrderStatus, OrderType, TimeInForce } from '@bt/core';
import type { CcxtOrder, CcxtTrade } from './ccxt-types.js';

/** What the adapter remembers of an order it sent, to complete what ccxt returns. */
export interface OrderIntent {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly amount: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly reduceOnly: boolean;
  readonly tag?: string;
}

/** A core order status from ccxt's status and fill progress. */
export function toOrderStatus(status: string | undefined, filled: number): OrderStatus {
  switch (status) {
    case 'closed':
      return 'filled';
    case 'canceled':
    case 'cancelled':
    case 'expired':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      return filled > 0 ? 'partially-filled' : 'open';
  }
}

/** A core order type from ccxt's (venue-flavoured) type string. */
export function toOrderType(type: string | undefined, hasTrigger: boolean, fallback: OrderType | undefined): OrderType {
  const t = (type ?? '').toLowerCase();
  if (t === 'market') return hasTrigger ? 'stop' : 'market';
  if (t === 'limit') return hasTrigger ? 'stop-limit' : 'limit';
  if (t.includes('stop') || t.includes('take_profit')) return t.includes('limit') ? 'stop-limit' : 'stop';
  return fallback ?? 'limit';
}

/**
 * The core {@link Order} of a ccxt order, completed with what the adapter knows of it
 * (`intent`: client order id, tag, reduce-only). `now` stamps an order ccxt gives no time for.
 */
export function toOrder(order: CcxtOrder, intent: OrderIntent | undefined, now: number): Order {
  const amount = num(order.amount) ?? intent?.amount ?? 0;
  const filled = num(order.filled) ?? 0;
  const remaining = num(order.remaining) ?? Math.max(0, amount - filled);
  const stopPrice = num(order.triggerPrice) ?? num(order.stopPrice) ?? intent?.stopPrice;
  const price = num(order.price) ?? intent?.price;
  const status = toOrderStatus(order.status, filled);
  const type = toOrderType(order.type, num(order.triggerPrice) !== undefined || num(order.stopPrice) !== undefined, intent?.type);
  const average = num(order.average) ?? (filled > 0 && num(order.cost) !== undefined ? (num(order.cost) as number) / filled : undefined);
  const createdAt = num(order.timestamp) ?? now;
  const updatedAt = num(order.lastUpdateTimestamp) ?? num(order.lastTradeTimestamp) ?? createdAt;
  const clientOrderId = str(order.clientOrderId) ?? intent?.clientOrderId;
  const reason = order.status === 'expired' ? 'expired' : order.status === 'rejected' ? 'rejected by the venue' : undefined;
  return Object.freeze({
    id: String(order.id),
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
    symbol: order.symbol ?? intent?.symbol ?? '',
    side: order.side === 'sell' ? 'sell' : order.side === 'buy' ? 'buy' : (intent?.side ?? 'buy'),
    type,
    timeInForce: order.timeInForce === 'IOC' || order.timeInForce === 'FOK' ? 'IOC' : (intent?.timeInForce ?? 'GTC'),
    amount,
    ...(price === undefined || type === 'market' || type === 'stop' ? {} : { price }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
    reduceOnly: intent?.reduceOnly ?? order.reduceOnly === true,
    status,
    filled,
    remaining: status === 'filled' ? 0 : remaining,
    ...(average === undefined || filled === 0 ? {} : { averagePrice: average }),
    ...(reason === undefined ? {} : { reason }),
    createdAt,
    updatedAt,
    ...(intent?.tag === undefined ? {} : { tag: intent.tag }),
  });
}

/** The core {@link Fill} of a ccxt trade of an order the adapter knows. */
export function toFill(trade: CcxtTrade, intent: OrderIntent | undefined, quote: string): Fill {
  const fee = num(trade.fee?.cost) ?? 0;
  return Object.freeze({
    id: String(trade.id),
    orderId: String(trade.order),
    ...(intent === undefined ? {} : { clientOrderId: intent.clientOrderId }),
    symbol: trade.symbol ?? intent?.symbol ?? '',
    side: trade.side === 'sell' ? 'sell' : 'buy',
    amount: num(trade.amount) ?? 0,
    price: num(trade.price) ?? 0,
    fee,
    feeCurrency: str(trade.fee?.currency) ?? quote,
    maker: trade.takerOrMaker === 'maker',
    timestamp: num(trade.timestamp) ?? 0,
    ...(intent?.tag === undefined ? {} : { tag: intent.tag }),
  });
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
