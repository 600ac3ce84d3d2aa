import type {
  Balance,
  BarSeries,
  Broker,
  BrokerCapabilities,
  BrokerFactory,
  BrokerListener,
  Clock,
  Logger,
  Market,
  Order,
  OrderAck,
  OrderRef,
  OrderRequest,
  Position,
  Timeframe,
  Unsubscribe,
} from '@bt/core';
import { ArrayBarSeries, BtError, isBtError, LiveClock, silentLogger, timeframeToMs } from '@bt/core';
import { venueCall } from './errors.js';
import { decimal, toBalance, toBar, toMarket, toOrder, toPosition } from './mapping.js';
import { OrderEvents } from './order-events.js';
import type { VenueClient, VenueMarket, VenueOrderRef } from './venue.js';

/** Options of {@link ExampleBroker}. */
export interface ExampleBrokerOptions {
  /** The venue's client: its SDK, or your HTTP client. */
  readonly venue: VenueClient;
  /** Where time comes from: which bars have closed, and the poll interval. Default: core's `LiveClock`. */
  readonly clock?: Clock;
  /** Polls for fills and order updates every this many ms while connected; 0: only when `poll()` is called. Default 1000. */
  readonly pollIntervalMs?: number;
  /** Receives what the broker cannot throw: failed background polls, listeners that threw. Default: silent. */
  readonly logger?: Logger;
}

/**
 * core's `Broker` over {@link VenueClient}. Commands go straight to the venue and answer for
 * themselves; fills and order updates come out of {@link ExampleBroker.poll} only.
 */
export class ExampleBroker implements Broker {
  readonly id = 'example';
  readonly capabilities: BrokerCapabilities = {
    orderTypes: ['market', 'limit'],
    shorting: false, // spot: a position is the base asset held
    reduceOnly: false,
    ioc: false,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: false,
    fundsCheck: true, // the venue refuses what the account cannot pay for
    uniqueClientOrderIds: true, // the venue refuses a client id it has seen
  };
  readonly #venue: VenueClient;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #events: OrderEvents;
  #markets: ReadonlyMap<string, VenueMarket> | undefined;
  #connecting: Promise<void> | undefined;
  #ids = 0;

  constructor(options: ExampleBrokerOptions) {
    this.#venue = options.venue;
    this.#clock = options.clock ?? new LiveClock();
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#events = new OrderEvents(this.#venue, options.logger ?? silentLogger);
  }

  /** Loads the markets and starts the poll loop. Idempotent: concurrent calls share one attempt. */
  async connect(): Promise<void> {
    if (this.#markets !== undefined) return;
    this.#connecting ??= venueCall('markets', () => this.#venue.markets())
      .then((markets) => {
        this.#markets = new Map(markets.map((m) => [toMarket(m).symbol, m]));
        if (this.#pollIntervalMs > 0) this.#events.start(this.#pollIntervalMs, this.#clock);
      })
      .finally(() => {
        this.#connecting = undefined;
      });
    await this.#connecting;
  }

  /** Stops the poll loop and waits for a running poll. Idempotent. */
  async close(): Promise<void> {
    await this.#connecting?.catch(() => undefined);
    await this.#events.stop();
    this.#markets = undefined;
  }

  async getMarkets(): Promise<readonly Market[]> {
    return [...this.#connected().values()].map(toMarket);
  }

  /** The newest `limit` closed bars, oldest first: the forming bar is dropped. */
  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    const market = this.#market(symbol);
    const klines = await venueCall('klines', () => this.#venue.klines(market.id, timeframe, limit + 1));
    const ms = timeframeToMs(timeframe);
    const now = this.#clock.now();
    const closed = klines.map((k) => toBar(k, symbol, timeframe, ms)).filter((bar) => bar.closeTime <= now);
    return new ArrayBarSeries(symbol, timeframe, closed.slice(-limit));
  }

  async getLatestPrice(symbol: string): Promise<number> {
    const market = this.#market(symbol);
    return Number(await venueCall('lastPrice', () => this.#venue.lastPrice(market.id)));
  }

  async getBalances(): Promise<readonly Balance[]> {
    this.#connected();
    return (await venueCall('balances', () => this.#venue.balances())).map(toBalance);
  }

  /** What the account holds: of `symbol` (flat when nothing), or of every market it holds. */
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    const markets = this.#connected();
    const held = await venueCall('positions', () => this.#venue.positions());
    if (symbol !== undefined) this.#market(symbol); // throws for an unknown symbol
    const symbols = symbol === undefined ? [...markets.keys()] : [symbol];
    const positions = symbols.map((s) => {
      const venuePosition = held.find((p) => p.market === markets.get(s)?.id);
      return toPosition(venuePosition, s);
    });
    return symbol === undefined ? positions.filter((p) => p.side !== 'flat') : positions;
  }

  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    const id = symbol === undefined ? undefined : this.#market(symbol).id;
    const orders = await venueCall('openOrders', () => this.#venue.openOrders(id));
    return orders.map((o) => toOrder(o, this.#symbolOf(o.market)));
  }

  /**
   * Sends an order. What the venue refuses, and what this adapter refuses before sending, is an
   * ack with `accepted: false` and a reason. A client id the venue has seen answers for the order
   * it has, so sending the same request again never makes a second order.
   * @throws BtError `NETWORK` or `RATE_LIMIT` when the outcome is unknown: send the same request again.
   */
  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const clientOrderId = request.clientOrderId ?? `ex${this.#clock.now().toString(36)}x${++this.#ids}`;
    const rejected = (reason: string): OrderAck => ({ accepted: false, status: 'rejected', reason, clientOrderId });
    const refusal = this.#refusal(request);
    if (refusal !== undefined) return rejected(refusal);
    const market = this.#market(request.symbol);
    try {
      const placed = await venueCall('placeOrder', () =>
        this.#venue.placeOrder({
          market: market.id,
          side: request.side === 'buy' ? 'BUY' : 'SELL',
          type: request.type === 'market' ? 'MARKET' : 'LIMIT',
          qty: decimal(request.amount),
          ...(request.price === undefined ? {} : { price: decimal(request.price) }),
          clientId: clientOrderId,
        }),
      );
      return this.#accepted(toOrder(placed, request.symbol));
    } catch (error) {
      if (isBtError(error) && error.details.venueCode === 'DUPLICATE_CLIENT_ID') {
        const existing = await this.fetchOrder({ symbol: request.symbol, clientOrderId });
        if (existing !== undefined) return this.#accepted(existing);
      }
      if (isBtError(error, 'INVALID_ORDER') || isBtError(error, 'INSUFFICIENT_FUNDS')) return rejected(error.message);
      throw error;
    }
  }

  /** Why this adapter refuses `request` without sending it, or undefined. */
  #refusal(request: OrderRequest): string | undefined {
    if (!this.#connected().has(request.symbol)) return `no market "${request.symbol}"`;
    if (!this.capabilities.orderTypes.includes(request.type)) return `order type "${request.type}" is not supported; use market or limit`;
    if (!(Number.isFinite(request.amount) && request.amount > 0)) return `amount must be a positive number, got ${request.amount}`;
    if (request.type === 'limit' && !((request.price ?? 0) > 0)) return `a limit order needs a positive price, got ${request.price}`;
    if (request.reduceOnly === true) return 'reduce-only orders are not supported';
    if (request.timeInForce === 'IOC') return 'IOC is not supported';
    return undefined;
  }

  /** Follows an accepted order until it ends, and acknowledges it. */
  #accepted(order: Order): OrderAck {
    this.#events.follow(order, this.#market(order.symbol).id);
    return { accepted: true, orderId: order.id, clientOrderId: order.clientOrderId, status: order.status };
  }

  /** Cancels an open order; the `canceled` update comes from the next poll(). @throws BtError `ORDER_NOT_FOUND`. */
  async cancelOrder(ref: OrderRef): Promise<Order> {
    const market = this.#market(ref.symbol);
    return toOrder(await venueCall('cancelOrder', () => this.#venue.cancelOrder(market.id, venueRef(ref))), ref.symbol);
  }

  /** The order as the venue knows it; undefined when the venue has no such order. */
  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    const market = this.#market(ref.symbol);
    try {
      return toOrder(await venueCall('getOrder', () => this.#venue.getOrder(market.id, venueRef(ref))), ref.symbol);
    } catch (error) {
      if (isBtError(error, 'ORDER_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  /** Adds a listener of fills and order updates; the returned function removes it. */
  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#events.subscribe(listener);
  }

  /**
   * Asks the venue about the orders that have not ended, and emits what changed: every
   * `pollIntervalMs` while connected, or when called. See {@link OrderEvents.poll}.
   */
  async poll(): Promise<void> {
    this.#connected();
    await this.#events.poll();
  }

  #connected(): ReadonlyMap<string, VenueMarket> {
    if (this.#markets === undefined) throw new BtError('STATE', `${this.id}: call connect() first`);
    return this.#markets;
  }

  #market(symbol: string): VenueMarket {
    const market = this.#connected().get(symbol);
    if (market === undefined) throw new BtError('DATA', `${this.id}: no market "${symbol}"`, { details: { symbol } });
    return market;
  }

  #symbolOf(venueId: string): string {
    for (const [symbol, m] of this.#connected()) if (m.id === venueId) return symbol;
    throw new BtError('DATA', `${this.id}: the venue answered for an unknown market "${venueId}"`);
  }
}

function venueRef(ref: OrderRef): VenueOrderRef {
  return 'orderId' in ref ? { id: ref.orderId } : { clientId: ref.clientOrderId };
}

/** The factory, typed with core's `BrokerFactory` so that the compiler checks the contract. */
export const createExampleBroker: BrokerFactory<ExampleBrokerOptions, ExampleBroker> = (options) => new ExampleBroker(options);
