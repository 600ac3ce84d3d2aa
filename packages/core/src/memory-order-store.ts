import type { Fill, OrderAck, OrderRequest } from './orders.js';
import type { FillOutcome, OrderIntent, OrderJournalEntry, OrderSource, OrderStore } from './order-store.js';
import type { StrategyOrder } from './strategy.js';

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
 * fifth of an sma-cross backtest's time). {@link MemoryOrderStore.entries} builds the entries.
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

/** Options of {@link MemoryOrderStore}. */
export interface MemoryOrderStoreOptions {
  /**
   * Keep the identity of every fill, so that a fill reported twice (by a stream, then a poll) is
   * recorded once. Default true. The controller turns it off for replay pacing: a replay broker
   * reports each fill once, and a backtest then keeps nothing per fill.
   */
  readonly rememberFills?: boolean;
}

/**
 * The in-memory {@link OrderStore} of one run, the default: deterministic client order ids
 * (`<runId>-<symbol index>-<sequence>`, `x` for the index of a symbol it was not configured
 * with), nothing kept beyond the process. It keeps no trade-manager state.
 */
export class MemoryOrderStore implements OrderStore {
  readonly #runId: string;
  readonly #symbolIndex: ReadonlyMap<string, number>;
  /** The journal of each configured symbol, by symbol index. */
  readonly #journals: SymbolJournal[];
  /** One journal for the orders of every symbol not configured (client ids `<runId>-x-<sequence>`). */
  readonly #others = new SymbolJournal();
  /** Identities (client order id, venue order id, trade id) of the fills recorded, when remembered. */
  readonly #fills: Set<string> | undefined;

  constructor(runId: string, symbols: readonly string[], options: MemoryOrderStoreOptions = {}) {
    this.#fills = options.rememberFills === false ? undefined : new Set();
    this.#runId = runId;
    this.#symbolIndex = new Map(symbols.map((symbol, index) => [symbol, index]));
    this.#journals = symbols.map(() => new SymbolJournal());
  }

  recordIntent(intent: OrderIntent, recorded?: (request: OrderRequest) => void): OrderRequest {
    const index = this.#symbolIndex.get(intent.symbol);
    const journal = index === undefined ? this.#others : (this.#journals[index] as SymbolJournal);
    const i = journal.length;
    const clientOrderId = `${this.#runId}-${index ?? 'x'}-${i + 1}`;
    const request = requestOf(intent.order, intent.symbol, clientOrderId, intent.strategyId);
    journal.requests.push(request);
    journal.submittedAt.push(intent.at);
    journal.answers.push(0);
    journal.orderIds.push(undefined);
    if (intent.source !== 'strategy' || intent.reason !== undefined) {
      const extra = journal.extra(i);
      extra.source = intent.source;
      extra.reason = intent.reason;
    }
    if (recorded !== undefined) {
      try {
        recorded(request);
      } catch (error) {
        journal.extra(i).error = `not sent: ${error instanceof Error ? error.message : String(error)}`;
        throw error;
      }
    }
    return request;
  }

  recordAck(request: OrderRequest, ack: OrderAck): void {
    const at = this.#locate(request.clientOrderId);
    if (at === undefined) return;
    const { journal, index } = at;
    if (isPlainAck(ack, request.clientOrderId as string)) {
      journal.answers[index] = 1;
      journal.orderIds[index] = ack.orderId;
    } else {
      journal.answers[index] = 2;
      journal.extra(index).ack = ack;
    }
  }

  recordFailure(request: OrderRequest, error: unknown): void {
    const at = this.#locate(request.clientOrderId);
    if (at !== undefined) at.journal.extra(at.index).error = error instanceof Error ? error.message : String(error);
  }

  /** Order updates are not kept: an entry is the request and the venue's answer. */
  recordOrder(): void {}

  /** Not kept: an entry of unknown outcome keeps the error its submission threw. */
  markAbsent(): void {}

  recordFill(fill: Fill): FillOutcome {
    const at = this.#locate(fill.clientOrderId);
    if (at === undefined) return undefined;
    const seen = this.#fills;
    if (seen !== undefined) {
      const identity = `${fill.clientOrderId}\u0000${fill.orderId}\u0000${fill.id}`;
      if (seen.has(identity)) return 'duplicate';
      seen.add(identity);
    }
    return at.journal.requests[at.index];
  }

  request(clientOrderId: string | undefined): OrderRequest | undefined {
    const at = this.#locate(clientOrderId);
    return at === undefined ? undefined : at.journal.requests[at.index];
  }

  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    const at = this.#locate(clientOrderId);
    return at === undefined ? undefined : at.journal.entry(at.index);
  }

  /**
   * Every order sent, in canonical order: by symbol (as configured), then by the symbol's
   * sequence. Submission order across symbols depends on how workers interleave, so it is not used.
   */
  entries(): OrderJournalEntry[] {
    const entries: OrderJournalEntry[] = [];
    // Symbols not configured come last, by sequence.
    for (const journal of [...this.#journals, this.#others]) for (let i = 0; i < journal.length; i++) entries.push(journal.entry(i));
    return entries;
  }

  /** The journal and index of a client order id of this store, read back from the id. */
  #locate(clientOrderId: string | undefined): { journal: SymbolJournal; index: number } | undefined {
    if (clientOrderId === undefined) return undefined;
    // `<runId>-<symbol index or x>-<sequence>`: read the journal and sequence back (digit by
    // digit: no substring is made, on every ack and fill), then check the id.
    const last = clientOrderId.lastIndexOf('-');
    const before = clientOrderId.lastIndexOf('-', last - 1);
    if (before < 0) return undefined;
    let journal: SymbolJournal | undefined;
    if (last === before + 2 && clientOrderId.charCodeAt(before + 1) === 120 /* x */) journal = this.#others;
    else {
      const which = digits(clientOrderId, before + 1, last);
      journal = which < 0 ? undefined : this.#journals[which];
    }
    const index = digits(clientOrderId, last + 1, clientOrderId.length) - 1;
    const request = journal?.requests[index];
    return journal !== undefined && request?.clientOrderId === clientOrderId ? { journal, index } : undefined;
  }
}

/** The decimal number written in `text[from..to)`, or -1 when it is empty or not all digits. */
function digits(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
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
