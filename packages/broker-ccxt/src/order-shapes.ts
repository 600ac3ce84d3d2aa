import type { Order } from '@bt/core';
import type { OrderIntent } from './mapping.js';

/** An order that is not in a state that can still change at the venue. */
export function isEnded(order: Order): boolean {
  return order.status === 'filled' || order.status === 'canceled' || order.status === 'rejected';
}

/** What the adapter can know of an order it did not send. */
export function intentOf(order: Order): OrderIntent {
  return {
    clientOrderId: order.clientOrderId ?? `venue:${order.id}`,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    amount: order.amount,
    ...(order.price === undefined ? {} : { price: order.price }),
    ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
    reduceOnly: order.reduceOnly,
  };
}

/** The update emitted for a submission the venue proved it never received. */
export function neverPlaced(intent: OrderIntent, now: number): Order {
  return Object.freeze({
    id: intent.clientOrderId,
    clientOrderId: intent.clientOrderId,
    symbol: intent.symbol,
    side: intent.side,
    type: intent.type,
    timeInForce: intent.timeInForce,
    amount: intent.amount,
    ...(intent.price === undefined ? {} : { price: intent.price }),
    reduceOnly: intent.reduceOnly,
    status: 'rejected',
    filled: 0,
    remaining: intent.amount,
    reason: 'the submission failed and the venue has no order with this client order id: it was never placed',
    createdAt: now,
    updatedAt: now,
    ...(intent.tag === undefined ? {} : { tag: intent.tag }),
  });
}
