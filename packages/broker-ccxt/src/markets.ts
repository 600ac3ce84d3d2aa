import type { Market } from '@bt/core';
import type { CcxtMarket } from './ccxt-types.js';
import { precisionToStep } from './precision.js';

/** The core {@link Market} of a ccxt market. */
export function toMarket(market: CcxtMarket, precisionMode: number): Market {
  const amountStep = precisionToStep(market.precision?.amount, precisionMode);
  const priceStep = precisionToStep(market.precision?.price, precisionMode);
  const minAmount = positive(market.limits?.amount?.min);
  const minNotional = positive(market.limits?.cost?.min);
  const type = market.type === 'swap' || market.type === 'future' ? market.type : 'spot';
  return Object.freeze({
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    type,
    ...(amountStep === undefined ? {} : { amountStep }),
    ...(priceStep === undefined ? {} : { priceStep }),
    ...(minAmount === undefined ? {} : { minAmount }),
    ...(minNotional === undefined ? {} : { minNotional }),
    active: market.active !== false,
  });
}

function positive(value: number | undefined): number | undefined {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : undefined;
}
