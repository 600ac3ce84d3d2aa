import type { OrderSide, OrderStatus, OrderType, TimeInForce } from '@bt/core';
import { resized } from '../data/typed-arrays.js';

const SIDES: readonly OrderSide[] = ['buy', 'sell'];
const TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop-limit'];
const TIME_IN_FORCE: readonly TimeInForce[] = ['GTC', 'IOC'];
const STATUSES: readonly OrderStatus[] = ['open', 'partially-filled', 'filled', 'canceled', 'rejected'];

/** An archived order as {@link OrderArchive.read} gives it back, with the venue id and symbol it is read under. */
export interface ArchivedOrderView extends ArchivedOrder {
  readonly id: string;
  readonly symbol: string;
}

/** Everything the archive keeps of one order: its terms and its final state. */
export interface ArchivedOrder {
  readonly m: number;
  readonly seq: number;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly amount: number;
  readonly price: number | undefined;
  readonly stopPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly clientOrderId: string | undefined;
  readonly tag: string | undefined;
  readonly createdAt: number;
  readonly status: OrderStatus;
  readonly reason: string | undefined;
  readonly updatedAt: number;
  readonly filled: number;
  readonly remaining: number;
  readonly notional: number;
  readonly fills: number;
}

/**
 * The orders that have left the book, kept in columns (typed arrays, plus the two string columns)
 * by order number, instead of one object per order. A backtest keeps every order until its
 * results are built; as objects, each one would be copied and traced by the garbage collector for
 * the rest of the run (measured: a quarter of an sma-cross backtest's time). {@link OrderArchive.read}
 * gives an order back whole.
 */
export class OrderArchive {
  #capacity = 0;
  #m = new Int32Array(0);
  #seq = new Int32Array(0);
  #fills = new Int32Array(0);
  /** side | type << 1 | timeInForce << 3 | reduceOnly << 4 | status << 5. */
  #codes = new Uint8Array(0);
  /** amount, price, stopPrice, createdAt, updatedAt, filled, remaining, notional: 8 per order. */
  #numbers = new Float64Array(0);
  readonly #clientOrderIds: (string | undefined)[] = [];
  readonly #tags: (string | undefined)[] = [];
  /** The few orders that end with a reason (rejections, cancellations). */
  readonly #reasons = new Map<number, string>();

  /** Stores order number `k` (`k` below the highest stored plus one). */
  write(k: number, order: ArchivedOrder): void {
    if (k >= this.#capacity) this.#grow(k + 1);
    this.#m[k] = order.m;
    this.#seq[k] = order.seq;
    this.#fills[k] = order.fills;
    this.#codes[k] =
      SIDES.indexOf(order.side) |
      (TYPES.indexOf(order.type) << 1) |
      (TIME_IN_FORCE.indexOf(order.timeInForce) << 3) |
      ((order.reduceOnly ? 1 : 0) << 4) |
      (STATUSES.indexOf(order.status) << 5);
    const n = this.#numbers;
    const at = k * 8;
    n[at] = order.amount;
    n[at + 1] = order.price ?? Number.NaN;
    n[at + 2] = order.stopPrice ?? Number.NaN;
    n[at + 3] = order.createdAt;
    n[at + 4] = order.updatedAt;
    n[at + 5] = order.filled;
    n[at + 6] = order.remaining;
    n[at + 7] = order.notional;
    while (this.#clientOrderIds.length < k) {
      this.#clientOrderIds.push(undefined);
      this.#tags.push(undefined);
    }
    this.#clientOrderIds[k] = order.clientOrderId;
    this.#tags[k] = order.tag;
    if (order.reason !== undefined) this.#reasons.set(k, order.reason);
  }

  /** Market index of order `k`. */
  market(k: number): number {
    return this.#m[k] as number;
  }

  /** Sequence of order `k` in its market. */
  sequence(k: number): number {
    return this.#seq[k] as number;
  }

  /** Side of order `k`. */
  side(k: number): OrderSide {
    return SIDES[(this.#codes[k] as number) & 1] as OrderSide;
  }

  /** Client order id of order `k`. */
  clientOrderId(k: number): string | undefined {
    return this.#clientOrderIds[k];
  }

  /** Tag of order `k`. */
  tag(k: number): string | undefined {
    return this.#tags[k];
  }

  /** Order number `k` as it was stored, under venue id `id` and `symbol` (one object). */
  read(k: number, id: string, symbol: string): ArchivedOrderView {
    const code = this.#codes[k] as number;
    const n = this.#numbers;
    const at = k * 8;
    const price = n[at + 1] as number;
    const stopPrice = n[at + 2] as number;
    return {
      id,
      symbol,
      m: this.#m[k] as number,
      seq: this.#seq[k] as number,
      side: SIDES[code & 1] as OrderSide,
      type: TYPES[(code >> 1) & 3] as OrderType,
      timeInForce: TIME_IN_FORCE[(code >> 3) & 1] as TimeInForce,
      amount: n[at] as number,
      price: Number.isNaN(price) ? undefined : price,
      stopPrice: Number.isNaN(stopPrice) ? undefined : stopPrice,
      reduceOnly: ((code >> 4) & 1) === 1,
      clientOrderId: this.#clientOrderIds[k],
      tag: this.#tags[k],
      createdAt: n[at + 3] as number,
      status: STATUSES[code >> 5] as OrderStatus,
      reason: this.#reasons.get(k),
      updatedAt: n[at + 4] as number,
      filled: n[at + 5] as number,
      remaining: n[at + 6] as number,
      notional: n[at + 7] as number,
      fills: this.#fills[k] as number,
    };
  }

  #grow(needed: number): void {
    const capacity = Math.max(needed, this.#capacity * 2, 256);
    this.#m = resized(this.#m, capacity);
    this.#seq = resized(this.#seq, capacity);
    this.#fills = resized(this.#fills, capacity);
    this.#codes = resized(this.#codes, capacity);
    this.#numbers = resized(this.#numbers, capacity * 8);
    this.#capacity = capacity;
  }
}
