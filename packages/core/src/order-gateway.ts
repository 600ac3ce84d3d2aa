import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { OrderAck, OrderRequest } from './orders.js';
import type { StrategyOrder } from './strategy.js';

/** Who sent an order. */
export type OrderSource = 'strategy' | 'trade-manager';

/** One order as the controller recorded it, before and after the venue answered. */
export interface OrderJournalEntry {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly strategyId: string;
  readonly source: OrderSource;
  /** Why the trade manager sent it (`stop-loss`, `take-profit`...). */
  readonly reason?: string;
  readonly request: OrderRequest;
  /** Controller's clock time at submission. */
  readonly submittedAt: number;
  /** The venue's answer; undefined while in flight or when the call failed. */
  ack?: OrderAck;
  /** The error the submission threw, if any. */
  error?: string;
}

/** What a journal keeps of the rare orders that need more than a request and a plain ack. */
interface JournalExtra {
  source?: OrderSource;
  reason?: string | undefined;
  /** An answer that is not a plain acceptance (see {@link isPlainAck}). */
  ack?: OrderAck;
  error?: string;
}

/**
 * The journal of one configured symbol, by sequence (index `seq - 1`), in columns: the requests
 * as sent and, for the usual answer (accepted, open, with our client id), just the venue's order
 * id. A run keeps every order until its end; one entry, one ack and their numbers per order, kept
 * as objects, had the garbage collector copy and trace them for the rest of the run (measured: a
 * fifth of an sma-cross backtest's time). {@link OrderGateway.journal} builds the entries.
 */
class SymbolJournal {
  /** The requests as sent; each carries the symbol, the client order id and the strategy id (as its tag). */
  readonly requests: OrderRequest[] = [];
  readonly submittedAt: number[] = [];
  /** 0: no answer (in flight, or the call threw); 1: a plain ack, its order id in `orderIds`; 2: another answer, in `extras`. */
  readonly answers: number[] = [];
  readonly orderIds: (string | undefined)[] = [];
  readonly extras = new Map<number, JournalExtra>();

  get length(): number {
    return this.requests.length;
  }

  extra(i: number): JournalExtra {
    let extra = this.extras.get(i);
    if (extra === undefined) {
      extra = {};
      this.extras.set(i, extra);
    }
    return extra;
  }

  /** Entry `i` as an {@link OrderJournalEntry} (made on each call). */
  entry(i: number): OrderJournalEntry {
    const request = this.requests[i] as OrderRequest;
    const extra = this.extras.get(i);
    let ack: OrderAck | undefined;
    if (this.answers[i] === 1) {
      ack = { accepted: true, orderId: this.orderIds[i] as string, status: 'open', clientOrderId: request.clientOrderId as string };
    } else {
      ack = extra?.ack;
    }
    return {
      clientOrderId: request.clientOrderId as string,
      symbol: request.symbol,
      strategyId: request.tag as string,
      source: extra?.source ?? 'strategy',
      reason: extra?.reason,
      request,
      submittedAt: this.submittedAt[i] as number,
      ack,
      error: extra?.error,
    };
  }
}

/**
 * The one door orders leave the controller by: it gives each order a deterministic client order
 * id (`<runId>-<symbol index>-<sequence>`, `x` for the index of a symbol it was not configured
 * with), records it before sending, and refuses new orders once
 * the controller is stopping.
 */
export class OrderGateway {
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #runId: string;
  readonly #symbolIndex: ReadonlyMap<string, number>;
  /** The journal of each configured symbol, by symbol index. */
  readonly #journals: SymbolJournal[];
  /** One journal for the orders of every symbol not configured (client ids `<runId>-x-<sequence>`). */
  readonly #others = new SymbolJournal();
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #accepting = true;

  constructor(broker: Broker, clock: Clock, log: Logger, runId: string, symbols: readonly string[]) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#runId = runId;
    this.#symbolIndex = new Map(symbols.map((symbol, index) => [symbol, index]));
    this.#journals = symbols.map(() => new SymbolJournal());
  }

  /** Stops accepting orders: later submissions are answered `accepted: false`. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Waits for every submission still in flight. */
  async drain(): Promise<void> {
    while (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.#idle.push(resolve);
      });
    }
  }

  /** The journal entry of a client order id sent through this gateway (made on each call). */
  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    const at = this.#locate(clientOrderId);
    return at === undefined ? undefined : at.journal.entry(at.index);
  }

  /**
   * The request sent with `clientOrderId` through this gateway (its `symbol`, and its `tag`: the
   * strategy id), without building the journal entry.
   */
  request(clientOrderId: string | undefined): OrderRequest | undefined {
    const at = this.#locate(clientOrderId);
    return at === undefined ? undefined : at.journal.requests[at.index];
  }

  /**
   * Every order sent, in canonical order: by symbol (as configured), then by the symbol's
   * sequence. Submission order across symbols depends on how workers interleave, so it is not used.
   */
  journal(): OrderJournalEntry[] {
    const entries: OrderJournalEntry[] = [];
    // Symbols not configured come last, by sequence.
    for (const journal of [...this.#journals, this.#others]) for (let i = 0; i < journal.length; i++) entries.push(journal.entry(i));
    return entries;
  }

  /** Sends `order` for `symbol` on behalf of `strategyId`. */
  async submit(
    symbol: string,
    strategyId: string,
    order: StrategyOrder,
    source: OrderSource = 'strategy',
    reason?: string,
  ): Promise<OrderAck> {
    if (!this.#accepting) {
      return { accepted: false, status: 'rejected', reason: 'the controller is stopping: no new orders are sent' };
    }
    const index = this.#symbolIndex.get(symbol);
    const journal = index === undefined ? this.#others : (this.#journals[index] as SymbolJournal);
    const i = journal.length;
    const clientOrderId = `${this.#runId}-${index ?? 'x'}-${i + 1}`;
    const request = requestOf(order, symbol, clientOrderId, strategyId);
    journal.requests.push(request);
    journal.submittedAt.push(this.#clock.now());
    journal.answers.push(0);
    journal.orderIds.push(undefined);
    if (source !== 'strategy' || reason !== undefined) {
      const extra = journal.extra(i);
      extra.source = source;
      extra.reason = reason;
    }
    const sending = this.#broker.submitOrder(request);
    this.#inFlight++;
    try {
      const ack = await sending;
      if (isPlainAck(ack, clientOrderId)) {
        journal.answers[i] = 1;
        journal.orderIds[i] = ack.orderId;
      } else {
        journal.answers[i] = 2;
        journal.extra(i).ack = ack;
        if (!ack.accepted) this.#log.warn('order rejected', { symbol, strategyId, clientOrderId, reason: ack.reason });
      }
      return ack;
    } catch (error) {
      journal.extra(i).error = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.#settled();
    }
  }

  /** A submission has settled: wake {@link OrderGateway.drain} once none is in flight. */
  #settled(): void {
    if (--this.#inFlight === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** The journal and index of a client order id sent through this gateway, read back from the id. */
  #locate(clientOrderId: string | undefined): { journal: SymbolJournal; index: number } | undefined {
    if (clientOrderId === undefined) return undefined;
    // `<runId>-<symbol index or x>-<sequence>`: read the journal and sequence back, then check the id.
    const last = clientOrderId.lastIndexOf('-');
    const before = clientOrderId.lastIndexOf('-', last - 1);
    if (before < 0) return undefined;
    const which = clientOrderId.slice(before + 1, last);
    const journal = which === 'x' ? this.#others : this.#journals[Number(which)];
    const index = Number(clientOrderId.slice(last + 1)) - 1;
    const request = journal?.requests[index];
    return journal !== undefined && request?.clientOrderId === clientOrderId ? { journal, index } : undefined;
  }
}

const PLAIN_ACK_KEYS: readonly string[] = ['accepted', 'orderId', 'status', 'clientOrderId'];

/**
 * True for the usual answer, `{ accepted: true, orderId, status: 'open', clientOrderId }` with our
 * client order id and exactly those keys in that order: the journal then keeps only the order id,
 * and gives back an equal object.
 */
function isPlainAck(ack: OrderAck, clientOrderId: string): ack is OrderAck & { orderId: string } {
  if (ack.accepted !== true || ack.status !== 'open' || ack.clientOrderId !== clientOrderId || typeof ack.orderId !== 'string')
    return false;
  let i = 0;
  for (const key in ack) {
    if (key !== PLAIN_ACK_KEYS[i]) return false;
    i++;
  }
  return i === PLAIN_ACK_KEYS.length;
}

/**
 * `{ ...order, symbol, clientOrderId, tag }`, built by copying `order`'s own enumerable keys in
 * order and then setting the three fields: the same object, but V8 (Node 20) takes a slow path of
 * about 2 µs when properties follow a spread in an object literal, on every order.
 */
function requestOf(order: StrategyOrder, symbol: string, clientOrderId: string, tag: string): OrderRequest {
  // The orders of `buy`, `sell` and `close`, as one literal each (one shape for all of them).
  const keys = marketKeys(order);
  if (keys === 3) return { side: order.side, type: order.type, amount: order.amount, symbol, clientOrderId, tag };
  if (keys === 4)
    return { side: order.side, type: order.type, amount: order.amount, reduceOnly: order.reduceOnly, symbol, clientOrderId, tag };
  const request: Record<string, unknown> = {};
  for (const key in order) {
    if (!Object.hasOwn(order, key)) continue;
    if (key === '__proto__') return { ...order, symbol, clientOrderId, tag };
    request[key] = order[key as keyof StrategyOrder];
  }
  request.symbol = symbol;
  request.clientOrderId = clientOrderId;
  request.tag = tag;
  return request as unknown as OrderRequest;
}

const MARKET_KEYS: readonly string[] = ['side', 'type', 'amount', 'reduceOnly'];

/** 3 when `order`'s keys are exactly `side, type, amount`, 4 with `reduceOnly` after them; 0 otherwise. */
function marketKeys(order: StrategyOrder): number {
  let i = 0;
  for (const key in order) {
    if (key !== MARKET_KEYS[i] || !Object.hasOwn(order, key)) return 0;
    i++;
  }
  return i >= 3 ? i : 0;
}
