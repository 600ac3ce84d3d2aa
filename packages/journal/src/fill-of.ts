import type { Fill } from '@bt/core';
import type { FillRow } from './types.js';

/** A journaled fill as core's {@link Fill}, with `tag` (its intent's) when given. */
export function fillOf(row: FillRow, tag?: string): Fill {
  return {
    id: row.tradeId,
    orderId: row.venueOrderId,
    clientOrderId: row.clientOrderId,
    symbol: row.symbol,
    side: row.side,
    amount: row.amount,
    price: row.price,
    fee: row.fee,
    feeCurrency: row.feeCurrency,
    maker: row.maker,
    timestamp: row.time,
    ...(tag === undefined ? {} : { tag }),
  };
}
