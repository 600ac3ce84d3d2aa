import type { Fill } from './orders.js';
import type { PendingOrder } from './pending-orders.js';
import { PendingOrderBook } from './pending-orders.js';

/** Amounts within this fraction of a position count as equal to it (rounding of venue amounts). */
export const AMOUNT_TOLERANCE = 1e-9;

/**
 * The base amount the orders in flight on the reducing side of a `side` position (sells for a
 * long, buys for a short) will still fill: each order's amount minus its fills handed over so far.
 * Internal to the controller: the trade manager subtracts it from an exit, so that an exit never
 * adds to a reducing order already on its way (the strategy's or its own). `except` names an
 * order known to be over (an exit the venue rejected or ended), left out.
 */
export function reducingInFlight(orders: readonly PendingOrder[], side: 'long' | 'short', except?: string): number {
  const reducing = side === 'long' ? 'sell' : 'buy';
  let left = 0;
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i] as PendingOrder;
    if (order.side === reducing && order.clientOrderId !== except) left += Math.max(0, order.amount - order.filled);
  }
  return left;
}

/**
 * What is left to send of an exit of a `size` position once `inFlight` is on its way: 0 when the
 * orders in flight cover the position (within {@link AMOUNT_TOLERANCE} of it).
 */
export function exitAmount(size: number, inFlight: number): number {
  const left = size - inFlight;
  return left <= size * AMOUNT_TOLERANCE ? 0 : left;
}

/**
 * Why a sell of `amount` on a venue without shorting is refused, or undefined when it may go:
 * it would take the bot's own position (`position`, signed: long +) below zero once the sells
 * already in flight (`sellsInFlight`) fill. A position within {@link AMOUNT_TOLERANCE} of the
 * amount counts as enough.
 */
export function oversellReason(symbol: string, position: number, sellsInFlight: number, amount: number): string | undefined {
  const available = position - sellsInFlight;
  if (amount <= available + Math.max(amount, Math.abs(position)) * AMOUNT_TOLERANCE) return undefined;
  return (
    `sell of ${amount} ${symbol} refused: the venue has no shorting and the bot's own position is ${position}` +
    (sellsInFlight > 0 ? ` with ${sellsInFlight} already being sold by orders in flight` : '') +
    `, so at most ${Math.max(0, available)} may be sold (coins the bot did not buy are never sold)`
  );
}

/**
 * The controller's orders in flight ({@link PendingOrderBook}) plus the fills the event router
 * took but the trade manager was not handed yet (they wait in a symbol's queue for its next tick):
 * between the two, the book counts a fill that the trade's size does not show yet. Internal to the
 * controller: the gateway keeps one; the trade manager reads it to size an exit and marks each
 * fill it is handed.
 */
export class DeliveryLedger extends PendingOrderBook {
  /** Base amount routed but not handed to the trade manager yet, by client order id (only ids with some). */
  readonly #undelivered = new Map<string, number>();

  /** A new fill of the order sent as `clientOrderId` (the order store recorded it as new). */
  override filled(clientOrderId: string | undefined, fill: Fill): void {
    super.filled(clientOrderId, fill);
    if (clientOrderId !== undefined) this.#undelivered.set(clientOrderId, (this.#undelivered.get(clientOrderId) ?? 0) + fill.amount);
  }

  /** The trade manager was handed `fill`. */
  delivered(fill: Fill): void {
    const clientOrderId = fill.clientOrderId;
    if (clientOrderId === undefined || this.#undelivered.size === 0) return;
    const routed = this.#undelivered.get(clientOrderId);
    if (routed === undefined) return;
    const left = routed - fill.amount;
    if (left <= routed * AMOUNT_TOLERANCE) this.#undelivered.delete(clientOrderId);
    else this.#undelivered.set(clientOrderId, left);
  }

  /** The routed fills not handed over yet whose order `matches` (given its client order id): their sum. */
  undelivered(matches: (clientOrderId: string) => boolean): number {
    let sum = 0;
    for (const [clientOrderId, amount] of this.#undelivered) if (matches(clientOrderId)) sum += amount;
    return sum;
  }
}
