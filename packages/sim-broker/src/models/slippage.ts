import { BtError } from '@bt/core';
import type { ExecutionContext, SlippageModel } from './types.js';

/**
 * Slippage of a fixed number of basis points: a buy pays `price x (1 + bps / 10000)`, a sell gets
 * `price x (1 - bps / 10000)`.
 */
export function fixedBpsSlippage(bps: number): SlippageModel {
  if (!(bps >= 0 && Number.isFinite(bps))) throw new BtError('CONFIG', `slippage: expected bps >= 0, got ${bps}`);
  const factor = bps / 10_000;
  return {
    price: (context: ExecutionContext): number => (context.side === 'buy' ? context.price * (1 + factor) : context.price * (1 - factor)),
  };
}

/**
 * Slippage as a function of the bar: `offset(context)` is the (non-negative) price distance added
 * to a buy and taken from a sell.
 *
 * @example
 * ```ts
 * // a tenth of the bar's range
 * const slippage = barSlippage(({ bar }) => 0.1 * (bar.high - bar.low));
 * ```
 */
export function barSlippage(offset: (context: ExecutionContext) => number): SlippageModel {
  return {
    price(context: ExecutionContext): number {
      const distance = offset(context);
      return context.side === 'buy' ? context.price + distance : context.price - distance;
    },
  };
}

/** No slippage (the default). */
export const noSlippage: SlippageModel = { price: (context) => context.price };
