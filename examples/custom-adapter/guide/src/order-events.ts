import type { BrokerListener, Clock, Logger, Order, OrderStatus, Unsubscribe } from '@bt/core';
import { BrokerEventHub, isTerminal } from '@bt/core';
import { venueCall } from './errors.js';
import { toFill, toOrder } from './mapping.js';
import type { VenueClient } from './venue.js';

/** An order being followed, and how much of it the listeners have heard of. */
interface Followed {
  readonly symbol: string;
  readonly marketId: string;
  status: OrderStatus;
  filled: number;
  /** The sum of the fills emitted. */
  delivered: number;
  readonly tradeIds: Set<string>;
}

/**
 * Follows the orders a broker sent until they end, and emits their fills and updates: the one
 * place of the adapter that emits events. Each {@link OrderEvents.poll} asks the venue about every
 * order that has not ended, in the order they were sent.
 */
export class OrderEvents {
  readonly #venue: VenueClient;
  readonly #log: Logger;
  readonly #hub: BrokerEventHub;
  /** Orders that have not ended, by venue id, in the order they were sent. */
  readonly #followed = new Map<string, Followed>();
  #polling: Promise<void> = Promise.resolve();
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(venue: VenueClient, log: Logger) {
    this.#venue = venue;
    this.#log = log;
    this.#hub = new BrokerEventHub(log);
  }

  /** Adds a listener; a listener that throws is logged and skipped (core's BrokerEventHub). */
  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#hub.subscribe(listener);
  }

  /** Follows an accepted order from "open, nothing filled", so that poll() reports every change, even one before the ack. */
  follow(order: Order, marketId: string): void {
    if (this.#followed.has(order.id)) return;
    this.#followed.set(order.id, { symbol: order.symbol, marketId, status: 'open', filled: 0, delivered: 0, tradeIds: new Set() });
  }

  /**
   * Emits each new fill once (by the venue's trade id), then the order's update, but only once
   * the fills it counts have all been emitted. Calls run one after the other.
   * @throws BtError as the venue's calls do; the next poll catches up.
   */
  poll(): Promise<void> {
    const pass = this.#polling.then(() => this.#pollOnce());
    this.#polling = pass.catch(() => undefined);
    return pass;
  }

  async #pollOnce(): Promise<void> {
    for (const [orderId, f] of [...this.#followed]) {
      const order = toOrder(await venueCall('getOrder', () => this.#venue.getOrder(f.marketId, { id: orderId })), f.symbol);
      if (order.filled > f.delivered) {
        for (const trade of await venueCall('trades', () => this.#venue.trades(f.marketId, orderId))) {
          if (f.tradeIds.has(trade.id)) continue;
          f.tradeIds.add(trade.id);
          f.delivered += Number(trade.qty);
          this.#hub.emit({ type: 'fill', fill: toFill(trade, order) });
        }
      }
      if (f.delivered < order.filled * (1 - 1e-9)) continue; // a trade not listed yet: the update waits for it
      if (order.status !== f.status || order.filled !== f.filled) {
        f.status = order.status;
        f.filled = order.filled;
        this.#hub.emit({ type: 'order', order });
      }
      if (isTerminal(order.status)) this.#followed.delete(orderId);
    }
  }

  /** Polls every `ms` of `clock` until {@link OrderEvents.stop}. */
  start(ms: number, clock: Clock): void {
    const stop = new AbortController();
    this.#stop = stop;
    this.#loop = (async () => {
      for (;;) {
        await clock.sleep(ms, stop.signal);
        if (stop.signal.aborted) return;
        await this.poll().catch((error: unknown) => this.#log.warn('poll failed; the next one catches up', { error: String(error) }));
      }
    })();
  }

  /** Stops the loop and waits for a running poll. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    await this.#polling;
    this.#stop = undefined;
    this.#loop = undefined;
  }
}
