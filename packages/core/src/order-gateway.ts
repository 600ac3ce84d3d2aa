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

/**
 * The one door orders leave the controller by: it gives each order a deterministic client order
 * id (`<runId>-<symbol index>-<sequence>`), records it before sending, and refuses new orders once
 * the controller is stopping.
 */
export class OrderGateway {
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #runId: string;
  readonly #symbolIndex: ReadonlyMap<string, number>;
  /** Sequence of orders per symbol not in the configured list (configured ones count their journal). */
  readonly #sequence = new Map<string, number>();
  /**
   * The journal of each configured symbol, by symbol index, in sequence order (entry `seq - 1`):
   * arrays rather than one map keyed by client order id, whose insertions cost a hash-table write
   * on every order. Orders for other symbols go to {@link OrderGateway.#others}.
   */
  readonly #journals: OrderJournalEntry[][];
  readonly #others = new Map<string, OrderJournalEntry>();
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #accepting = true;

  constructor(broker: Broker, clock: Clock, log: Logger, runId: string, symbols: readonly string[]) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#runId = runId;
    this.#symbolIndex = new Map(symbols.map((symbol, index) => [symbol, index]));
    this.#journals = symbols.map(() => []);
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

  /** The journal entry of a client order id sent through this gateway. */
  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    if (clientOrderId === undefined) return undefined;
    // `<runId>-<symbol index>-<sequence>`: read the index and sequence back, then check the id.
    const last = clientOrderId.lastIndexOf('-');
    const before = clientOrderId.lastIndexOf('-', last - 1);
    if (before >= 0) {
      const journal = this.#journals[Number(clientOrderId.slice(before + 1, last))];
      const entry = journal?.[Number(clientOrderId.slice(last + 1)) - 1];
      if (entry !== undefined && entry.clientOrderId === clientOrderId) return entry;
    }
    return this.#others.get(clientOrderId);
  }

  /**
   * Every order sent, in canonical order: by symbol (as configured), then by the symbol's
   * sequence. Submission order across symbols depends on how workers interleave, so it is not used.
   */
  journal(): OrderJournalEntry[] {
    const known = this.#journals.flat();
    if (this.#others.size === 0) return known;
    // Symbols not configured come last, by sequence (ties in sending order).
    return [...known, ...[...this.#others.values()].sort((a, b) => sequenceOf(a) - sequenceOf(b))];
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
    const journal = index === undefined ? undefined : (this.#journals[index] as OrderJournalEntry[]);
    const clientOrderId = this.#nextClientOrderId(symbol, index, journal);
    const request = requestOf(order, symbol, clientOrderId, strategyId);
    // Every field in one literal, the optional ones undefined until known: entries then share one
    // shape, and recording the ack later adds no property (a spread here would take V8's slow path).
    const entry: { -readonly [K in keyof OrderJournalEntry]: OrderJournalEntry[K] } = {
      clientOrderId,
      symbol,
      strategyId,
      source,
      reason,
      request,
      submittedAt: this.#clock.now(),
      ack: undefined,
      error: undefined,
    };
    if (journal === undefined) this.#others.set(clientOrderId, entry);
    else journal.push(entry);
    const sending = this.#broker.submitOrder(request);
    this.#inFlight++;
    try {
      const ack = await sending;
      entry.ack = ack;
      if (!ack.accepted) {
        this.#log.warn('order rejected', { symbol, strategyId, clientOrderId, reason: ack.reason });
      }
      return ack;
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      if (--this.#inFlight === 0 && this.#idle.length > 0) {
        const idle = this.#idle;
        this.#idle = [];
        for (const resolve of idle) resolve();
      }
    }
  }

  #nextClientOrderId(symbol: string, index: number | undefined, journal: OrderJournalEntry[] | undefined): string {
    if (journal !== undefined) return `${this.#runId}-${index}-${journal.length + 1}`;
    const seq = (this.#sequence.get(symbol) ?? 0) + 1;
    this.#sequence.set(symbol, seq);
    return `${this.#runId}-x-${seq}`;
  }
}

/**
 * `{ ...order, symbol, clientOrderId, tag }`, built by copying `order`'s own enumerable keys in
 * order and then setting the three fields: the same object, but V8 (Node 20) takes a slow path of
 * about 2 µs when properties follow a spread in an object literal, on every order.
 */
function requestOf(order: StrategyOrder, symbol: string, clientOrderId: string, tag: string): OrderRequest {
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

function sequenceOf(entry: OrderJournalEntry): number {
  return Number(entry.clientOrderId.slice(entry.clientOrderId.lastIndexOf('-') + 1));
}
