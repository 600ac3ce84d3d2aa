import { MemoryOrderStore } from '../../src/memory-order-store.js';
import type { FillOutcome, OrderInFlight, OrderIntent, OrderJournalEntry, OrderStore, SubmitOutcome } from '../../src/order-store.js';
import type { Fill, Order, OrderAck, OrderRequest } from '../../src/orders.js';
import type { ExitInFlight, StoredTrade, TradeStateStore } from '../../src/trade-store.js';

/** A trade-state store in memory that logs each position it is given. */
export class LoggingTradeStore implements TradeStateStore {
  readonly saved: StoredTrade[] = [];
  readonly #trades = new Map<string, StoredTrade>();

  saveTrade(trade: StoredTrade): void {
    this.saved.push(trade);
    this.#trades.set(`${trade.symbol}/${trade.strategyId}`, trade);
  }
  setTradeExit(symbol: string, strategyId: string, exit: ExitInFlight): void {
    const key = `${symbol}/${strategyId}`;
    this.#trades.set(key, { ...(this.#trades.get(key) as StoredTrade), exit });
  }
  removeTrade(symbol: string, strategyId: string): void {
    this.#trades.delete(`${symbol}/${strategyId}`);
  }
  loadTrades(): StoredTrade[] {
    return [...this.#trades.values()];
  }
}

/**
 * An order store that, like a journal after a restart, knows the orders of an earlier run of the
 * bot (`prior`) and the fills already recorded of them (`recorded`); new orders go to an
 * in-memory store. Fills are de-duplicated by identity (trade id, order id, client order id).
 */
export class PriorRunStore implements OrderStore {
  readonly trades = new LoggingTradeStore();
  /** The earlier run's orders that are not final, as {@link PriorRunStore.inFlight} gives them. */
  readonly open: OrderInFlight[] = [];
  readonly #inner: OrderStore;
  readonly #prior: ReadonlyMap<string, OrderRequest>;
  readonly #fills = new Set<string>();

  constructor(runId: string, symbols: readonly string[], prior: readonly OrderRequest[], recorded: readonly Fill[] = []) {
    this.#inner = new MemoryOrderStore(runId, symbols);
    this.#prior = new Map(prior.map((request) => [request.clientOrderId as string, request]));
    for (const fill of recorded) this.#fills.add(identity(fill));
  }

  recordIntent(intent: OrderIntent, recorded?: (request: OrderRequest) => void): OrderRequest {
    return this.#inner.recordIntent(intent, recorded);
  }
  recordAck(request: OrderRequest, ack: OrderAck): void {
    this.#inner.recordAck(request, ack);
  }
  recordFailure(request: OrderRequest, error: unknown, outcome: SubmitOutcome): void {
    this.#inner.recordFailure(request, error, outcome);
  }
  recordOrder(order: Order): void {
    this.#inner.recordOrder(order);
  }
  markAbsent(clientOrderId: string, reason: string): void {
    this.#inner.markAbsent(clientOrderId, reason);
  }
  recordFill(fill: Fill): FillOutcome {
    const prior = this.#prior.get(fill.clientOrderId as string);
    if (prior === undefined) return this.#inner.recordFill(fill);
    if (this.#fills.has(identity(fill))) return 'duplicate';
    this.#fills.add(identity(fill));
    return prior;
  }
  request(clientOrderId: string | undefined): OrderRequest | undefined {
    return this.#prior.get(clientOrderId as string) ?? this.#inner.request(clientOrderId);
  }
  entry(clientOrderId: string | undefined): OrderJournalEntry | undefined {
    return this.#inner.entry(clientOrderId);
  }
  entries(): OrderJournalEntry[] {
    return this.#inner.entries();
  }
  inFlight(): OrderInFlight[] {
    return [...this.open];
  }
}

function identity(fill: Fill): string {
  return `${fill.clientOrderId}\u0000${fill.orderId}\u0000${fill.id}`;
}
