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
  readonly #sequence = new Map<string, number>();
  readonly #journal = new Map<string, OrderJournalEntry>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #accepting = true;

  constructor(broker: Broker, clock: Clock, log: Logger, runId: string, symbols: readonly string[]) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#runId = runId;
    this.#symbolIndex = new Map(symbols.map((symbol, index) => [symbol, index]));
  }

  /** Stops accepting orders: later submissions are answered `accepted: false`. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Waits for every submission still in flight. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** The journal entry of a client order id sent through this gateway. */
  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    return clientOrderId === undefined ? undefined : this.#journal.get(clientOrderId);
  }

  /**
   * Every order sent, in canonical order: by symbol (as configured), then by the symbol's
   * sequence. Submission order across symbols depends on how workers interleave, so it is not used.
   */
  journal(): OrderJournalEntry[] {
    return [...this.#journal.values()].sort((a, b) => this.#rank(a) - this.#rank(b) || sequenceOf(a) - sequenceOf(b));
  }

  #rank(entry: OrderJournalEntry): number {
    return this.#symbolIndex.get(entry.symbol) ?? Number.MAX_SAFE_INTEGER;
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
    const clientOrderId = this.#nextClientOrderId(symbol);
    const request: OrderRequest = { ...order, symbol, clientOrderId, tag: strategyId };
    const entry: OrderJournalEntry = {
      clientOrderId,
      symbol,
      strategyId,
      source,
      request,
      submittedAt: this.#clock.now(),
      ...(reason === undefined ? {} : { reason }),
    };
    this.#journal.set(clientOrderId, entry);
    const sending = this.#broker.submitOrder(request);
    this.#inFlight.add(sending);
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
      this.#inFlight.delete(sending);
    }
  }

  #nextClientOrderId(symbol: string): string {
    const seq = (this.#sequence.get(symbol) ?? 0) + 1;
    this.#sequence.set(symbol, seq);
    return `${this.#runId}-${this.#symbolIndex.get(symbol) ?? 'x'}-${seq}`;
  }
}

function sequenceOf(entry: OrderJournalEntry): number {
  return Number(entry.clientOrderId.slice(entry.clientOrderId.lastIndexOf('-') + 1));
}
