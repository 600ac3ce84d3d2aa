import { BtError } from '@bt/core';
import type { ExecutionContext, FeeModel } from './types.js';

/** Rates of {@link makerTakerFees}. Rates are fractions of the notional: 0.001 is 0.1 %. */
export interface FeeSchedule {
  /** Rate charged when the order provided liquidity. Default 0. */
  readonly maker?: number;
  /** Rate charged when the order took liquidity. Default 0. */
  readonly taker?: number;
  /** Fixed fee per order, in quote currency, charged once with the order's first execution. Default 0. */
  readonly perOrder?: number;
}

/**
 * Fees as `amount x price x rate` (maker or taker rate), plus `perOrder` on an order's first
 * execution.
 *
 * @example
 * ```ts
 * const fees = makerTakerFees({ maker: 0.0002, taker: 0.001, perOrder: 0.5 });
 * ```
 */
export function makerTakerFees(schedule: FeeSchedule = {}): FeeModel {
  const maker = schedule.maker ?? 0;
  const taker = schedule.taker ?? 0;
  const perOrder = schedule.perOrder ?? 0;
  for (const [name, value] of [
    ['maker', maker],
    ['taker', taker],
    ['perOrder', perOrder],
  ] as const) {
    if (!Number.isFinite(value)) throw new BtError('CONFIG', `fees.${name}: expected a finite number, got ${value}`);
  }
  return {
    fee(context: ExecutionContext): number {
      const rate = context.maker ? maker : taker;
      const fixed = context.order.filled === 0 ? perOrder : 0;
      return context.amount * context.price * rate + fixed;
    },
  };
}

/** No fees at all (the default). */
export const noFees: FeeModel = { fee: () => 0 };
