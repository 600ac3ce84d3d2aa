import type { Fill, Market, Order, OrderAck, OrderRef, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce } from '@bt/core';
import { formatIsoTime } from '@bt/core';
import type { Account } from '../account/account.js';
import type { MarketTable } from '../markets.js';
import { checkOrderRequest, floorToStep } from '../markets.js';
import { noFees } from '../models/fees.js';
import { fixedLatency } from '../models/latency.js';
import { noSlippage } from '../models/slippage.js';
import type { BarQuote, FeeModel, LatencyModel, SlippageModel, VolumeCapModel } from '../models/types.js';
import { noVolumeCap } from '../models/volume.js';
import type { BarExecution, ExecutionMoment } from './fill-rules.js';
import { limitExecution, stopExecution, stopLimitExecution } from './fill-rules.js';
import type { EngineListener, MatchingEngine, MatchingEngineOptions } from './matching-engine.js';

/** An order in the book: its fixed terms, its mutable progress, and its latest frozen snapshot. */
interface BookOrder {
  readonly m: number;
  readonly seq: number;
  readonly id: string;
  readonly symbol: string;
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
  /** A market order under cheat-on-close: matched by `onClose`, not `onBar`. */
  readonly atClose: boolean;
  /** First bar index (of its market) the order may execute in. */
  activeFrom: number;
  /** A stop-limit whose stop has triggered. */
  triggered: boolean;
  filled: number;
  remaining: number;
  /** Sum of amount x price over the fills, for the average price. */
  notional: number;
  fills: number;
  snapshot: Order;
}

interface Candidate {
  readonly order: BookOrder;
  readonly execution: BarExecution;
  readonly rank: number;
}

/**
 * The default {@link MatchingEngine}: bar-level matching with the reference rules (see README,
 * "Fill rules"). Pure and deterministic: its only inputs are the orders and bars it is fed, its
 * only outputs the events it emits and the {@link Account} it updates.
 *
 * Within one bar of a market, executions happen in this order: those at the open (by sequence),
 * then intrabar stops and limits, stops first unless `intrabarPriority` is `limit-first` (each
 * group by sequence). Every execution is checked against the account at that moment, so an
 * earlier fill can make a later one impossible (a take-profit after a stop-loss closed the
 * position is rejected as reduce-only).
 */
export class BarMatchingEngine implements MatchingEngine {
  readonly markets: MarketTable;
  readonly account: Account;
  readonly #fees: FeeModel;
  readonly #slippage: SlippageModel;
  readonly #volumeCap: VolumeCapModel;
  readonly #latency: LatencyModel;
  readonly #cheatOnClose: boolean;
  readonly #rank: Readonly<Record<ExecutionMoment, number>>;
  readonly #emit: EngineListener;
  readonly #books: BookOrder[][];
  readonly #history: BookOrder[][];
  readonly #sequence: Int32Array;
  readonly #seen: Int32Array;
  readonly #closePending: Int32Array;
  readonly #capacityLeft: Float64Array;
  readonly #byId = new Map<string, BookOrder>();
  readonly #byClientId = new Map<string, BookOrder>();

  constructor(options: MatchingEngineOptions) {
    this.markets = options.markets;
    this.account = options.account;
    this.#fees = options.fees ?? noFees;
    this.#slippage = options.slippage ?? noSlippage;
    this.#volumeCap = options.volumeCap ?? noVolumeCap;
    this.#latency = options.latency ?? fixedLatency(0);
    this.#cheatOnClose = (options.fillTiming ?? 'next-open') === 'cheat-on-close';
    const stopFirst = (options.intrabarPriority ?? 'stop-first') === 'stop-first';
    this.#rank = { open: 0, stop: stopFirst ? 1 : 2, limit: stopFirst ? 2 : 1 };
    this.#emit = options.onEvent ?? (() => undefined);
    const n = this.markets.size;
    this.#books = Array.from({ length: n }, () => []);
    this.#history = Array.from({ length: n }, () => []);
    this.#sequence = new Int32Array(n);
    this.#seen = new Int32Array(n);
    this.#closePending = new Int32Array(n);
    this.#capacityLeft = new Float64Array(n).fill(Number.NaN);
  }

  submit(request: OrderRequest, now: number): OrderAck {
    const m = this.markets.indexOf(request.symbol);
    const clientOrderId = request.clientOrderId;
    const reject = (reason: string): OrderAck => ({
      accepted: false,
      status: 'rejected',
      reason,
      ...(clientOrderId === undefined ? {} : { clientOrderId }),
    });
    if (m < 0) {
      return reject(`unknown symbol "${request.symbol}": this simulation trades ${this.markets.list.map((x) => x.symbol).join(', ')}`);
    }
    const market = this.markets.at(m);
    const problem = checkOrderRequest(request, market, this.account.markPrice(m));
    if (problem !== undefined) return reject(problem);
    if (clientOrderId !== undefined) {
      const existing = this.#byClientId.get(clientOrderId);
      if (existing !== undefined) return reject(`clientOrderId "${clientOrderId}" is already used by order ${existing.id}`);
    }
    const seq = (this.#sequence[m] as number) + 1;
    this.#sequence[m] = seq;
    const seen = this.#seen[m] as number;
    const latency = this.#latency.steps(request, market);
    const atClose = this.#cheatOnClose && request.type === 'market';
    const hasPrice = request.type === 'limit' || request.type === 'stop-limit';
    const hasStop = request.type === 'stop' || request.type === 'stop-limit';
    const order: BookOrder = {
      m,
      seq,
      id: `${market.symbol}:${seq}`,
      symbol: market.symbol,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce ?? 'GTC',
      amount: request.amount,
      price: hasPrice ? request.price : undefined,
      stopPrice: hasStop ? request.stopPrice : undefined,
      reduceOnly: request.reduceOnly ?? false,
      clientOrderId,
      tag: request.tag,
      createdAt: now,
      atClose,
      activeFrom: atClose ? Math.max(0, seen - 1 + latency) : seen + latency,
      triggered: false,
      filled: 0,
      remaining: request.amount,
      notional: 0,
      fills: 0,
      snapshot: undefined as unknown as Order,
    };
    order.snapshot = snapshotOf(order, 'open', now, undefined);
    this.#books[m]?.push(order);
    this.#history[m]?.push(order);
    this.#byId.set(order.id, order);
    if (clientOrderId !== undefined) this.#byClientId.set(clientOrderId, order);
    if (atClose) this.#closePending[m] = (this.#closePending[m] as number) + 1;
    return { accepted: true, orderId: order.id, status: 'open', ...(clientOrderId === undefined ? {} : { clientOrderId }) };
  }

  cancel(ref: OrderRef, now: number): Order | undefined {
    const order = this.#find(ref);
    if (order === undefined) return undefined;
    if (isDone(order)) return order.snapshot;
    this.#end(order, 'canceled', 'canceled on request', now);
    this.#removeFromBook(order);
    return order.snapshot;
  }

  fetch(ref: OrderRef): Order | undefined {
    return this.#find(ref)?.snapshot;
  }

  openOrders(symbol?: string): readonly Order[] {
    if (symbol !== undefined) {
      const m = this.markets.indexOf(symbol);
      return Object.freeze(m < 0 ? [] : (this.#books[m] as BookOrder[]).map((o) => o.snapshot));
    }
    return Object.freeze(this.#books.flatMap((book) => book.map((o) => o.snapshot)));
  }

  orders(): readonly Order[] {
    return Object.freeze(this.#history.flatMap((list) => list.map((o) => o.snapshot)));
  }

  hasCloseOrders(m: number): boolean {
    return (this.#closePending[m] as number) > 0;
  }

  /** Number of orders resting in market `m`'s book (0: `onBar` only counts the bar, it reads nothing of it). */
  bookSize(m: number): number {
    return (this.#books[m] as BookOrder[]).length;
  }

  barsSeen(m: number): number {
    return this.#seen[m] as number;
  }

  onBar(m: number, bar: BarQuote): void {
    const index = this.#seen[m] as number;
    this.#seen[m] = index + 1;
    this.#capacityLeft[m] = Number.NaN;
    const book = this.#books[m] as BookOrder[];
    if (book.length === 0) return;
    this.#match(m, book, bar, index, bar.closeTime, false);
  }

  onClose(m: number, bar: BarQuote, now: number): void {
    if (this.#closePending[m] === 0) return;
    const index = (this.#seen[m] as number) - 1;
    if (index < 0) return;
    this.#match(m, this.#books[m] as BookOrder[], bar, index, now, true);
  }

  /** One matching pass over market `m`'s book for the bar at `index`. */
  #match(m: number, book: BookOrder[], bar: BarQuote, index: number, now: number, atClose: boolean): void {
    const candidates: Candidate[] = [];
    const missed: BookOrder[] = [];
    for (const order of book) {
      if (order.atClose !== atClose || order.activeFrom > index) continue;
      const execution = atClose ? { price: bar.close, moment: 'open' as const } : this.#execution(order, bar);
      if (execution !== undefined) candidates.push({ order, execution, rank: this.#rank[execution.moment] });
      else if (order.timeInForce === 'IOC') missed.push(order);
    }
    if (candidates.length === 0 && missed.length === 0) return;
    // Array.prototype.sort is stable, and the book is in sequence order.
    candidates.sort((a, b) => a.rank - b.rank);
    for (const candidate of candidates) this.#execute(m, candidate, bar, index, now);
    for (const order of missed) {
      this.#end(order, 'canceled', `IOC: not executable in its first bar (opening ${formatIsoTime(bar.openTime)})`, now);
    }
    let kept = 0;
    for (const order of book) if (!isDone(order)) book[kept++] = order;
    book.length = kept;
  }

  #execution(order: BookOrder, bar: BarQuote): BarExecution | undefined {
    switch (order.type) {
      case 'market':
        return { price: bar.open, moment: 'open' };
      case 'limit':
        return limitExecution(order.side, order.price as number, bar);
      case 'stop':
        return stopExecution(order.side, order.stopPrice as number, bar);
      case 'stop-limit': {
        const outcome = stopLimitExecution(order.side, order.stopPrice as number, order.price as number, order.triggered, bar);
        order.triggered = outcome.triggered;
        return outcome.execution;
      }
    }
  }

  /** Executes one candidate against the volume cap, the reduce-only rule and the account. */
  #execute(m: number, { order, execution }: Candidate, bar: BarQuote, index: number, now: number): void {
    const market = this.markets.at(m);
    let amount = order.remaining;
    let capacity = this.#capacityLeft[m] as number;
    if (Number.isNaN(capacity)) capacity = this.#volumeCap.capacity(bar, market);
    if (capacity < amount) amount = floorToStep(Math.max(0, capacity), market.amountStep);
    if (!(amount > 0)) {
      this.#capacityLeft[m] = capacity;
      this.#afterExecution(order, index, now, `no volume left in the bar opening ${formatIsoTime(bar.openTime)} under the volume cap`);
      return;
    }
    let reduceOnlyCut = false;
    if (order.reduceOnly) {
      const position = this.account.signedSize(m);
      const reducible = order.side === 'buy' ? Math.max(0, -position) : Math.max(0, position);
      if (reducible <= 0) {
        const held = position === 0 ? 'the position is flat' : `it would grow the ${position > 0 ? 'long' : 'short'} position`;
        this.#end(order, order.filled > 0 ? 'canceled' : 'rejected', `reduce-only: ${held}`, now);
        return;
      }
      if (reducible < amount) {
        amount = reducible;
        reduceOnlyCut = true;
      }
    }
    const maker = execution.moment === 'limit';
    let price = execution.price;
    if (!maker) {
      price = this.#slippage.price({ market, order: order.snapshot, side: order.side, amount, price, maker, bar });
      if (order.price !== undefined) price = order.side === 'buy' ? Math.min(price, order.price) : Math.max(price, order.price);
    }
    const fee = this.#fees.fee({ market, order: order.snapshot, side: order.side, amount, price, maker, bar });
    const refusal = this.account.check(m, order.side, amount, price, fee);
    if (refusal !== undefined) {
      this.#end(order, order.filled > 0 ? 'canceled' : 'rejected', refusal, now);
      return;
    }
    this.account.apply(m, order.side, amount, price, fee, bar.openTime);
    this.#capacityLeft[m] = capacity - amount;
    order.filled += amount;
    order.remaining = amount === order.remaining ? 0 : order.remaining - amount;
    order.notional += amount * price;
    order.fills++;
    const fill = fillOf(order, market, amount, price, fee, maker, bar.openTime);
    let status: OrderStatus = order.remaining === 0 ? 'filled' : 'partially-filled';
    let reason: string | undefined;
    if (order.remaining > 0) {
      if (reduceOnlyCut) reason = `reduce-only: the remaining ${order.remaining} would open a position`;
      else if (order.timeInForce === 'IOC') reason = `IOC: the remaining ${order.remaining} was not filled in its first bar`;
      if (reason !== undefined) status = 'canceled';
    }
    if (status === 'canceled' || status === 'filled') this.#settle(order);
    else if (order.atClose) order.activeFrom = index + 1;
    order.snapshot = snapshotOf(order, status, now, reason);
    this.#safeEmit({ type: 'fill', fill });
    this.#safeEmit({ type: 'order', order: order.snapshot });
  }

  /** After a pass where `order` got nothing: an IOC ends, a cheat-on-close order waits for the next close. */
  #afterExecution(order: BookOrder, index: number, now: number, why: string): void {
    if (order.timeInForce === 'IOC') this.#end(order, 'canceled', `IOC: ${why}`, now);
    else if (order.atClose) order.activeFrom = index + 1;
  }

  /** Ends an order with `status` and `reason`, and emits the update. */
  #end(order: BookOrder, status: 'canceled' | 'rejected', reason: string, now: number): void {
    this.#settle(order);
    order.snapshot = snapshotOf(order, status, now, reason);
    this.#safeEmit({ type: 'order', order: order.snapshot });
  }

  /** Bookkeeping of an order leaving the book (the book itself is compacted by the caller). */
  #settle(order: BookOrder): void {
    if (order.atClose) this.#closePending[order.m] = (this.#closePending[order.m] as number) - 1;
  }

  #removeFromBook(order: BookOrder): void {
    const book = this.#books[order.m] as BookOrder[];
    const at = book.indexOf(order);
    if (at >= 0) book.splice(at, 1);
  }

  #find(ref: OrderRef): BookOrder | undefined {
    const order = 'orderId' in ref ? this.#byId.get(ref.orderId) : this.#byClientId.get(ref.clientOrderId);
    return order !== undefined && order.symbol === ref.symbol ? order : undefined;
  }

  #safeEmit(event: Parameters<EngineListener>[0]): void {
    try {
      this.#emit(event);
    } catch {
      // The listener is the engine's owner; its errors are its own to report. Matching goes on.
    }
  }
}

function isDone(order: BookOrder): boolean {
  const status = order.snapshot.status;
  return status === 'filled' || status === 'canceled' || status === 'rejected';
}

function snapshotOf(order: BookOrder, status: OrderStatus, now: number, reason: string | undefined): Order {
  return Object.freeze({
    id: order.id,
    ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    amount: order.amount,
    ...(order.price === undefined ? {} : { price: order.price }),
    ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
    reduceOnly: order.reduceOnly,
    status,
    filled: order.filled,
    remaining: order.remaining,
    ...(order.fills === 0 ? {} : { averagePrice: order.notional / order.filled }),
    ...(reason === undefined ? {} : { reason }),
    createdAt: order.createdAt,
    updatedAt: now,
    ...(order.tag === undefined ? {} : { tag: order.tag }),
  });
}

function fillOf(order: BookOrder, market: Market, amount: number, price: number, fee: number, maker: boolean, timestamp: number): Fill {
  return Object.freeze({
    id: `${order.id}#${order.fills}`,
    orderId: order.id,
    ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
    symbol: order.symbol,
    side: order.side,
    amount,
    price,
    fee,
    feeCurrency: market.quote,
    maker,
    timestamp,
    ...(order.tag === undefined ? {} : { tag: order.tag }),
  });
}
