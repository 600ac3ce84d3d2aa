import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import { BtError, isBtError } from './errors.js';
import type { Logger } from './logger.js';
import type { OrderInFlight, OrderJournalEntry, OrderSource, OrderStore } from './order-store.js';
import { submitOutcome } from './order-store.js';
import type { Order, OrderAck, OrderRequest } from './orders.js';
import { DeliveryLedger, oversellReason } from './reducing-orders.js';
import type { StrategyOrder } from './strategy.js';

export type { OrderJournalEntry, OrderSource } from './order-store.js';

const STOPPING: OrderAck = Object.freeze({
  accepted: false,
  status: 'rejected',
  reason: 'the controller is stopping: no new orders are sent',
});

/**
 * The one door orders leave the controller by. Write-ahead: each order is recorded in the
 * {@link OrderStore}, which gives it its client order id, before it is sent; then the venue's
 * answer, or what the submission threw (with its outcome: unknown or rejected), is recorded too.
 * It refuses new orders once the controller is stopping. It keeps the {@link DeliveryLedger}
 * of the orders in flight (the event router reports their fills and updates to it).
 */
export class OrderGateway {
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #store: OrderStore;
  readonly #pending = new DeliveryLedger();
  /** The strategies that sent orders, by symbol (to sum a symbol's sells in flight). */
  readonly #senders = new Map<string, Set<string>>();
  /** Sells are checked against the bot's position: a live venue without shorting (a replay venue checks them itself). */
  readonly #guardsSells: boolean;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #accepting = true;

  constructor(broker: Broker, clock: Clock, log: Logger, store: OrderStore) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#store = store;
    const capabilities = broker.capabilities as Partial<Broker['capabilities']> | undefined;
    this.#guardsSells = capabilities?.shorting === false && capabilities.replay !== true;
  }

  /** Where orders are recorded. */
  get store(): OrderStore {
    return this.#store;
  }

  /** The orders sent through this gateway that are not final yet, by strategy (and the fills not yet handed to the trade manager). */
  get pending(): DeliveryLedger {
    return this.#pending;
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
    return this.#store.entry(clientOrderId);
  }

  /**
   * The request sent with `clientOrderId` (its `symbol`, and its `tag`: the strategy id), without
   * building the journal entry.
   */
  request(clientOrderId: string | undefined): OrderRequest | undefined {
    return this.#store.request(clientOrderId);
  }

  /** Every order sent, in the store's canonical order (the in-memory store's: by symbol as configured, then sequence). */
  journal(): OrderJournalEntry[] {
    return this.#store.entries();
  }

  /**
   * Sends `order` for `symbol` on behalf of `strategyId`. The order is recorded first; `recorded`,
   * when given, is called with its request (and client order id) as part of that record, before
   * the order is sent. An order the store refuses as invalid (`INVALID_ORDER`) is answered
   * `accepted: false` and not sent. On a live venue without shorting (`capabilities.shorting`
   * false), a sell that would take the bot's own position (the broker's `getPositions`) below
   * zero once the sells in flight fill is recorded and answered `accepted: false` with a reason
   * naming the position and the amount, logged at warn, and never sent. Rejects with what the
   * broker threw, or with what the store threw while recording the intent, or with what the
   * position read threw (then nothing was sent).
   */
  submit(
    symbol: string,
    strategyId: string,
    order: StrategyOrder,
    source: OrderSource = 'strategy',
    reason?: string,
    recorded?: (request: OrderRequest) => void,
  ): Promise<OrderAck> {
    if (!this.#accepting) return Promise.resolve(STOPPING);
    if (order.side !== 'sell' || !this.#guardsSells) return this.#send(symbol, strategyId, order, source, reason, recorded, undefined);
    return this.#guardedSell(symbol, strategyId, order, source, reason, recorded);
  }

  /** A sell on a venue without shorting: checked against the bot's position and the sells in flight first. */
  async #guardedSell(
    symbol: string,
    strategyId: string,
    order: StrategyOrder,
    source: OrderSource,
    reason: string | undefined,
    recorded: ((request: OrderRequest) => void) | undefined,
  ): Promise<OrderAck> {
    this.#inFlight++;
    try {
      // Read before anything is recorded; the check and the record then run in one synchronous step.
      const position = await this.#positionOf(symbol);
      if (!this.#accepting) return STOPPING;
      const refusal = oversellReason(symbol, position, this.#sellsInFlight(symbol), order.amount);
      return await this.#send(symbol, strategyId, order, source, reason, recorded, refusal);
    } finally {
      this.#settled();
    }
  }

  /** Records the order, then sends it, or answers it rejected with `refusal` without sending it. */
  async #send(
    symbol: string,
    strategyId: string,
    order: StrategyOrder,
    source: OrderSource,
    reason: string | undefined,
    recorded: ((request: OrderRequest) => void) | undefined,
    refusal: string | undefined,
  ): Promise<OrderAck> {
    let request: OrderRequest;
    const at = this.#clock.now();
    try {
      request = this.#store.recordIntent({ symbol, strategyId, order, source, reason, at }, recorded);
    } catch (error) {
      // An order the store cannot record as given is a business rejection, as the venue's would be.
      if (!isBtError(error, 'INVALID_ORDER')) throw error;
      this.#log.warn('order refused by the order store: not sent', { symbol, strategyId, reason: error.message });
      return { accepted: false, status: 'rejected', reason: error.message };
    }
    if (refusal !== undefined) {
      // Recorded like any rejected order (the user sees it), never sent.
      const ack: OrderAck = { accepted: false, status: 'rejected', reason: refusal, clientOrderId: request.clientOrderId as string };
      this.#acked(request, ack);
      return ack;
    }
    this.#senderSet(symbol).add(strategyId);
    this.#pending.sent(request, strategyId, source, at);
    this.#inFlight++;
    try {
      let ack: OrderAck;
      try {
        ack = await this.#broker.submitOrder(request);
      } catch (error) {
        this.#failed(request, error);
        throw error;
      }
      this.#acked(request, ack);
      return ack;
    } finally {
      this.#settled();
    }
  }

  /**
   * Puts the orders an earlier process sent and that are not final back in flight (after a
   * restart), so that strategies see them in `ctx.pendingOrders`, exits are sized against them
   * and sells are checked against them.
   */
  resume(orders: readonly OrderInFlight[]): void {
    for (const order of orders) {
      this.#pending.resumed(order);
      this.#senderSet(order.request.symbol).add(order.strategyId);
    }
  }

  #senderSet(symbol: string): Set<string> {
    let senders = this.#senders.get(symbol);
    if (senders === undefined) {
      senders = new Set();
      this.#senders.set(symbol, senders);
    }
    return senders;
  }

  /** The bot's signed position in `symbol` as the broker reports it (long +). */
  async #positionOf(symbol: string): Promise<number> {
    const positions = await this.#broker.getPositions(symbol);
    for (const position of positions) {
      if (position.symbol !== symbol) continue;
      return position.side === 'long' ? position.size : position.side === 'short' ? -position.size : 0;
    }
    return 0;
  }

  /** What the sells in flight on `symbol`, over every strategy, will still fill. */
  #sellsInFlight(symbol: string): number {
    let left = 0;
    for (const strategyId of this.#senders.get(symbol) ?? []) {
      for (const pending of this.#pending.of(symbol, strategyId).orders) {
        if (pending.side === 'sell') left += Math.max(0, pending.amount - pending.filled);
      }
    }
    return left;
  }

  /**
   * Settles an order of unknown outcome with the venue: fetches it by client order id and records
   * what the venue says, the order, or its absence (then undefined: proven not at the venue).
   *
   * @throws BtError `NOT_SUPPORTED` when the broker cannot fetch orders by client order id (the
   * order's absence cannot be proven); what `fetchOrder` throws.
   */
  async lookUp(symbol: string, clientOrderId: string): Promise<Order | undefined> {
    if (!this.#broker.capabilities.fetchByClientOrderId) {
      throw new BtError('NOT_SUPPORTED', `broker ${this.#broker.id} cannot look orders up by client order id`, {
        details: { symbol, clientOrderId },
      });
    }
    const order = await this.#broker.fetchOrder({ symbol, clientOrderId });
    if (order === undefined) this.#pending.absent(clientOrderId);
    else this.#pending.updated(order);
    try {
      if (order === undefined) this.#store.markAbsent(clientOrderId, `${this.#broker.id} has no order ${clientOrderId}`);
      else this.#store.recordOrder(order);
    } catch (error) {
      this.#storeFailed('look-up', clientOrderId, error);
    }
    return order;
  }

  #acked(request: OrderRequest, ack: OrderAck): void {
    this.#pending.answered(request.clientOrderId, ack);
    try {
      this.#store.recordAck(request, ack);
    } catch (error) {
      this.#storeFailed('ack', request.clientOrderId, error);
    }
    if (!ack.accepted) {
      this.#log.warn('order rejected', {
        symbol: request.symbol,
        strategyId: request.tag,
        clientOrderId: request.clientOrderId,
        reason: ack.reason,
      });
    }
  }

  #failed(request: OrderRequest, error: unknown): void {
    const outcome = submitOutcome(error);
    this.#pending.failed(request.clientOrderId, outcome);
    try {
      this.#store.recordFailure(request, error, outcome);
    } catch (storeError) {
      this.#storeFailed('failure', request.clientOrderId, storeError);
    }
  }

  /**
   * A store write after the venue answered failed: the answer is a fact whatever the store does,
   * so the failure is logged (recovery reads the venue) and not thrown at the caller.
   */
  #storeFailed(what: string, clientOrderId: string | undefined, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#log.error(`order store failed to record the ${what} of ${clientOrderId}: ${message}`, { clientOrderId });
  }

  /** A submission has settled: wake {@link OrderGateway.drain} once none is in flight. */
  #settled(): void {
    if (--this.#inFlight === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
