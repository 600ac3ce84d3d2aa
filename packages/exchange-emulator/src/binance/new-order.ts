import { randomUUID } from 'node:crypto';
import type { OrderSide, TimeInForce } from '@bt/core';
import type { BinanceOrderType, NewOrder } from '../exchange/exchange.js';
import type { EmulatedMarket } from '../exchange/markets.js';
import { BinanceError } from './errors.js';
import { ORDER_TYPES } from './format.js';
import type { Params } from './params.js';

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/** A client order id parameter, checked against Binance's pattern. @throws BinanceError -1100 */
export function clientIdParam(p: Params, name: string): string | undefined {
  const id = p.get(name);
  if (id !== undefined && !CLIENT_ID.test(id)) {
    throw new BinanceError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.`);
  }
  return id;
}

/** A client order id as Binance makes one when none is sent. */
export function newClientId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 22);
}

function notRequired(name: string): BinanceError {
  return new BinanceError(400, -1106, `Parameter '${name}' sent when not required.`);
}

/** Parses and checks the parameters of `POST /api/v3/order`; `market` resolves the `symbol`. */
export function parseNewOrder(
  p: Params,
  market: (venueId: string) => EmulatedMarket,
): { order: NewOrder; respType: 'ACK' | 'RESULT' | 'FULL' } {
  const m = market(p.require('symbol'));
  const rawSide = p.require('side');
  if (rawSide !== 'BUY' && rawSide !== 'SELL') throw new BinanceError(400, -1117, 'Invalid side.');
  const side: OrderSide = rawSide === 'BUY' ? 'buy' : 'sell';
  const rawType = p.require('type');
  if (!(ORDER_TYPES as readonly string[]).includes(rawType)) throw new BinanceError(400, -1116, 'Invalid orderType.');
  const type = rawType as BinanceOrderType;
  const limitLike = type === 'LIMIT' || type === 'STOP_LOSS_LIMIT';
  const stopLike = type === 'STOP_LOSS' || type === 'STOP_LOSS_LIMIT';
  const rawTif = p.get('timeInForce');
  if (limitLike && rawTif === undefined) p.require('timeInForce');
  if (!limitLike && rawTif !== undefined) throw notRequired('timeInForce');
  if (rawTif !== undefined && rawTif !== 'GTC' && rawTif !== 'IOC') throw new BinanceError(400, -1115, 'Invalid timeInForce.');
  const timeInForce: TimeInForce = rawTif === 'IOC' ? 'IOC' : 'GTC';
  const quantity = p.decimal('quantity');
  const quoteOrderQty = p.decimal('quoteOrderQty');
  if (type === 'MARKET') {
    if (quantity === undefined && quoteOrderQty === undefined) {
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (quantity !== undefined && quoteOrderQty !== undefined) throw notRequired('quoteOrderQty');
  } else {
    if (quantity === undefined) p.require('quantity');
    if (quoteOrderQty !== undefined) throw notRequired('quoteOrderQty');
  }
  const price = p.decimal('price');
  if (limitLike && price === undefined) p.require('price');
  if (!limitLike && price !== undefined) throw notRequired('price');
  const stopPrice = p.decimal('stopPrice');
  if (stopLike && stopPrice === undefined) p.require('stopPrice');
  if (!stopLike && stopPrice !== undefined) throw notRequired('stopPrice');
  const respType = p.get('newOrderRespType') ?? (type === 'MARKET' || type === 'LIMIT' ? 'FULL' : 'ACK');
  if (respType !== 'ACK' && respType !== 'RESULT' && respType !== 'FULL') {
    throw new BinanceError(400, -1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.");
  }
  const order: NewOrder = {
    market: m,
    side,
    type,
    timeInForce,
    clientOrderId: clientIdParam(p, 'newClientOrderId') ?? newClientId(),
    ...(quantity === undefined ? {} : { quantity }),
    ...(quoteOrderQty === undefined ? {} : { quoteOrderQty }),
    ...(price === undefined ? {} : { price }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
  };
  return { order, respType };
}
