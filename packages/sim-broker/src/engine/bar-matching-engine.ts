import type { Fill, Market, Order, OrderAck, OrderRef, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce } from '@bt/core';
import { formatIsoTime } from '@bt/core';
import type { Account } from '../account/account.js';
import type { MarketTable } from '../markets.js';
import { checkOrderRequest, floorToStep } from '../markets.js';
import { noFees } from '../models/fees.js';
import { fixedLatency } from '../models/latency.js';
import { noSlippage } from '../models/slippage.js';
import type { BarQuote, FeeModel, LatencyModel, SlippageModel, VolumeCapModel } from '../models/types.js';
import type { ExecutionSource } from '../results/trades.js';
import { noVolumeCap } from '../models/volume.js';
import { ClientIdIndex } from './client-id-index.js';
import { FillLog } from './fill-log.js';
import type { BarExecution, ExecutionMoment } from './fill-rules.js';
import { limitExecution, stopExecution, stopLimitExecution } from './fill-rules.js';
import type { EngineListener, EngineRecord, MatchingEngine, MatchingEngineOptions } from './matching-engine.js';
import type { ArchivedOrderView } from './order-archive.js';
import { OrderArchive } from './order-archive.js';

/**
 * An order in the book: its fixed terms and its mutable progress. Its public, frozen {@link Order}
 * view is built when asked for (an update event, a fetch, the results).
 */
class BookOrder {
  /** A stop-limit whose stop has triggered. */
  triggered = false;
  filled = 0;
  remaining: number;
  /** Sum of amount x price over the fills, for the average price. */
  notional = 0;
  fills = 0;
  status: OrderStatus = 'open';
  reason: string | undefined = undefined;
  updatedAt: number;

  constructor(
    readonly m: number,
    readonly seq: number,
    /** The order's number in the engine: its arrival count, from 0. */
    readonly k: number,
    readonly id: string,
    readonly symbol: string,
    readonly side: OrderSide,
    readonly type: OrderType,
    readonly timeInForce: TimeInForce,
    readonly amount: number,
    readonly price: number | undefined,
    readonly stopPrice: number | undefined,
    readonly reduceOnly: boolean,
    readonly clientOrderId: string | undefined,
    readonly tag: string | undefined,
    readonly createdAt: number,
    /** A market order under cheat-on-close: matched by `onClose`, not `onBar`. */
    readonly atClose: boolean,
    /** First bar index (of its market) the order may execute in. */
    public activeFrom: number,
  ) {
    this.remaining = amount;
    this.updatedAt = createdAt;
  }

  /** An archived order made whole again (for a cancel or fetch after it left the book). */
  static restore(k: number, a: ArchivedOrderView): BookOrder {
    const order = new BookOrder(
      a.m,
      a.seq,
      k,
      a.id,
      a.symbol,
      a.side,
      a.type,
      a.timeInForce,
      a.amount,
      a.price,
      a.stopPrice,
      a.reduceOnly,
      a.clientOrderId,
      a.tag,
      a.createdAt,
      false,
      0,
    );
    order.filled = a.filled;
    order.remaining = a.remaining;
    order.notional = a.notional;
    order.fills = a.fills;
    order.status = a.status;
    order.reason = a.reason;
    order.updatedAt = a.updatedAt;
    return order;
  }

  /** True once the order can no longer change. */
  get done(): boolean {
    const status = this.status;
    return status === 'filled' || status === 'canceled' || status === 'rejected';
  }

  /** Records a new status (and why) at `now`. */
  update(status: OrderStatus, reason: string | undefined, now: number): void {
    this.status = status;
    this.reason = reason;
    this.updatedAt = now;
  }

  /**
   * A frozen public view of the order as it stands, made on each call. Not cached: a cached view
   * would keep one more object alive per order for the whole run, and the young-generation GC pays
   * for every object that survives (measured: a tenth of a backtest's time with sma-cross).
   */
  view(): Order {
    return snapshotOf(this);
  }
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
  /** Per market, the number of each of its orders, by sequence (`seq - 1`). */
  readonly #numbers: number[][];
  /** By order number: the order while it is in the book; undefined once archived. */
  readonly #live: (BookOrder | undefined)[] = [];
  readonly #archive = new OrderArchive();
  readonly #fillLog = new FillLog();
  readonly #sequence: Int32Array;
  readonly #seen: Int32Array;
  readonly #closePending: Int32Array;
  readonly #capacityLeft: Float64Array;
  /** Order number by client order id. */
  readonly #byClientId = new ClientIdIndex();

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
    this.#numbers = Array.from({ length: n }, () => []);
    this.#sequence = new Int32Array(n);
    this.#seen = new Int32Array(n);
    this.#closePending = new Int32Array(n);
    this.#capacityLeft = new Float64Array(n).fill(Number.NaN);
  }

  submit(request: OrderRequest, now: number): OrderAck {
    const m = this.markets.indexOf(request.symbol);
    const clientOrderId = request.clientOrderId;
    if (m < 0) {
      return rejectedAck(
        `unknown symbol "${request.symbol}": this simulation trades ${this.markets.list.map((x) => x.symbol).join(', ')}`,
        clientOrderId,
      );
    }
    const market = this.markets.at(m);
    const problem = checkOrderRequest(request, market, this.account.markPrice(m));
    if (problem !== undefined) return rejectedAck(problem, clientOrderId);
    if (clientOrderId !== undefined) {
      const existing = this.#byClientId.get(clientOrderId);
      if (existing !== undefined) {
        return rejectedAck(`clientOrderId "${clientOrderId}" is already used by order ${this.#orderAt(existing).id}`, clientOrderId);
      }
    }
    const seq = (this.#sequence[m] as number) + 1;
    this.#sequence[m] = seq;
    const seen = this.#seen[m] as number;
    const latency = this.#latency.steps(request, market);
    const atClose = this.#cheatOnClose && request.type === 'market';
    const hasPrice = request.type === 'limit' || request.type === 'stop-limit';
    const hasStop = request.type === 'stop' || request.type === 'stop-limit';
    const k = this.#live.length;
    const order = new BookOrder(
      m,
      seq,
      k,
      orderIdOf(market.symbol, seq),
      market.symbol,
      request.side,
      request.type,
      request.timeInForce ?? 'GTC',
      request.amount,
      hasPrice ? request.price : undefined,
      hasStop ? request.stopPrice : undefined,
      request.reduceOnly ?? false,
      clientOrderId,
      request.tag,
      now,
      atClose,
      atClose ? Math.max(0, seen - 1 + latency) : seen + latency,
    );
    (this.#books[m] as BookOrder[]).push(order);
    this.#live.push(order);
    (this.#numbers[m] as number[]).push(k);
    if (clientOrderId !== undefined) this.#byClientId.add(clientOrderId, k);
    if (atClose) this.#closePending[m] = (this.#closePending[m] as number) + 1;
    return acceptedAck(order.id, clientOrderId);
  }

  cancel(ref: OrderRef, now: number): Order | undefined {
    const order = this.#find(ref);
    if (order === undefined) return undefined;
    if (order.done) return order.view();
    this.#end(order, 'canceled', 'canceled on request', now);
    this.#removeFromBook(order);
    return order.view();
  }

  fetch(ref: OrderRef): Order | undefined {
    return this.#find(ref)?.view();
  }

  openOrders(symbol?: string): readonly Order[] {
    if (symbol !== undefined) {
      const m = this.markets.indexOf(symbol);
      return Object.freeze(m < 0 ? [] : (this.#books[m] as BookOrder[]).map((o) => o.view()));
    }
    return Object.freeze(this.#books.flatMap((book) => book.map((o) => o.view())));
  }

  orders(): readonly Order[] {
    return this.record().orders();
  }

  /** Every execution so far, in execution order, as the fills the engine emitted (equal objects, made again from its compact log). */
  fills(): readonly Fill[] {
    return this.#fillsUpTo(this.#fillLog.length);
  }

  /**
   * The orders and fills as they stand now, without building them (see {@link EngineRecord}):
   * orders that left the book and logged fills never change, so the record keeps counts and the
   * views of the orders still in the book, and builds the rest from the archive and the fill log
   * when first asked.
   */
  record(): EngineRecord {
    const counts = this.#numbers.map((list) => list.length);
    const inBook = new Map<number, Order>();
    let unfilled = 0;
    for (const book of this.#books) {
      for (const order of book) {
        // Done orders were archived already (a book is compacted after a matching pass).
        if (this.#live[order.k] !== order) continue;
        inBook.set(order.k, order.view());
        if (order.status === 'open' || order.status === 'partially-filled') unfilled++;
      }
    }
    const fillCount = this.#fillLog.length;
    let orders: readonly Order[] | undefined;
    let fills: readonly Fill[] | undefined;
    return {
      unfilled,
      executions: this.#executions(fillCount),
      orders: () => {
        orders ??= Object.freeze(
          this.#numbers.flatMap((list, m) => list.slice(0, counts[m]).map((k) => inBook.get(k) ?? snapshotOf(this.#readArchived(k)))),
        );
        return orders;
      },
      fills: () => {
        fills ??= this.#fillsUpTo(fillCount);
        return fills;
      },
    };
  }

  /** The first `count` fills, made from the log. */
  #fillsUpTo(count: number): readonly Fill[] {
    const log = this.#fillLog;
    const fills: Fill[] = new Array(count);
    let k = -1;
    let order: FillSource | undefined;
    for (let i = 0; i < count; i++) {
      const orderK = log.orderOf(i);
      if (orderK !== k) {
        k = orderK;
        order = this.#fillSource(k);
      }
      const source = order as FillSource;
      fills[i] = fillOf(
        source,
        log.fillNumber(i),
        this.markets.at(source.m),
        log.amount(i),
        log.price(i),
        log.fee(i),
        log.maker(i),
        log.timestamp(i),
      );
    }
    return Object.freeze(fills);
  }

  /** The first `count` fills as {@link ExecutionSource} reads them, from the log's columns. */
  #executions(count: number): ExecutionSource {
    const log = this.#fillLog;
    const live = this.#live;
    const archive = this.#archive;
    const markets = this.markets;
    return {
      length: count,
      symbol: (i) => {
        const k = log.orderOf(i);
        return markets.at(live[k]?.m ?? archive.market(k)).symbol;
      },
      side: (i) => {
        const k = log.orderOf(i);
        return live[k]?.side ?? archive.side(k);
      },
      amount: (i) => log.amount(i),
      price: (i) => log.price(i),
      timestamp: (i) => log.timestamp(i),
    };
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
    if (book.length === 1) {
      this.#matchOne(m, book, bar, index, now, atClose);
      return;
    }
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
    for (const candidate of candidates) this.#execute(m, candidate.order, candidate.execution, bar, index, now);
    for (const order of missed) this.#missedIoc(order, bar, now);
    let kept = 0;
    for (const order of book) if (!order.done) book[kept++] = order;
    book.length = kept;
  }

  /** {@link BarMatchingEngine.#match} for a book of one order (the usual case): the same steps, no candidate lists. */
  #matchOne(m: number, book: BookOrder[], bar: BarQuote, index: number, now: number, atClose: boolean): void {
    const order = book[0] as BookOrder;
    if (order.atClose !== atClose || order.activeFrom > index) return;
    const execution = atClose ? { price: bar.close, moment: 'open' as const } : this.#execution(order, bar);
    if (execution !== undefined) this.#execute(m, order, execution, bar, index, now);
    else if (order.timeInForce === 'IOC') this.#missedIoc(order, bar, now);
    else return;
    if (order.done) book.length = 0;
  }

  /** Cancels an IOC order that could not execute in its first bar. */
  #missedIoc(order: BookOrder, bar: BarQuote, now: number): void {
    this.#end(order, 'canceled', `IOC: not executable in its first bar (opening ${formatIsoTime(bar.openTime)})`, now);
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
  #execute(m: number, order: BookOrder, execution: BarExecution, bar: BarQuote, index: number, now: number): void {
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
    // The models see the order as it stands; the no-op defaults need no view.
    const view = this.#slippage === noSlippage && this.#fees === noFees ? undefined : order.view();
    let price = execution.price;
    if (!maker) {
      if (view !== undefined) price = this.#slippage.price({ market, order: view, side: order.side, amount, price, maker, bar });
      if (order.price !== undefined) price = order.side === 'buy' ? Math.min(price, order.price) : Math.max(price, order.price);
    }
    const fee = view === undefined ? 0 : this.#fees.fee({ market, order: view, side: order.side, amount, price, maker, bar });
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
    const fill = fillOf(order, order.fills, market, amount, price, fee, maker, bar.openTime);
    this.#fillLog.push(order.k, order.fills, amount, price, fee, maker, bar.openTime);
    let status: OrderStatus = order.remaining === 0 ? 'filled' : 'partially-filled';
    let reason: string | undefined;
    if (order.remaining > 0) {
      if (reduceOnlyCut) reason = `reduce-only: the remaining ${order.remaining} would open a position`;
      else if (order.timeInForce === 'IOC') reason = `IOC: the remaining ${order.remaining} was not filled in its first bar`;
      if (reason !== undefined) status = 'canceled';
    }
    if (status === 'canceled' || status === 'filled') this.#settle(order);
    else if (order.atClose) order.activeFrom = index + 1;
    order.update(status, reason, now);
    this.#safeEmit({ type: 'fill', fill });
    this.#safeEmit({ type: 'order', order: order.view() });
    if (order.done) this.#toArchive(order);
  }

  /** After a pass where `order` got nothing: an IOC ends, a cheat-on-close order waits for the next close. */
  #afterExecution(order: BookOrder, index: number, now: number, why: string): void {
    if (order.timeInForce === 'IOC') this.#end(order, 'canceled', `IOC: ${why}`, now);
    else if (order.atClose) order.activeFrom = index + 1;
  }

  /** Ends an order with `status` and `reason`, and emits the update. */
  #end(order: BookOrder, status: 'canceled' | 'rejected', reason: string, now: number): void {
    this.#settle(order);
    order.update(status, reason, now);
    this.#safeEmit({ type: 'order', order: order.view() });
    this.#toArchive(order);
  }

  /** A terminal order leaves for the archive (the book is compacted by the caller). */
  #toArchive(order: BookOrder): void {
    if (this.#live[order.k] !== order) return;
    this.#archive.write(order.k, order);
    this.#live[order.k] = undefined;
  }

  /** Order number `k`: live, or restored from the archive. */
  #orderAt(k: number): BookOrder {
    return this.#live[k] ?? BookOrder.restore(k, this.#readArchived(k));
  }

  #readArchived(k: number): ArchivedOrderView {
    const archive = this.#archive;
    const symbol = this.markets.at(archive.market(k)).symbol;
    return archive.read(k, orderIdOf(symbol, archive.sequence(k)), symbol);
  }

  /** What the fills of order number `k` carry of it. */
  #fillSource(k: number): FillSource {
    const live = this.#live[k];
    if (live !== undefined) return live;
    const archive = this.#archive;
    const m = archive.market(k);
    const symbol = this.markets.at(m).symbol;
    return {
      m,
      id: orderIdOf(symbol, archive.sequence(k)),
      clientOrderId: archive.clientOrderId(k),
      symbol,
      side: archive.side(k),
      tag: archive.tag(k),
    };
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
    let order: BookOrder | undefined;
    if ('orderId' in ref) order = this.#byOrderId(ref.orderId);
    else {
      const k = this.#byClientId.get(ref.clientOrderId);
      order = k === undefined ? undefined : this.#orderAt(k);
    }
    return order !== undefined && order.symbol === ref.symbol ? order : undefined;
  }

  /** The order with venue id {@link orderIdOf}`(symbol, sequence)`, read back from the id. */
  #byOrderId(orderId: string): BookOrder | undefined {
    if (typeof orderId !== 'string') return undefined;
    const colon = orderId.lastIndexOf(':');
    const m = this.markets.indexOf(orderId.slice(0, colon));
    if (colon < 0 || m < 0) return undefined;
    const k = (this.#numbers[m] as number[])[Number(orderId.slice(colon + 1)) - 1];
    const order = k === undefined ? undefined : this.#orderAt(k);
    return order?.id === orderId ? order : undefined;
  }

  #safeEmit(event: Parameters<EngineListener>[0]): void {
    try {
      this.#emit(event);
    } catch {
      // The listener is the engine's owner; its errors are its own to report. Matching goes on.
    }
  }
}

/** The venue id of order `seq` of `symbol`: `<symbol>:<seq>` (read back by `#byOrderId`). */
function orderIdOf(symbol: string, seq: number): string {
  return `${symbol}:${seq}`;
}

/** The ack of an accepted order (key order: id, status, client id; one literal per shape, so every ack of a shape shares a map). */
function acceptedAck(orderId: string, clientOrderId: string | undefined): OrderAck {
  if (clientOrderId !== undefined) return { accepted: true, orderId, status: 'open', clientOrderId };
  return { accepted: true, orderId, status: 'open' };
}

/** The ack of a refused submission. */
function rejectedAck(reason: string, clientOrderId: string | undefined): OrderAck {
  const ack: { -readonly [K in keyof OrderAck]: OrderAck[K] } = { accepted: false, status: 'rejected', reason };
  if (clientOrderId !== undefined) ack.clientOrderId = clientOrderId;
  return ack;
}

/**
 * The frozen public view of `order`. Optional fields are present only when defined, in a fixed key
 * order (results serialise it). The usual shape (a filled order with a client id and a tag, no
 * prices, no reason) is one object literal; any other is built by assignment, as object literals with conditional
 * spreads take a slow path in V8. This runs for every order update and every order in the results.
 */
function snapshotOf(order: ArchivedOrderView): Order {
  const { clientOrderId, tag } = order;
  if (
    clientOrderId !== undefined &&
    tag !== undefined &&
    order.fills !== 0 &&
    order.price === undefined &&
    order.stopPrice === undefined &&
    order.reason === undefined
  ) {
    return Object.freeze({
      id: order.id,
      clientOrderId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      amount: order.amount,
      reduceOnly: order.reduceOnly,
      status: order.status,
      filled: order.filled,
      remaining: order.remaining,
      averagePrice: order.notional / order.filled,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
      tag,
    });
  }
  const o: Record<string, unknown> = { id: order.id };
  if (clientOrderId !== undefined) o.clientOrderId = clientOrderId;
  o.symbol = order.symbol;
  o.side = order.side;
  o.type = order.type;
  o.timeInForce = order.timeInForce;
  o.amount = order.amount;
  if (order.price !== undefined) o.price = order.price;
  if (order.stopPrice !== undefined) o.stopPrice = order.stopPrice;
  o.reduceOnly = order.reduceOnly;
  o.status = order.status;
  o.filled = order.filled;
  o.remaining = order.remaining;
  if (order.fills !== 0) o.averagePrice = order.notional / order.filled;
  if (order.reason !== undefined) o.reason = order.reason;
  o.createdAt = order.createdAt;
  o.updatedAt = order.updatedAt;
  if (tag !== undefined) o.tag = tag;
  return Object.freeze(o) as unknown as Order;
}

/** What a fill carries of its order. */
type FillSource = Pick<BookOrder, 'm' | 'id' | 'clientOrderId' | 'symbol' | 'side' | 'tag'>;

/** The frozen fill of one execution (the usual shape, with a client id and a tag, as one literal; like {@link snapshotOf}). */
function fillOf(
  order: FillSource,
  n: number,
  market: Market,
  amount: number,
  price: number,
  fee: number,
  maker: boolean,
  timestamp: number,
): Fill {
  const id = `${order.id}#${n}`;
  const { clientOrderId, tag } = order;
  if (clientOrderId !== undefined && tag !== undefined) {
    return Object.freeze({
      id,
      orderId: order.id,
      clientOrderId,
      symbol: order.symbol,
      side: order.side,
      amount,
      price,
      fee,
      feeCurrency: market.quote,
      maker,
      timestamp,
      tag,
    });
  }
  const f: Record<string, unknown> = { id, orderId: order.id };
  if (clientOrderId !== undefined) f.clientOrderId = clientOrderId;
  f.symbol = order.symbol;
  f.side = order.side;
  f.amount = amount;
  f.price = price;
  f.fee = fee;
  f.feeCurrency = market.quote;
  f.maker = maker;
  f.timestamp = timestamp;
  if (tag !== undefined) f.tag = tag;
  return Object.freeze(f) as unknown as Fill;
}
