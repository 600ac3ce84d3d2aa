import type { OrderSide } from '@bt/core';
import type { BarQuote } from '../models/types.js';

/**
 * When, inside a bar, an execution happens:
 * - `open`: at the bar's open (a market order, or a price that gapped through a limit or stop);
 * - `stop`: when the price reaches a stop trigger inside the bar;
 * - `limit`: when the price reaches a resting limit inside the bar.
 * Within one bar, `open` executions come first; `stop` and `limit` ones follow in the order set by
 * `intrabarPriority`.
 */
export type ExecutionMoment = 'open' | 'stop' | 'limit';

/** Where and when an order would execute in a bar, before slippage. */
export interface BarExecution {
  readonly price: number;
  readonly moment: ExecutionMoment;
}

/**
 * A limit order in a bar. A buy fills when `low <= limit`, at `min(open, limit)`; a sell fills
 * when `high >= limit`, at `max(open, limit)`. When the open is already through the limit the
 * fill is at the open (`moment: 'open'`), else at the limit (`moment: 'limit'`, the order made
 * liquidity).
 */
export function limitExecution(side: OrderSide, limit: number, bar: BarQuote): BarExecution | undefined {
  if (side === 'buy') {
    if (bar.open <= limit) return { price: bar.open, moment: 'open' };
    if (bar.low <= limit) return { price: limit, moment: 'limit' };
  } else {
    if (bar.open >= limit) return { price: bar.open, moment: 'open' };
    if (bar.high >= limit) return { price: limit, moment: 'limit' };
  }
  return undefined;
}

/**
 * A stop order in a bar. A buy triggers when `high >= stop`, at `max(open, stop)`; a sell
 * triggers when `low <= stop`, at `min(open, stop)`. A gap through the stop fills at the open.
 */
export function stopExecution(side: OrderSide, stop: number, bar: BarQuote): BarExecution | undefined {
  if (side === 'buy') {
    if (bar.open >= stop) return { price: bar.open, moment: 'open' };
    if (bar.high >= stop) return { price: stop, moment: 'stop' };
  } else {
    if (bar.open <= stop) return { price: bar.open, moment: 'open' };
    if (bar.low <= stop) return { price: stop, moment: 'stop' };
  }
  return undefined;
}

/** What a stop-limit order does in a bar: whether it triggers, and its execution if any. */
export interface StopLimitOutcome {
  readonly triggered: boolean;
  readonly execution?: BarExecution;
}

/**
 * A stop-limit order in a bar: it triggers as a stop, then acts as a limit.
 * - Already triggered (in an earlier bar): a plain limit ({@link limitExecution}).
 * - Triggered at the open (the open is through the stop): a limit for the whole bar.
 * - Triggered inside the bar: it fills at the stop price when the limit allows it (buy: limit >=
 *   stop; sell: limit <= stop), else it rests as a limit from the next bar on (a bar does not say
 *   whether the price came back to the limit after touching the stop).
 */
export function stopLimitExecution(side: OrderSide, stop: number, limit: number, triggered: boolean, bar: BarQuote): StopLimitOutcome {
  if (triggered) return withExecution(true, limitExecution(side, limit, bar));
  const trigger = stopExecution(side, stop, bar);
  if (trigger === undefined) return { triggered: false };
  if (trigger.moment === 'open') return withExecution(true, limitExecution(side, limit, bar));
  const fillsAtStop = side === 'buy' ? limit >= stop : limit <= stop;
  return fillsAtStop ? { triggered: true, execution: trigger } : { triggered: true };
}

function withExecution(triggered: boolean, execution: BarExecution | undefined): StopLimitOutcome {
  return execution === undefined ? { triggered } : { triggered, execution };
}
