import type { Order, OrderAck } from '@bt/core';
import { JournalError } from './errors.js';
import type { IntentStatus } from './lifecycle.js';
import type { IntentUpdate } from './types.js';

/** The lifecycle update a venue's answer to the submission of `clientOrderId` makes: its status and order id, or a rejection. */
export function ackUpdate(clientOrderId: string, ack: OrderAck): IntentUpdate {
  if (ack.clientOrderId !== undefined && ack.clientOrderId !== clientOrderId) {
    throw new JournalError('INVALID_INPUT', `the ack of ${clientOrderId} is for client order id ${ack.clientOrderId}`, {
      details: { clientOrderId, ackClientOrderId: ack.clientOrderId },
    });
  }
  if (!ack.accepted) return { status: 'rejected', error: ack.reason ?? 'rejected by the venue' };
  return {
    status: ack.status,
    ...(ack.orderId === undefined ? {} : { venueOrderId: ack.orderId }),
    ...(ack.reason === undefined ? {} : { error: ack.reason }),
  };
}

/** The lifecycle update a venue's view of an order makes: `open` with fills counts as `partially-filled`. */
export function orderUpdate(order: Order): IntentUpdate {
  const status: IntentStatus = order.status === 'open' && order.filled > 0 ? 'partially-filled' : order.status;
  return {
    status,
    venueOrderId: order.id,
    filled: order.filled,
    ...(order.averagePrice === undefined ? {} : { averagePrice: order.averagePrice }),
    ...(order.reason === undefined ? {} : { error: order.reason }),
  };
}
