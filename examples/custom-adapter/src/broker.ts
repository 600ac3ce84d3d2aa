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
import { BinanceRestClient } from './http-client.js';
import type { BinanceBalance, BinanceKline, BinanceOrder, BinanceSymbol, BinanceTrade, VenueMarket } from './mapping.js';
import { BINANCE_INTERVALS, newOrderParams, toBalance, toBar, toMarket, toOrder, toPosition } from './mapping.js';
import { OrderPoller } from './order-poller.js';

/** Options of {@link RestBinanceBroker}. */
export interface RestBinanceBrokerOptions {
  /** Root of the REST API, without `/api/v3`: `https://api.binance.com`, or the exchange emulator's `url`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly secret: string;
  /**
   * Where time comes from: signatures' `timestamp`, which bars have closed, timeouts and the poll
   * interval. It must agree with the venue's time. Default: core's `LiveClock`.
   */
  readonly clock?: Clock;
  /**
   * Polls for fills and order updates every this many clock ms while connected. 0: never by
   * itself, only when {@link RestBinanceBroker.poll} is called. Default 1000.
   */
  readonly pollIntervalMs?: number;
  /** A request without an answer after this long (clock ms) fails as `NETWORK`. Default 10000. */
  readonly timeoutMs?: number;
  /** Receives what the broker cannot throw: failed background polls, listeners that threw. Default: silent. */
  readonly logger?: Logger;
}

/** What the broker holds while connected. */
interface Session {
  /** By unified symbol, sorted. */
  readonly markets: ReadonlyMap<string, VenueMarket>;
  /** Unified symbol by venue id. */
  readonly symbols: ReadonlyMap<string, string>;
  readonly stop: AbortController;
  loop: Promise<void> | undefined;
}

/**
 * core's {@link Broker} over Binance's spot REST API, written with `fetch` and `node:crypto` only:
 * the fuller example next to the guide "Write your own adapter" (whose adapter is in `guide/`).
 *
 * REST has no push, so fills and order updates are polled: {@link RestBinanceBroker.poll} asks the
 * venue about every order this broker sent that has not ended, and emits each new fill (once per
 * venue trade id) and then each changed order. It runs every `pollIntervalMs` of the injected
 * clock, or only when called (`pollIntervalMs: 0`), which is how a test makes fills happen when it
 * chooses.
 *
 * @example
 * ```ts
 * const broker = createRestBinanceBroker({ baseUrl: 'https://api.binance.com', apiKey, secret });
 * await broker.connect();
 * broker.subscribe((event) => console.log(event));
 * const ack = await broker.submitOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.001, clientOrderId: 'my-1' });
 * ```
 */
export class RestBinanceBroker implements Broker {
  readonly id = 'rest-binance';
  readonly capabilities: BrokerCapabilities = Object.freeze({
    orderTypes: Object.freeze(['market', 'limit'] as const),
    shorting: false, // spot: the position is the base asset held
    reduceOnly: true, // emulated: a reduce-only buy is refused, see submitOrder
    ioc: true,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: false,
    fundsCheck: true, // the venue refuses what the account cannot pay for (-2010)
    uniqueClientOrderIds: true, // the venue refuses a client order id it has seen (-2010)
  });
  readonly #client: BinanceRestClient;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #log: Logger;
  /** The caller's tag of each order, by client order id: the venue does not keep it. */
  readonly #tags = new Map<string, string>();
  readonly #poller: OrderPoller;
  #session: Session | undefined;
  #connecting: Promise<void> | undefined;
  #generatedIds = 0;

  constructor(options: RestBinanceBrokerOptions) {
    this.#clock = options.clock ?? new LiveClock();
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#log = options.logger ?? silentLogger;
    this.#client = new BinanceRestClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      secret: options.secret,
      clock: this.#clock,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    this.#poller = new OrderPoller(this.#client, this.#log);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Loads the markets and starts the poll loop. Idempotent: concurrent calls share one attempt. */
  async connect(): Promise<void> {
    if (this.#session !== undefined) return;
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    await this.#connecting;
  }

  async #open(): Promise<void> {
    const info = await this.#client.publicRequest<{ symbols: readonly BinanceSymbol[] }>('GET', '/api/v3/exchangeInfo');
    const list = info.symbols.map(toMarket).sort((a, b) => (a.market.symbol < b.market.symbol ? -1 : 1));
    const session: Session = {
      markets: new Map(list.map((m) => [m.market.symbol, m])),
      symbols: new Map(list.map((m) => [m.venueId, m.market.symbol])),
      stop: new AbortController(),
      loop: undefined,
    };
    this.#session = session;
    if (this.#pollIntervalMs > 0) session.loop = this.#pollEvery(this.#pollIntervalMs, session.stop.signal);
  }

  /** Stops the poll loop and lets a running poll finish. Idempotent; the broker can connect again. */
  async close(): Promise<void> {
    await this.#connecting?.catch(() => undefined);
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    session.stop.abort();
    await session.loop;
    await this.#poller.settled();
  }

  // ---- market data ------------------------------------------------------------------------------

  async getMarkets(): Promise<readonly Market[]> {
    return [...this.#require('getMarkets').markets.values()].map((m) => m.market);
  }

  /**
   * The newest `limit` closed bars, oldest first. Binance's last kline is the one still forming:
   * a bar is kept only once `openTime + timeframe <= clock.now()`.
   * @throws BtError `NOT_SUPPORTED` for a timeframe Binance has no klines of; `DATA` for an unknown symbol.
   */
  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    const { venueId } = this.#market(this.#require('getBars'), symbol);
    if (!BINANCE_INTERVALS.has(timeframe)) {
      throw new BtError('NOT_SUPPORTED', `getBars: Binance has no ${timeframe} klines`, { details: { symbol, timeframe } });
    }
    if (!(limit >= 1)) return new ArrayBarSeries(symbol, timeframe, []);
    // One row more than asked for, since the forming one is dropped.
    const rows = await this.#client.publicRequest<BinanceKline[]>('GET', '/api/v3/klines', {
      symbol: venueId,
      interval: timeframe,
      limit: Math.min(limit + 1, 1000),
    });
    const timeframeMs = timeframeToMs(timeframe);
    const now = this.#clock.now();
    const closed = rows.map((row) => toBar(row, symbol, timeframe, timeframeMs)).filter((bar) => bar.closeTime <= now);
    return new ArrayBarSeries(symbol, timeframe, closed.slice(-limit));
  }

  /** The last traded price. @throws BtError `DATA` for an unknown symbol or a venue without a price. */
  async getLatestPrice(symbol: string): Promise<number> {
    const { venueId } = this.#market(this.#require('getLatestPrice'), symbol);
    const ticker = await this.#client.publicRequest<{ price: string }>('GET', '/api/v3/ticker/price', { symbol: venueId });
    const price = Number(ticker.price);
    if (!(Number.isFinite(price) && price > 0)) throw new BtError('DATA', `getLatestPrice(${symbol}): the venue reported ${ticker.price}`);
    return price;
  }

  // ---- account ----------------------------------------------------------------------------------

  async getBalances(): Promise<readonly Balance[]> {
    this.#require('getBalances');
    const account = await this.#client.signedRequest<{ balances: readonly BinanceBalance[] }>('GET', '/api/v3/account');
    return account.balances.map(toBalance);
  }

  /**
   * Spot positions: for each market whose base asset the account holds (or `symbol`'s, even when
   * flat), that holding, priced at the average cost of the market's trades (Binance returns the
   * latest 500) and marked at the latest price.
   */
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    const session = this.#require('getPositions');
    const held = new Map((await this.getBalances()).map((b) => [b.currency, b.total]));
    const markets =
      symbol !== undefined
        ? [this.#market(session, symbol)]
        : [...session.markets.values()].filter((m) => (held.get(m.market.base) ?? 0) > 0);
    const positions: Position[] = [];
    for (const { market, venueId } of markets) {
      const size = held.get(market.base) ?? 0;
      const trades = await this.#client.signedRequest<BinanceTrade[]>('GET', '/api/v3/myTrades', { symbol: venueId });
      const mark = size > 0 ? await this.getLatestPrice(market.symbol) : 0;
      const position = toPosition(market, size, trades, mark);
      if (symbol !== undefined || position.side !== 'flat') positions.push(position);
    }
    return positions;
  }

  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    const session = this.#require('getOpenOrders');
    const venueId = symbol === undefined ? undefined : this.#market(session, symbol).venueId;
    const raw = await this.#client.signedRequest<BinanceOrder[]>('GET', '/api/v3/openOrders', { symbol: venueId });
    return raw.map((order) => this.#toOrder(session, order));
  }

  // ---- orders -----------------------------------------------------------------------------------

  /**
   * Sends an order with its client order id (one is made up when the request has none).
   *
   * - What the venue refuses (funds, filters, a bad parameter) is an ack with `accepted: false`
   *   and the venue's words as the reason, never a throw; so is what this adapter refuses before
   *   sending (an unknown symbol, an order type it lacks, an amount that is not positive).
   * - A client order id the venue has seen answers for the order it already has: re-sending a
   *   request whose reply was lost never creates a second order.
   *
   * @throws BtError `NETWORK` or `RATE_LIMIT` (retryable) when the outcome is unknown: re-send the
   * same request, with the same client order id, to find out.
   */
  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const session = this.#require('submitOrder');
    const clientOrderId = request.clientOrderId ?? this.#newClientOrderId();
    const rejected = (reason: string): OrderAck => ({ accepted: false, status: 'rejected', reason, clientOrderId });
    const problem = this.#refusal(session, request);
    if (problem !== undefined) return rejected(problem);
    if (request.tag !== undefined) this.#tags.set(clientOrderId, request.tag);
    const { venueId } = this.#market(session, request.symbol);
    try {
      const raw = await this.#client.signedRequest<BinanceOrder>('POST', '/api/v3/order', newOrderParams(request, venueId, clientOrderId));
      return this.#accepted(this.#toOrder(session, raw));
    } catch (error) {
      if (!isBtError(error, 'INVALID_ORDER') && !isBtError(error, 'INSUFFICIENT_FUNDS')) throw error;
      if (/duplicate/i.test(error.message)) {
        // The venue has seen this client order id: an earlier send got through. Answer for that order.
        const existing = await this.fetchOrder({ symbol: request.symbol, clientOrderId });
        if (existing !== undefined) return this.#accepted(existing);
      }
      return rejected(error.message);
    }
  }

  /** Why this adapter refuses `request` before sending it, or undefined. */
  #refusal(session: Session, request: OrderRequest): string | undefined {
    if (!session.markets.has(request.symbol)) return `the venue has no market "${request.symbol}"`;
    if (!this.capabilities.orderTypes.includes(request.type)) {
      return `order type "${request.type}" is not supported by ${this.id}; use ${this.capabilities.orderTypes.join(' or ')}`;
    }
    if (!(Number.isFinite(request.amount) && request.amount > 0)) return `amount must be a positive number, got ${request.amount}`;
    if (request.type === 'limit' && !(Number.isFinite(request.price) && (request.price ?? 0) > 0)) {
      return `a limit order needs a positive price, got ${request.price}`;
    }
    // Binance spot has no reduce-only flag. A spot position is never short, so a buy can only grow
    // it; a sell can only shrink it (the venue refuses to sell more than is held).
    if (request.reduceOnly === true && request.side === 'buy') return 'reduce-only: a buy cannot reduce a spot position';
    return undefined;
  }

  /** Starts following an accepted order, and acknowledges it. */
  #accepted(order: Order): OrderAck {
    this.#poller.follow(order);
    return {
      accepted: true,
      orderId: order.id,
      ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
      status: order.status,
    };
  }

  /**
   * Cancels an open order and returns it as it now stands; an order that ended meanwhile is
   * returned as it ended. The `canceled` update follows from the next {@link RestBinanceBroker.poll}.
   * @throws BtError `ORDER_NOT_FOUND` when the venue has no such order.
   */
  async cancelOrder(ref: OrderRef): Promise<Order> {
    const session = this.#require('cancelOrder');
    const { venueId } = this.#market(session, ref.symbol);
    try {
      const raw = await this.#client.signedRequest<BinanceOrder>('DELETE', '/api/v3/order', { symbol: venueId, ...refParams(ref) });
      return this.#toOrder(session, raw);
    } catch (error) {
      if (!isBtError(error, 'ORDER_NOT_FOUND')) throw error;
      // Binance answers -2011 also for an order that exists but has ended.
      const order = await this.fetchOrder(ref);
      if (order === undefined) throw error;
      return order;
    }
  }

  /** The order as the venue knows it, by venue id or client order id; undefined when it has none. */
  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    const session = this.#require('fetchOrder');
    const { venueId } = this.#market(session, ref.symbol);
    try {
      const raw = await this.#client.signedRequest<BinanceOrder>('GET', '/api/v3/order', { symbol: venueId, ...refParams(ref) });
      return this.#toOrder(session, raw);
    } catch (error) {
      if (isBtError(error, 'ORDER_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  // ---- events -----------------------------------------------------------------------------------

  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#poller.subscribe(listener);
  }

  /**
   * Asks the venue about every order this broker sent that has not ended, and emits what changed
   * (see {@link OrderPoller.poll}): every `pollIntervalMs` while connected, or when called.
   * @throws BtError as the REST calls do; an order whose poll failed is asked about again next time.
   */
  async poll(): Promise<void> {
    const session = this.#require('poll');
    await this.#poller.poll({ venueId: (symbol) => this.#market(session, symbol).venueId, toOrder: (raw) => this.#toOrder(session, raw) });
  }

  async #pollEvery(intervalMs: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.#clock.sleep(intervalMs, signal);
      if (signal.aborted) return;
      try {
        await this.poll();
      } catch (error) {
        this.#log.warn('poll failed; the next one catches up', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #toOrder(session: Session, raw: BinanceOrder): Order {
    const symbol = session.symbols.get(raw.symbol);
    if (symbol === undefined) throw new BtError('DATA', `order ${raw.orderId}: unknown venue symbol ${raw.symbol}`);
    return toOrder(raw, symbol, this.#tags.get(raw.origClientOrderId ?? raw.clientOrderId));
  }

  /** A client order id Binance accepts (`^[.A-Z:/a-z0-9_-]{1,36}$`), unique within this broker. */
  #newClientOrderId(): string {
    this.#generatedIds++;
    return `bt${this.#clock.now().toString(36)}x${this.#generatedIds}`;
  }

  #market(session: Session, symbol: string): VenueMarket {
    const market = session.markets.get(symbol);
    if (market === undefined) throw new BtError('DATA', `${this.id}: the venue has no market "${symbol}"`, { details: { symbol } });
    return market;
  }

  #require(method: string): Session {
    if (this.#session === undefined) throw new BtError('STATE', `${this.id} ${method}: call connect() first`);
    return this.#session;
  }
}

/** Binance's parameters naming an order: `orderId`, or `origClientOrderId`. */
function refParams(ref: OrderRef): { orderId: string } | { origClientOrderId: string } {
  return 'orderId' in ref ? { orderId: ref.orderId } : { origClientOrderId: ref.clientOrderId };
}

/**
 * The factory of {@link RestBinanceBroker}, typed with core's {@link BrokerFactory} so that the
 * compiler checks the contract.
 *
 * @example
 * ```ts
 * const broker = createRestBinanceBroker({ baseUrl: emulator.url, apiKey: 'key', secret: 'secret', clock });
 * ```
 */
export const createRestBinanceBroker: BrokerFactory<RestBinanceBrokerOptions, RestBinanceBroker> = (options) =>
  new RestBinanceBroker(options);
