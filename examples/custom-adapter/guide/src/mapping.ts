import type { Balance, Bar, Fill, Market, Order, OrderStatus, Position, Timeframe } from '@bt/core';
import { flatPosition } from '@bt/core';
import type { VenueBalance, VenueKline, VenueMarket, VenueOrder, VenueOrderStatus, VenuePosition, VenueTrade } from './venue.js';

/** The venue's data in core's types: pure functions, no I/O and no clock. */

export function toMarket(m: VenueMarket): Market {
  return {
    symbol: `${m.base}/${m.quote}`,
    base: m.base,
    quote: m.quote,
    type: 'spot',
    amountStep: Number(m.qtyStep),
    priceStep: Number(m.priceStep),
    minAmount: Number(m.minQty),
    active: true,
  };
}

/** Core's `closeTime` is the end of the interval: the moment the bar becomes known. */
export function toBar(k: VenueKline, symbol: string, timeframe: Timeframe, timeframeMs: number): Bar {
  const [openTime, open, high, low, close, volume] = k;
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

export function toStatus(status: VenueOrderStatus, executedQty: number): OrderStatus {
  switch (status) {
    case 'NEW':
      return executedQty > 0 ? 'partially-filled' : 'open';
    case 'PARTIALLY_FILLED':
      return 'partially-filled';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
      return 'canceled';
  }
}

export function toOrder(o: VenueOrder, symbol: string): Order {
  const amount = Number(o.qty);
  const filled = Number(o.executedQty);
  return {
    id: o.id,
    clientOrderId: o.clientId,
    symbol,
    side: o.side === 'BUY' ? 'buy' : 'sell',
    type: o.type === 'MARKET' ? 'market' : 'limit',
    timeInForce: 'GTC',
    amount,
    ...(o.price === undefined ? {} : { price: Number(o.price) }),
    reduceOnly: false,
    status: toStatus(o.status, filled),
    filled,
    remaining: Math.max(0, amount - filled),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export function toFill(t: VenueTrade, order: Order): Fill {
  return {
    id: t.id,
    orderId: order.id,
    ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
    symbol: order.symbol,
    side: order.side,
    amount: Number(t.qty),
    price: Number(t.price),
    fee: Number(t.fee),
    feeCurrency: t.feeAsset,
    maker: t.maker,
    timestamp: t.time,
  };
}

export function toBalance(b: VenueBalance): Balance {
  const free = Number(b.free);
  const used = Number(b.locked);
  return { currency: b.asset, free, used, total: free + used };
}

/** A spot holding as a long position (the venue cannot go short). */
export function toPosition(p: VenuePosition | undefined, symbol: string): Position {
  const size = Number(p?.qty ?? 0);
  if (p === undefined || !(size > 0)) return { ...flatPosition(symbol), realizedPnl: Number(p?.realizedPnl ?? 0) };
  const entryPrice = Number(p.avgPrice);
  const markPrice = Number(p.markPrice);
  return {
    symbol,
    side: 'long',
    size,
    entryPrice,
    markPrice,
    realizedPnl: Number(p.realizedPnl),
    unrealizedPnl: (markPrice - entryPrice) * size,
  };
}

/** A number as the venue wants it: plain decimals, never `1e-7`. */
export function decimal(value: number): string {
  return value.toFixed(12).replace(/\.?0+$/, '');
}
