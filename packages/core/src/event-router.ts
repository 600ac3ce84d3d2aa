import type { BrokerEvent } from './broker.js';
import { toBtError } from './errors.js';
import type { Logger } from './logger.js';
import type { FillOutcome, OrderStore } from './order-store.js';
import type { Fill, OrderRequest } from './orders.js';
import type { PendingOrderBook } from './pending-orders.js';
import type { SymbolOrchestrator } from './symbol-orchestrator.js';

/**
 * Where the controller's broker events go: each is recorded in the order store as it happens,
 * then handed to the strategy that sent the order, through its symbol's orchestrator. A fill is
 * handed over only when the store recorded it as new (a fill reported twice, by a stream then a
 * poll, reaches its strategy and the trade manager once); of order updates, only rejections and
 * cancellations are handed over (fills carry the rest). The {@link PendingOrderBook} hears of
 * every new fill and every order update as it is recorded, so an order's exposure moves from
 * "in flight" to the position with its fill.
 */
export class EventRouter {
  readonly #store: OrderStore;
  readonly #bySymbol: ReadonlyMap<string, SymbolOrchestrator>;
  readonly #log: Logger;
  readonly #pending: PendingOrderBook;

  constructor(store: OrderStore, bySymbol: ReadonlyMap<string, SymbolOrchestrator>, log: Logger, pending: PendingOrderBook) {
    this.#store = store;
    this.#bySymbol = bySymbol;
    this.#log = log;
    this.#pending = pending;
  }

  /** Records `event`, then queues it for its strategy. Never throws (a broker listener must not). */
  route(event: BrokerEvent): void {
    if (event.type === 'fill') this.routeFill(event.fill);
    else this.#routeOrder(event);
  }

  /**
   * Records `fill`, then queues it for its strategy, as {@link EventRouter.route} does with a fill
   * event. Returns false when the store had recorded it before (a duplicate: nothing is handed
   * over), true otherwise. Never throws.
   */
  routeFill(fill: Fill): boolean {
    const recorded = this.#recordFill(fill);
    if (recorded === 'duplicate') {
      this.#log.debug('fill reported again; handed over once', { tradeId: fill.id, clientOrderId: fill.clientOrderId });
      return false;
    }
    if (recorded !== undefined) this.#pending.filled(recorded.clientOrderId, fill);
    // The gateway tags every request with the id of the strategy that sent it.
    this.#orchestratorOf(recorded, 'fill', fill.clientOrderId)?.enqueueFill((recorded as OrderRequest).tag as string, fill);
    return true;
  }

  #routeOrder(event: BrokerEvent & { readonly type: 'order' }): void {
    const order = event.order;
    try {
      this.#store.recordOrder(order);
    } catch (error) {
      this.#storeError('record the order update of', order.clientOrderId, error);
    }
    this.#pending.updated(order);
    if (order.status !== 'rejected' && order.status !== 'canceled') return;
    const request = this.#safeRequest(order.clientOrderId);
    this.#orchestratorOf(request, 'order', order.clientOrderId)?.enqueueOrder((request as OrderRequest).tag as string, order);
  }

  /** The orchestrator of the symbol `request` was sent for; undefined (logged) when the controller did not send it. */
  #orchestratorOf(
    request: OrderRequest | undefined,
    type: BrokerEvent['type'],
    clientOrderId: string | undefined,
  ): SymbolOrchestrator | undefined {
    if (request === undefined) {
      this.#log.debug('event for an order this controller did not send', { type, clientOrderId });
      return undefined;
    }
    return this.#bySymbol.get(request.symbol);
  }

  /** Records a fill; when the store fails, the fill is handed over all the same (the venue's fill is a fact) and the failure logged. */
  #recordFill(fill: Fill): FillOutcome {
    try {
      return this.#store.recordFill(fill);
    } catch (error) {
      this.#storeError('record the fill of', fill.clientOrderId, error);
      return this.#safeRequest(fill.clientOrderId);
    }
  }

  #safeRequest(clientOrderId: string | undefined): OrderRequest | undefined {
    try {
      return this.#store.request(clientOrderId);
    } catch (error) {
      this.#storeError('look up', clientOrderId, error);
      return undefined;
    }
  }

  #storeError(what: string, clientOrderId: string | undefined, error: unknown): void {
    const cause = toBtError(error);
    this.#log.error(`order store failed to ${what} ${clientOrderId}: ${cause.message}`, { clientOrderId, code: cause.code });
  }
}

/** Fills by timestamp, then symbol, then venue trade id (code-unit order, as every locale sorts it). */
export function byTimeSymbolId(a: Fill, b: Fill): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
