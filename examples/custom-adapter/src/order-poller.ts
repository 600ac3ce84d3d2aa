import type { BrokerListener, Logger, Order, OrderStatus, Unsubscribe } from '@bt/core';
import { BrokerEventHub, isTerminal } from '@bt/core';
import type { BinanceRestClient } from './http-client.js';
import type { BinanceOrder, BinanceTrade } from './mapping.js';
import { toFill } from './mapping.js';

/** What a poll needs of the broker's session: a symbol's venue id, and the venue's orders in core's types. */
export interface PollContext {
  venueId(symbol: string): string;
  toOrder(raw: BinanceOrder): Order;
}

/** An order being followed, and what has been reported of it so far. */
interface TrackedOrder {
  readonly symbol: string;
  status: OrderStatus;
  filled: number;
  readonly tradeIds: Set<string>;
}

/**
 * Follows the orders a {@link RestBinanceBroker} sent until they end, and emits their fills and
 * updates through core's `BrokerEventHub`: the one place of the adapter that emits events.
 */
export class OrderPoller {
  readonly #client: BinanceRestClient;
  readonly #events: BrokerEventHub;
  /** Orders that have not ended, by venue id, in submission order. */
  readonly #tracked = new Map<string, TrackedOrder>();
  #last: Promise<void> = Promise.resolve();

  constructor(client: BinanceRestClient, log: Logger) {
    this.#client = client;
    this.#events = new BrokerEventHub(log);
  }

  /** Adds a listener; a listener that throws is logged and skipped. */
  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#events.subscribe(listener);
  }

  /**
   * Follows an accepted order from the baseline "accepted, nothing filled": the next poll reports
   * every change from it, even when the order has already filled (Binance fills a market order
   * before it answers).
   */
  follow(order: Order): void {
    if (!this.#tracked.has(order.id)) this.#tracked.set(order.id, { symbol: order.symbol, status: 'open', filled: 0, tradeIds: new Set() });
  }

  /**
   * Asks the venue about every followed order, in the order they were sent; emits each new fill
   * (once per venue trade id), then the order if its status or filled amount changed. Calls run
   * one after the other, each starting after the previous one ended.
   * @throws BtError as the REST calls do; an order whose poll failed is asked about again next time.
   */
  poll(context: PollContext): Promise<void> {
    const pass = this.#last.catch(() => undefined).then(() => this.#pollOnce(context));
    this.#last = pass;
    return pass;
  }

  /** Resolves once the running poll, if any, has ended. */
  settled(): Promise<void> {
    return this.#last.catch(() => undefined);
  }

  async #pollOnce(context: PollContext): Promise<void> {
    for (const [orderId, tracked] of [...this.#tracked]) {
      const venueId = context.venueId(tracked.symbol);
      const raw = await this.#client.signedRequest<BinanceOrder>('GET', '/api/v3/order', { symbol: venueId, orderId });
      const order = context.toOrder(raw);
      if (order.filled > tracked.filled) {
        const trades = await this.#client.signedRequest<BinanceTrade[]>('GET', '/api/v3/myTrades', { symbol: venueId, orderId });
        for (const trade of trades) {
          if (tracked.tradeIds.has(String(trade.id))) continue;
          tracked.tradeIds.add(String(trade.id));
          this.#events.emit({ type: 'fill', fill: toFill(trade, order) });
        }
      }
      if (order.status !== tracked.status || order.filled !== tracked.filled) {
        tracked.status = order.status;
        tracked.filled = order.filled;
        this.#events.emit({ type: 'order', order });
      }
      if (isTerminal(order.status)) this.#tracked.delete(orderId);
    }
  }
}
