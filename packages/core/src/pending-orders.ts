import type { OrderInFlight, OrderSource, SubmitOutcome } from './order-store.js';
import type { Fill, Order, OrderAck, OrderRequest, OrderSide, OrderType } from './orders.js';

/**
 * Where an order in flight stands: `sending` (recorded, no answer yet), `open` (the venue accepted
 * it), `unknown` (its submission failed in a way that may have reached the venue; it stays in
 * flight until the venue reports it or proves it absent).
 */
export type PendingStatus = 'sending' | 'open' | 'unknown';

/** One of a strategy's orders that was sent (or is being sent) and is not final, as the controller recorded it. */
export interface PendingOrder {
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** The amount asked for, in base currency. */
  readonly amount: number;
  /** The sum of the order's fills handed over so far. */
  readonly filled: number;
  /** Limit price (limit and stop-limit orders). */
  readonly price: number | undefined;
  /** Trigger price (stop and stop-limit orders). */
  readonly stopPrice: number | undefined;
  /** `trade-manager` for an exit the trade manager sent for the strategy's position. */
  readonly source: OrderSource;
  readonly status: PendingStatus;
  /** Controller's clock time at submission (ms). */
  readonly submittedAt: number;
}

/** Fills of at least this fraction of the amount fill an order (rounding of venue amounts). */
const FILLED = 1 - 1e-9;

const NONE: readonly PendingOrder[] = Object.freeze([]);

/** The controller's mutable record of one order in flight. */
class PendingRecord {
  filled = 0;
  status: PendingStatus = 'sending';
  /** What the fills must reach: the amount, or the venue's filled amount once it says `filled`. */
  target: number;

  constructor(
    readonly request: OrderRequest,
    readonly source: OrderSource,
    readonly submittedAt: number,
    readonly owner: StrategyPendingOrders,
  ) {
    this.target = request.amount;
  }

  /** A frozen copy, as strategies see it. */
  view(): PendingOrder {
    const r = this.request;
    return Object.freeze({
      clientOrderId: r.clientOrderId as string,
      side: r.side,
      type: r.type,
      amount: r.amount,
      filled: this.filled,
      price: r.price,
      stopPrice: r.stopPrice,
      source: this.source,
      status: this.status,
      submittedAt: this.submittedAt,
    });
  }
}

/**
 * The orders in flight of one strategy on one symbol. A strategy's context reads it every tick:
 * with nothing in flight, both reads return at once and allocate nothing.
 */
export class StrategyPendingOrders {
  readonly #records: PendingRecord[] = [];
  #view: readonly PendingOrder[] = NONE;
  #stale = false;

  /** The orders in flight, oldest first: a frozen array, the same one until an order changes (empty when none). */
  get orders(): readonly PendingOrder[] {
    if (this.#stale) {
      this.#stale = false;
      const records = this.#records;
      this.#view = records.length === 0 ? NONE : Object.freeze(records.map((record) => record.view()));
    }
    return this.#view;
  }

  /** Signed base amount not yet filled: buys +, sells −; exactly 0 when nothing is in flight. */
  get exposure(): number {
    const records = this.#records;
    if (records.length === 0) return 0;
    let exposure = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as PendingRecord;
      const left = Math.max(0, record.request.amount - record.filled);
      exposure += record.request.side === 'buy' ? left : -left;
    }
    return exposure;
  }

  /** Adds an order just sent. */
  add(record: PendingRecord): void {
    this.#records.push(record);
    this.#stale = true;
  }

  /** Removes an order now final. */
  remove(record: PendingRecord): void {
    const at = this.#records.indexOf(record);
    if (at >= 0) this.#records.splice(at, 1);
    this.#stale = true;
  }

  /** Marks the view stale: one of the orders changed. */
  touch(): void {
    this.#stale = true;
  }
}

/**
 * The controller's orders in flight, by strategy: fed by the order gateway (sent, answered,
 * failed, looked up) and by the event router (fills the order store recorded as new, order
 * updates). An order leaves when it is final: refused or rejected, canceled, proven absent, or
 * filled by the fills handed over (its amount, or the venue's filled amount once the venue says
 * `filled`). A `filled` status alone does not end it, so that its exposure moves to the position
 * with its fills, not before. The same records live and in backtests.
 */
export class PendingOrderBook {
  readonly #byClientId = new Map<string, PendingRecord>();
  readonly #bySymbol = new Map<string, Map<string, StrategyPendingOrders>>();

  /** The orders in flight of `strategyId` on `symbol` (made on first use, then the same object). */
  of(symbol: string, strategyId: string): StrategyPendingOrders {
    let strategies = this.#bySymbol.get(symbol);
    if (strategies === undefined) {
      strategies = new Map();
      this.#bySymbol.set(symbol, strategies);
    }
    let orders = strategies.get(strategyId);
    if (orders === undefined) {
      orders = new StrategyPendingOrders();
      strategies.set(strategyId, orders);
    }
    return orders;
  }

  /** How many orders are in flight, over every strategy. */
  get size(): number {
    return this.#byClientId.size;
  }

  /** `request` (with its client order id), sent for `strategyId`, was recorded and is about to go out. */
  sent(request: OrderRequest, strategyId: string, source: OrderSource, at: number): void {
    const clientOrderId = request.clientOrderId;
    if (clientOrderId === undefined) return;
    const owner = this.of(request.symbol, strategyId);
    const record = new PendingRecord(request, source, at, owner);
    this.#byClientId.set(clientOrderId, record);
    owner.add(record);
  }

  /**
   * An order an earlier process sent, not final yet (after a restart): in flight again, with its
   * fills handed over so far. An order already in flight under its client order id is left as is.
   */
  resumed(order: OrderInFlight): void {
    const { request } = order;
    const clientOrderId = request.clientOrderId;
    if (clientOrderId === undefined || this.#byClientId.has(clientOrderId)) return;
    const owner = this.of(request.symbol, order.strategyId);
    const record = new PendingRecord(request, order.source, order.submittedAt, owner);
    record.filled = order.filled;
    record.status = order.status;
    this.#byClientId.set(clientOrderId, record);
    owner.add(record);
  }

  /** The venue answered the submission of `clientOrderId`. */
  answered(clientOrderId: string | undefined, ack: OrderAck): void {
    const record = this.#get(clientOrderId);
    if (record === undefined) return;
    if (!ack.accepted || ack.status === 'rejected' || ack.status === 'canceled') this.#end(record);
    else this.#open(record);
  }

  /** The submission of `clientOrderId` threw: `rejected` ends it, `unknown` keeps it in flight. */
  failed(clientOrderId: string | undefined, outcome: SubmitOutcome): void {
    const record = this.#get(clientOrderId);
    if (record === undefined) return;
    if (outcome === 'rejected') this.#end(record);
    else {
      record.status = 'unknown';
      record.owner.touch();
    }
  }

  /** The venue proved not to have `clientOrderId`. */
  absent(clientOrderId: string | undefined): void {
    const record = this.#get(clientOrderId);
    if (record !== undefined) this.#end(record);
  }

  /** A new fill of the order sent as `clientOrderId` (the order store recorded it as new). */
  filled(clientOrderId: string | undefined, fill: Fill): void {
    const record = this.#get(clientOrderId);
    if (record === undefined) return;
    record.filled += fill.amount;
    if (record.filled >= record.target * FILLED) this.#end(record);
    else this.#open(record);
  }

  /** The venue's view of an order (an update event or a look-up). */
  updated(order: Order): void {
    const record = this.#get(order.clientOrderId);
    if (record === undefined) return;
    const status = order.status;
    if (status === 'canceled' || status === 'rejected') this.#end(record);
    else if (status === 'filled') {
      record.target = order.filled;
      if (record.filled >= order.filled * FILLED) this.#end(record);
      else this.#open(record);
    } else this.#open(record);
  }

  #get(clientOrderId: string | undefined): PendingRecord | undefined {
    return clientOrderId === undefined || this.#byClientId.size === 0 ? undefined : this.#byClientId.get(clientOrderId);
  }

  #open(record: PendingRecord): void {
    record.status = 'open';
    record.owner.touch();
  }

  #end(record: PendingRecord): void {
    this.#byClientId.delete(record.request.clientOrderId as string);
    record.owner.remove(record);
  }
}
