import type { Fill, Order } from '@bt/core';
import { isTerminal } from '@bt/core';
import type { OrderIntent } from './mapping.js';

/**
 * Where a tracked order stands, as far as the adapter knows:
 * - `sending`: submission in progress;
 * - `live`: the venue has it (it may since have ended);
 * - `unknown`: a submission failed in a way that may have executed; it is looked up until found or proved absent;
 * - `absent`: the venue never had it (rejected, or proved absent after an unknown outcome).
 */
export type TrackState = 'sending' | 'live' | 'unknown' | 'absent';

/** One order the adapter follows for fills and updates. */
export interface TrackedOrder {
  readonly intent: OrderIntent;
  state: TrackState;
  orderId: string | undefined;
  /** The latest snapshot seen. */
  last: Order | undefined;
  /** Sum of the fill amounts already emitted. */
  filledSeen: number;
  /** Lookups that found nothing while `unknown`. */
  misses: number;
  /** When the last send of an order of unknown outcome started (clock ms). */
  sentAt: number | undefined;
}

/** Relative tolerance when comparing filled amounts. */
const EPSILON = 1e-9;

/**
 * The adapter's memory of its orders and of the fills it has emitted. It lives as long as the
 * broker object, across `close()`/`connect()`, so a fill that happens while disconnected is
 * emitted after reconnecting, exactly once. A fill is known by its identity, {@link fillKey}: trade
 * id, venue order id and client order id together, so two orders' fills that carry the same trade
 * id (a venue whose ids restarted at 1) are both emitted.
 */
export class OrderTracker {
  readonly #byClient = new Map<string, TrackedOrder>();
  readonly #byOrderId = new Map<string, TrackedOrder>();
  readonly #seenTrades = new Set<string>();

  /** Starts following an order about to be sent. */
  begin(intent: OrderIntent): TrackedOrder {
    const tracked: TrackedOrder = {
      intent,
      state: 'sending',
      orderId: undefined,
      last: undefined,
      filledSeen: 0,
      misses: 0,
      sentAt: undefined,
    };
    this.#byClient.set(intent.clientOrderId, tracked);
    return tracked;
  }

  /** The tracked order of a client order id. */
  byClientId(clientOrderId: string | undefined): TrackedOrder | undefined {
    return clientOrderId === undefined ? undefined : this.#byClient.get(clientOrderId);
  }

  /** The tracked order of a venue order id (and symbol). */
  byOrderId(symbol: string, orderId: string): TrackedOrder | undefined {
    return this.#byOrderId.get(key(symbol, orderId));
  }

  /**
   * Follows an order found at the venue that this adapter did not send in this session (open at
   * connect). Fills it had before are history: their trade ids are marked as seen, not emitted.
   */
  adopt(order: Order, intent: OrderIntent, pastTradeIds: readonly string[]): TrackedOrder {
    const tracked: TrackedOrder = {
      intent,
      state: 'live',
      orderId: order.id,
      last: order,
      filledSeen: order.filled,
      misses: 0,
      sentAt: undefined,
    };
    this.#byClient.set(intent.clientOrderId, tracked);
    this.#byOrderId.set(key(order.symbol, order.id), tracked);
    for (const id of pastTradeIds)
      this.#seenTrades.add(fillKey({ symbol: order.symbol, id, orderId: order.id, clientOrderId: intent.clientOrderId }));
    return tracked;
  }

  /**
   * Records a snapshot of a tracked order. Returns it when its status or filled amount changed
   * since the last snapshot (an update to emit), else undefined.
   */
  observe(tracked: TrackedOrder, order: Order): Order | undefined {
    if (tracked.orderId === undefined) {
      tracked.orderId = order.id;
      this.#byOrderId.set(key(order.symbol, order.id), tracked);
    }
    tracked.state = 'live';
    const before = tracked.last;
    tracked.last = order;
    if (
      before !== undefined &&
      before.status === order.status &&
      Math.abs(before.filled - order.filled) <= EPSILON * Math.max(1, order.filled)
    ) {
      return undefined;
    }
    return order;
  }

  /** Marks a submission whose outcome is unknown; its last send started at `sentAt`. */
  markUnknown(tracked: TrackedOrder, sentAt: number): void {
    tracked.state = 'unknown';
    tracked.sentAt = sentAt;
    tracked.misses = 0;
  }

  /** Marks an order the venue does not have. */
  markAbsent(tracked: TrackedOrder): void {
    tracked.state = 'absent';
  }

  /** True (and remembered) the first time a fill of `tracked` with this identity ({@link fillKey}) is seen. */
  firstSighting(fill: Fill, tracked: TrackedOrder): boolean {
    const k = fillKey(fill);
    if (this.#seenTrades.has(k)) return false;
    this.#seenTrades.add(k);
    tracked.filledSeen += fill.amount;
    return true;
  }

  /** Orders still needing polls: not yet ended, fills not all emitted, or an unknown outcome. */
  pending(): TrackedOrder[] {
    const out: TrackedOrder[] = [];
    for (const tracked of this.#byClient.values()) {
      if (tracked.state === 'unknown') out.push(tracked);
      else if (tracked.state === 'live' && tracked.last !== undefined && needsPolling(tracked, tracked.last)) out.push(tracked);
    }
    return out;
  }

  /** Every live order not known to have ended. */
  open(): TrackedOrder[] {
    return [...this.#byClient.values()].filter((t) => t.state === 'live' && t.last !== undefined && !isTerminal(t.last.status));
  }
}

function needsPolling(tracked: TrackedOrder, last: Order): boolean {
  return !isTerminal(last.status) || tracked.filledSeen < last.filled - EPSILON * Math.max(1, last.filled);
}

/** A fill's identity: symbol, venue trade id, venue order id and client order id together. */
export function fillKey(fill: Pick<Fill, 'symbol' | 'id' | 'orderId' | 'clientOrderId'>): string {
  return [fill.symbol, fill.id, fill.orderId, fill.clientOrderId ?? ''].join('\u0000');
}

function key(symbol: string, id: string): string {
  return `${symbol}\u0000${id}`;
}
