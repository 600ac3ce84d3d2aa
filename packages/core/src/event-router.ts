import type { BrokerEvent } from './broker.js';
import { toBtError } from './errors.js';
import type { Logger } from './logger.js';
import type { FillOutcome, OrderStore } from './order-store.js';
import type { Fill, OrderRequest } from './orders.js';
import type { SymbolOrchestrator } from './symbol-orchestrator.js';

/**
 * Where the controller's broker events go: each is recorded in the order store as it happens,
 * then handed to the strategy that sent the order, through its symbol's orchestrator. A fill is
 * handed over only when the store recorded it as new (a fill reported twice, by a stream then a
 * poll, reaches its strategy and the trade manager once); of order updates, only rejections and
 * cancellations are handed over (fills carry the rest).
 */
export class EventRouter {
  readonly #store: OrderStore;
  readonly #bySymbol: ReadonlyMap<string, SymbolOrchestrator>;
  readonly #log: Logger;

  constructor(store: OrderStore, bySymbol: ReadonlyMap<string, SymbolOrchestrator>, log: Logger) {
    this.#store = store;
    this.#bySymbol = bySymbol;
    this.#log = log;
  }

  /** Records `event`, then queues it for its strategy. Never throws (a broker listener must not). */
  route(event: BrokerEvent): void {
    let request: OrderRequest | undefined;
    if (event.type === 'fill') {
      const recorded = this.#recordFill(event.fill);
      if (recorded === 'duplicate') {
        this.#log.debug('fill reported again; handed over once', { tradeId: event.fill.id, clientOrderId: event.fill.clientOrderId });
        return;
      }
      request = recorded;
    } else {
      const order = event.order;
      try {
        this.#store.recordOrder(order);
      } catch (error) {
        this.#storeError('record the order update of', order.clientOrderId, error);
      }
      if (order.status !== 'rejected' && order.status !== 'canceled') return;
      request = this.#safeRequest(order.clientOrderId);
    }
    if (request === undefined) {
      const clientOrderId = event.type === 'fill' ? event.fill.clientOrderId : event.order.clientOrderId;
      this.#log.debug('event for an order this controller did not send', { type: event.type, clientOrderId });
      return;
    }
    const orchestrator = this.#bySymbol.get(request.symbol);
    if (orchestrator === undefined) return;
    // The gateway tags every request with the id of the strategy that sent it.
    const strategyId = request.tag as string;
    if (event.type === 'fill') orchestrator.enqueueFill(strategyId, event.fill);
    else orchestrator.enqueueOrder(strategyId, event.order);
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
