import type { Market, OrderRequest } from '@bt/core';
import { ccxtErrorClass } from './errors.js';

/** ccxt's precision modes (`exchange.precisionMode`), as numbered in ccxt. */
const DECIMAL_PLACES = 2;
const SIGNIFICANT_DIGITS = 3;
const TICK_SIZE = 4;

/** A ccxt precision value as a step: a tick size as is, a number of decimals as 10^-n. */
export function precisionToStep(precision: number | undefined, precisionMode: number): number | undefined {
  if (precision === undefined || precision === null || !Number.isFinite(precision)) return undefined;
  if (precisionMode === TICK_SIZE) return precision > 0 ? precision : undefined;
  if (precisionMode === DECIMAL_PLACES) return Number((10 ** -precision).toPrecision(12));
  if (precisionMode === SIGNIFICANT_DIGITS) return undefined;
  return undefined;
}

/** Amounts this close to a step multiple (as a fraction of the step) are float noise, not a shortfall. */
const STEP_NOISE = 1e-6;

/**
 * `amount` put on its step grid when float arithmetic left it a hair below a multiple of `step`
 * (0.3 − 0.1 is 0.19999999999999998, which truncation would make 0.19999 and leave dust);
 * otherwise as given, for truncation to take down. Without a step, as given.
 *
 * @example
 * ```ts
 * snapToStep(0.3 - 0.1, 0.00001); // 0.2
 * snapToStep(0.123456, 0.00001); // 0.123456
 * ```
 */
export function snapToStep(amount: number, step: number | undefined): number {
  if (step === undefined || !(step > 0) || !Number.isFinite(amount)) return amount;
  const snapped = Math.round(amount / step) * step;
  return Math.abs(snapped - amount) <= step * STEP_NOISE ? Number(snapped.toPrecision(15)) : amount;
}

/** The ccxt helpers order preparation uses (a ccxt exchange instance with its markets loaded has them). */
export interface PrecisionHelpers {
  /** The amount truncated to the market's amount precision, as text; throws ccxt's InvalidOrder when it truncates to 0. */
  amountToPrecision(symbol: string, amount: number): string | undefined;
  /** The price rounded to the market's price precision, as text. */
  priceToPrecision(symbol: string, price: number | undefined): string | undefined;
}

/** An order ready to send, rounded to the market's precision, or the reason it cannot be sent. */
export type PreparedOrder =
  | { readonly ok: true; readonly amount: number; readonly price?: number; readonly stopPrice?: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Rounds `request` to `market`'s precision with ccxt's own helpers (amounts truncated by
 * `amountToPrecision`, after float noise just below a step is snapped up by {@link snapToStep}, prices rounded by `priceToPrecision`), then checks the market's limits:
 * minimum amount, and minimum notional at the order's price (a market order at
 * `referencePrice`; the check is skipped when that is unknown).
 *
 * @example
 * ```ts
 * prepareOrder(exchange, market, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.123456, price: 27000.123 }, 27000);
 * // { ok: true, amount: 0.12345, price: 27000.12 }
 * ```
 */
export function prepareOrder(
  helpers: PrecisionHelpers,
  market: Market,
  request: OrderRequest,
  referencePrice: number | undefined,
): PreparedOrder {
  const { symbol } = market;
  if (!market.active) return { ok: false, reason: `market ${symbol} is not active` };
  if (!(typeof request.amount === 'number' && request.amount > 0 && Number.isFinite(request.amount))) {
    return { ok: false, reason: `amount must be a positive finite number, got ${request.amount}` };
  }
  const needsPrice = request.type === 'limit' || request.type === 'stop-limit';
  const needsStop = request.type === 'stop' || request.type === 'stop-limit';
  if (needsPrice && !(typeof request.price === 'number' && request.price > 0 && Number.isFinite(request.price))) {
    return { ok: false, reason: `a ${request.type} order needs a positive limit price (price), got ${request.price}` };
  }
  if (needsStop && !(typeof request.stopPrice === 'number' && request.stopPrice > 0 && Number.isFinite(request.stopPrice))) {
    return { ok: false, reason: `a ${request.type} order needs a positive trigger price (stopPrice), got ${request.stopPrice}` };
  }
  let amount: number;
  let price: number | undefined;
  let stopPrice: number | undefined;
  try {
    amount = Number(helpers.amountToPrecision(symbol, snapToStep(request.amount, market.amountStep)));
    price = needsPrice ? Number(helpers.priceToPrecision(symbol, request.price)) : undefined;
    stopPrice = needsStop ? Number(helpers.priceToPrecision(symbol, request.stopPrice)) : undefined;
  } catch (error) {
    if (ccxtErrorClass(error) === undefined) throw error;
    return { ok: false, reason: `${symbol}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!(amount > 0)) {
    return { ok: false, reason: `amount ${request.amount} rounds to 0 at the amount step ${market.amountStep} of ${symbol}` };
  }
  if (market.minAmount !== undefined && amount < market.minAmount) {
    return { ok: false, reason: `amount ${amount} is below the minimum amount ${market.minAmount} of ${symbol}` };
  }
  if (market.minNotional !== undefined) {
    const at = price ?? stopPrice ?? referencePrice;
    if (at !== undefined && Number.isFinite(at) && amount * at < market.minNotional) {
      return {
        ok: false,
        reason: `notional ${amount * at} (amount ${amount} x price ${at}) is below the minimum notional ${market.minNotional} of ${symbol}`,
      };
    }
  }
  return {
    ok: true,
    amount,
    ...(price === undefined ? {} : { price }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
  };
}
