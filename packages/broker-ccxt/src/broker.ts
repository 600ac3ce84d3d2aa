import type {
  Balance,
  BarSeries,
  Broker,
  BrokerCapabilities,
  BrokerEvent,
  BrokerFactory,
  BrokerListener,
  Clock,
  Fill,
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
import { BrokerEventHub, BtError, isBtError, LiveClock, silentLogger, timeframeToMs } from '@bt/core';
import type { BarFeedStatus } from './bars.js';
import { BarFeed } from './bars.js';
import type { CcxtExchange, CcxtOrder, CcxtTrade } from './ccxt-types.js';
import { connectWithRetry } from './connect-retry.js';
import { classifyCcxtError } from './errors.js';
import { loadExchange } from './exchange.js';
import type { OrderIntent } from './mapping.js';
import { toFill, toOrder } from './mapping.js';
import { fetchAccountFills, noOrder } from './fills.js';
import { toMarket } from './markets.js';
import type { PreparedOrder } from './precision.js';
import { prepareOrder } from './precision.js';
import type { CcxtBrokerOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { TrackedOrder } from './order-tracker.js';
import { OrderTracker } from './order-tracker.js';
import { SpotPositionBook, toBalances } from './positions.js';
import type { ExchangeProfile } from './profiles.js';
import { profileOf } from './profiles.js';
import type { ExpectedState, ReconciliationReport } from './reconcile.js';
import { diffState } from './reconcile.js';
import { Redactor, redactingLogger } from './redact.js';
import type { RandomSource } from './retry.js';
import { backoffDelay, parseRetryAfter, retrying } from './retry.js';
import { absenceProven, outcomeUnknownError, submitOrderSafely } from './submission.js';
import { intentOf, isEnded, neverPlaced } from './order-shapes.js';

/** Characters and length venues accept in a client order id (Binance: `^[.A-Z:/a-z0-9_-]{1,36}$`). */
const CLIENT_ORDER_ID = /^[.A-Za-z0-9:/_-]+$/;

/** Everything that exists only while connected. */
interface Session {
  readonly exchange: CcxtExchange;
  readonly pro: boolean;
  readonly markets: ReadonlyMap<string, Market>;
  readonly marketList: readonly Market[];
  readonly abort: AbortController;
  readonly feeds: Map<string, BarFeed>;
  /** The receive window the venue applies to signed requests (ms): what ccxt sends, at least the option. */
  readonly receiveWindowMs: number;
  poller: Promise<void> | undefined;
}

/**
 * core's {@link Broker} over ccxt, for any ccxt exchange id (spot markets).
 *
 * - ccxt is imported on `connect()`, not when this package is imported.
 * - Every ccxt failure is classified once, here, into a {@link BtError}; retryable ones (network,
 *   rate limit) are retried with bounded, jittered exponential backoff on the injected clock.
 * - Orders carry the caller's client order id. After a submission fails in a way that may have
 *   executed, the order is looked up by that id before anything is resent, and resent only when
 *   the venue answered that it does not have it: an order is never sent twice.
 * - Fills and order updates are polled and emitted as events, once per venue trade id.
 * - Only closed bars are returned; with `useWebSocket` bars stream over ccxt pro and fall back to
 *   REST polling while the stream is down.
 * - API keys are redacted from every log line and error message.
 *
 * @example
 * ```ts
 * const broker = new CcxtBroker({ exchange: 'binance', symbols: ['BTC/USDT'] }); // keys from BINANCE_API_KEY / BINANCE_SECRET
 * await broker.connect();
 * const bars = await broker.getBars('BTC/USDT', '1m', 100);
 * ```
 */
export class CcxtBroker implements Broker {
  /** `ccxt:<exchange id>`. */
  readonly id: string;
  readonly capabilities: BrokerCapabilities;
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #redactor: Redactor;
  readonly #log: Logger;
  readonly #profile: ExchangeProfile;
  readonly #tracker = new OrderTracker();
  readonly #book = new SpotPositionBook();
  readonly #traded = new Set<string>();
  readonly #events: BrokerEventHub;
  #session: Session | undefined;
  #connecting: Promise<void> | undefined;
  #connectAbort: AbortController | undefined;
  #syncing: Promise<void> | undefined;
  #generated = 0;

  /** @throws BtError `CONFIG` naming the bad option. */
  constructor(options: CcxtBrokerOptions) {
    this.#options = resolveOptions(options, process.env);
    const { apiKey, secret, password } = this.#options.credentials;
    this.#redactor = new Redactor([apiKey, secret, password]);
    this.id = `ccxt:${this.#options.exchange}`;
    this.#clock = options.clock ?? new LiveClock();
    this.#random = options.random ?? Math.random;
    this.#log = redactingLogger((options.logger ?? silentLogger).child({ broker: this.id }), this.#redactor);
    this.#events = new BrokerEventHub(this.#log);
    this.#profile = profileOf(this.#options.exchange);
    this.capabilities = Object.freeze({
      orderTypes: Object.freeze(['market', 'limit'] as const),
      shorting: false,
      reduceOnly: true,
      ioc: true,
      fetchByClientOrderId: true,
      streamingBars: this.#options.useWebSocket,
      replay: false,
    });
  }

  /** True between a successful `connect()` and `close()`. */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /** True when API credentials were given (in options or the environment); without them the broker only reads market data. */
  get canTrade(): boolean {
    const { apiKey, secret } = this.#options.credentials;
    return apiKey !== undefined && secret !== undefined;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /**
   * Loads ccxt and the markets, then (with credentials) reconciles balances, open orders and
   * positions, and starts the order poll loop. Idempotent.
   * @throws BtError `CONFIG` for an unknown exchange or symbol; a classified ccxt error when the venue cannot be reached.
   */
  async connect(): Promise<void> {
    if (this.#connecting === undefined) {
      if (this.#session !== undefined) return;
      const abort = new AbortController();
      this.#connectAbort = abort;
      const context = {
        options: this.#options.connectRetry,
        clock: this.#clock,
        random: this.#random,
        log: this.#log,
        signal: abort.signal,
      };
      this.#connecting = connectWithRetry(context, () => this.#open()).finally(() => {
        this.#connecting = undefined;
      });
    }
    await this.#connecting;
  }

  async #open(): Promise<void> {
    const { exchange, pro } = await loadExchange(this.#options);
    const abort = new AbortController();
    try {
      await this.#call(exchange, abort.signal, 'loadMarkets', {}, (attempt) => exchange.loadMarkets(attempt > 1));
    } catch (error) {
      await exchange.close().catch(() => undefined);
      throw error;
    }
    const marketList = Object.values(exchange.markets ?? {})
      .filter((m): m is NonNullable<typeof m> => m !== undefined && m.type === this.#options.marketType)
      .map((m) => toMarket(m, exchange.precisionMode ?? 0))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    const markets = new Map(marketList.map((m) => [m.symbol, m]));
    const unknown = (this.#options.symbols ?? []).filter((s) => !markets.has(s));
    if (unknown.length > 0) {
      await exchange.close().catch(() => undefined);
      throw new BtError(
        'CONFIG',
        `symbols: ${this.id} has no ${this.#options.marketType} market ${unknown.map((s) => `"${s}"`).join(', ')}`,
        {
          details: { symbols: unknown },
        },
      );
    }
    const sent = Number((exchange.options as Record<string, unknown> | undefined)?.recvWindow);
    const receiveWindowMs = Math.max(this.#options.receiveWindowMs, Number.isFinite(sent) ? sent : 0);
    const session: Session = { exchange, pro, markets, marketList, abort, feeds: new Map(), receiveWindowMs, poller: undefined };
    this.#session = session;
    this.#log.info('connected', { markets: marketList.length, streaming: pro, trading: this.canTrade });
    try {
      if (this.canTrade) await this.#startup(session);
    } catch (error) {
      this.#session = undefined;
      await this.#teardown(session);
      throw error;
    }
    if (this.canTrade && this.#options.pollIntervalMs > 0) session.poller = this.#pollLoop(session);
    if (this.#options.useWebSocket && this.#options.timeframe !== undefined) {
      for (const symbol of this.#options.symbols ?? []) this.#feed(session, symbol, this.#options.timeframe).startStream();
    }
  }

  /** Start-up reconciliation: follow the venue's open orders, then log what the venue holds. */
  async #startup(session: Session): Promise<void> {
    const open = await this.getOpenOrders();
    for (const order of open) {
      const tracked = this.#tracker.byClientId(order.clientOrderId) ?? this.#tracker.byOrderId(order.symbol, order.id);
      if (tracked !== undefined) {
        this.#observe(tracked, order);
        continue;
      }
      const pastTrades = order.filled > 0 ? await this.#orderTrades(session, order.symbol, order.id, order.createdAt) : [];
      this.#tracker.adopt(
        order,
        intentOf(order),
        pastTrades.map((t) => String(t.id)),
      );
      this.#traded.add(order.symbol);
    }
    await this.#syncOnce(session);
    await this.reconcile();
  }

  /** Stops the loops and streams and closes ccxt's connections. Idempotent; the broker can connect again. */
  async close(): Promise<void> {
    this.#connectAbort?.abort();
    await this.#connecting?.catch(() => undefined);
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    await this.#teardown(session);
    this.#log.info('closed');
  }

  async #teardown(session: Session): Promise<void> {
    session.abort.abort();
    await this.#syncing?.catch(() => undefined);
    await session.exchange.close().catch(() => undefined);
    await session.poller;
    await Promise.all([...session.feeds.values()].map((feed) => feed.stopped()));
  }

  // ---- market data -----------------------------------------------------------------------------

  /** The venue's markets of the configured market type, loaded once at connect, sorted by symbol. */
  async getMarkets(): Promise<readonly Market[]> {
    return this.#require('getMarkets').marketList;
  }

  /**
   * The newest `limit` closed bars, oldest first. The still-forming candle is never included: a
   * bar is closed when `openTime + timeframe <= clock.now()`.
   * @throws BtError `DATA` for an unknown symbol; `NOT_SUPPORTED` for a timeframe the venue lacks.
   */
  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    const session = this.#require('getBars');
    this.#market(session, symbol);
    const timeframes = session.exchange.timeframes as Record<string, unknown> | undefined;
    if (timeframes !== undefined && timeframes[timeframe] === undefined) {
      throw new BtError('NOT_SUPPORTED', `getBars(${symbol}, ${timeframe}): ${this.id} has no ${timeframe} candles`, {
        details: { symbol, timeframe, supported: Object.keys(timeframes) },
      });
    }
    const feed = this.#feed(session, symbol, timeframe);
    if (this.#options.useWebSocket) feed.startStream();
    return feed.bars(limit);
  }

  /** How each bar feed gets its bars (polling or streaming) and how often its stream failed. */
  barFeeds(): BarFeedStatus[] {
    return [...(this.#session?.feeds.values() ?? [])].map((feed) => feed.status());
  }

  #feed(session: Session, symbol: string, timeframe: Timeframe): BarFeed {
    const key = `${symbol}\u0000${timeframe}`;
    let feed = session.feeds.get(key);
    if (feed !== undefined) return feed;
    const { exchange, abort } = session;
    const canStream = session.pro && exchange.has.watchOHLCV === true;
    feed = new BarFeed({
      symbol,
      timeframe,
      timeframeMs: timeframeToMs(timeframe),
      clock: this.#clock,
      log: this.#log,
      signal: abort.signal,
      fetch: (since, limit) =>
        this.#call(exchange, abort.signal, 'fetchOHLCV', { symbol, timeframe }, () => exchange.fetchOHLCV(symbol, timeframe, since, limit)),
      ...(canStream
        ? {
            watch: async () => {
              try {
                return await exchange.watchOHLCV(symbol, timeframe);
              } catch (error) {
                throw classifyCcxtError(error, { adapter: this.id, method: 'watchOHLCV', details: { symbol, timeframe } }, this.#redactor);
              }
            },
          }
        : {}),
      resubscribeDelay: (failures) => backoffDelay(this.#options.retry, failures, this.#random),
    });
    session.feeds.set(key, feed);
    return feed;
  }

  /**
   * The last traded price (ticker `last`, else its close or bid/ask midpoint).
   * @throws BtError `DATA` when the venue reports no price.
   */
  async getLatestPrice(symbol: string): Promise<number> {
    const session = this.#require('getLatestPrice');
    this.#market(session, symbol);
    const ticker = await this.#call(session.exchange, session.abort.signal, 'fetchTicker', { symbol }, () =>
      session.exchange.fetchTicker(symbol),
    );
    const mid = ticker.bid != null && ticker.ask != null ? (ticker.bid + ticker.ask) / 2 : undefined;
    const price = ticker.last ?? ticker.close ?? mid;
    if (typeof price !== 'number' || !Number.isFinite(price)) {
      throw new BtError('DATA', `getLatestPrice(${symbol}): ${this.id} reported no price`, { details: { symbol } });
    }
    return price;
  }

  // ---- account ---------------------------------------------------------------------------------

  /** Every currency the account holds (non-zero), sorted by currency. */
  async getBalances(): Promise<readonly Balance[]> {
    const session = this.#requireTrading('getBalances');
    const balances = await this.#call(session.exchange, session.abort.signal, 'fetchBalance', {}, () => session.exchange.fetchBalance());
    return toBalances(balances);
  }

  /**
   * Spot positions: the base currency held of each symbol (the configured symbols and those traded
   * in this session), marked at the latest price. With `symbol`, its position even when flat.
   */
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    const session = this.#requireTrading('getPositions');
    const symbols = symbol !== undefined ? [symbol] : [...new Set([...(this.#options.symbols ?? []), ...this.#traded])].sort();
    if (symbols.length === 0) return [];
    const markets = symbols.map((s) => this.#market(session, s));
    const balances = await this.getBalances();
    const held = new Map(balances.map((b) => [b.currency, b.total]));
    const out: Position[] = [];
    for (const market of markets) {
      const size = held.get(market.base) ?? 0;
      const dust = size <= 0 || size < (market.amountStep ?? 0);
      const mark = dust ? Number.NaN : await this.getLatestPrice(market.symbol);
      const position = this.#book.position(market, size, mark, this.#clock.now());
      if (symbol !== undefined || position.side !== 'flat') out.push(position);
    }
    return out;
  }

  /** Open orders of `symbol`, else of the configured symbols (else of every symbol). */
  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    const session = this.#requireTrading('getOpenOrders');
    const { exchange, abort } = session;
    const symbols: readonly (string | undefined)[] = symbol !== undefined ? [symbol] : (this.#options.symbols ?? [undefined]);
    const out: Order[] = [];
    for (const s of symbols) {
      if (s !== undefined) this.#market(session, s);
      const orders = await this.#call(exchange, abort.signal, 'fetchOpenOrders', { symbol: s }, () => exchange.fetchOpenOrders(s));
      for (const order of orders) out.push(this.#toOrder(order));
    }
    return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.createdAt - b.createdAt));
  }

  /**
   * Compares what the venue holds (balances, positions, open orders) with what the bot believes,
   * logs the drift, and returns it. Without `expected`, it reports the venue's state only.
   */
  async reconcile(expected: ExpectedState = {}): Promise<ReconciliationReport> {
    const session = this.#requireTrading('reconcile');
    const balances = await this.getBalances();
    const positions = await this.getPositions();
    const openOrders = await this.getOpenOrders();
    const drift = diffState({ positions, openOrders }, expected, session.markets);
    const inSync = drift.positions.length === 0 && drift.orders.length === 0;
    const report: ReconciliationReport = { at: this.#clock.now(), balances, positions, openOrders, drift, inSync };
    const fields = {
      balances: balances.map((b) => `${b.currency}=${b.total}`),
      positions: positions.map((p) => `${p.symbol} ${p.side} ${p.size}`),
      openOrders: openOrders.map((o) => o.clientOrderId ?? o.id),
      positionDrift: drift.positions,
      orderDrift: drift.orders,
    };
    const compared = expected.positions !== undefined || expected.openOrders !== undefined;
    if (!compared) this.#log.info("read the venue's account (nothing expected was given, so nothing was compared)", fields);
    else if (inSync) this.#log.info('reconciled: the venue matches the expected positions and open orders', fields);
    else this.#log.warn('reconciled: the venue differs from what the bot expected', fields);
    return report;
  }

  // ---- orders ----------------------------------------------------------------------------------

  /**
   * Rounds the order to the market's precision, checks its limits, and sends it with its client
   * order id. A venue's "no" (insufficient funds, invalid order, limit violation) is an ack with
   * `accepted: false`. After a failure that may have executed (timeout, 5xx, lost connection) the
   * order is looked up by client order id; it is resent only if the venue says it does not have it.
   *
   * @throws BtError `AUTHENTICATION` when the venue refuses the keys; `NETWORK` when the outcome
   * stays unknown after every retry (the order is then looked up by the poll loop until found).
   */
  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const session = this.#requireTrading('submitOrder');
    const clientOrderId = request.clientOrderId ?? this.#newClientOrderId();
    const reject = (reason: string): OrderAck => {
      this.#log.warn('order rejected before sending', { symbol: request.symbol, clientOrderId, reason });
      return { accepted: false, status: 'rejected', reason, clientOrderId };
    };
    const market = session.markets.get(request.symbol);
    if (market === undefined) return reject(`unknown symbol "${request.symbol}" on ${this.id}`);
    if (request.side !== 'buy' && request.side !== 'sell') return reject(`side must be "buy" or "sell", got "${String(request.side)}"`);
    if (!this.capabilities.orderTypes.includes(request.type)) {
      return reject(`order type "${request.type}" is not supported by ${this.id}; supported: ${this.capabilities.orderTypes.join(', ')}`);
    }
    if (request.timeInForce !== undefined && request.timeInForce !== 'GTC' && request.timeInForce !== 'IOC') {
      return reject(`timeInForce must be GTC or IOC, got "${String(request.timeInForce)}"`);
    }
    if (!CLIENT_ORDER_ID.test(clientOrderId) || clientOrderId.length > this.#profile.maxClientOrderIdLength) {
      return reject(
        `clientOrderId "${clientOrderId}" must be 1 to ${this.#profile.maxClientOrderIdLength} characters of A-Z a-z 0-9 . : / _ -`,
      );
    }
    const previous = this.#tracker.byClientId(clientOrderId);
    if (previous !== undefined)
      return reject(`clientOrderId "${clientOrderId}" was already used (order ${previous.orderId ?? 'not placed'})`);
    let amount = request.amount;
    if (request.reduceOnly === true) {
      // Spot has no reduce-only flag: the position is the base balance, so cap the sell at it.
      if (request.side === 'buy') return reject('reduce-only: a spot position is never short, so a buy cannot reduce it');
      const balances = await this.getBalances();
      const free = balances.find((b) => b.currency === market.base)?.free ?? 0;
      if (!(free > 0) || free < (market.amountStep ?? 0)) return reject(`reduce-only: the ${market.symbol} position is flat`);
      amount = Math.min(amount, free);
    }
    const reference =
      request.type === 'market' && market.minNotional !== undefined ? await this.#priceOrUndefined(market.symbol) : undefined;
    const prepared = prepareOrder(session.exchange, market, { ...request, amount }, reference);
    if (!prepared.ok) return reject(prepared.reason);
    const intent: OrderIntent = {
      clientOrderId,
      symbol: market.symbol,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce ?? 'GTC',
      amount: prepared.amount,
      ...(prepared.price === undefined ? {} : { price: prepared.price }),
      ...(prepared.stopPrice === undefined ? {} : { stopPrice: prepared.stopPrice }),
      reduceOnly: request.reduceOnly === true,
      ...(request.tag === undefined ? {} : { tag: request.tag }),
    };
    this.#traded.add(market.symbol);
    return this.#send(session, this.#tracker.begin(intent), prepared);
  }

  async #send(session: Session, tracked: TrackedOrder, prepared: PreparedOrder & { ok: true }): Promise<OrderAck> {
    const { intent } = tracked;
    const { exchange, abort } = session;
    const { clientOrderId, symbol } = intent;
    const params: Record<string, unknown> = { [this.#profile.clientOrderIdParam]: clientOrderId };
    if (intent.timeInForce === 'IOC') params.timeInForce = 'IOC';
    const ccxtType = intent.type === 'limit' ? 'limit' : 'market';
    const result = await submitOrderSafely({
      clock: this.#clock,
      random: this.#random,
      retry: this.#options.retry,
      receiveWindowMs: session.receiveWindowMs,
      signal: abort.signal,
      log: this.#log,
      fields: { symbol, clientOrderId },
      create: async (attempt) => {
        try {
          return await exchange.createOrder(symbol, ccxtType, intent.side, prepared.amount, prepared.price, { ...params });
        } catch (error) {
          throw classifyCcxtError(
            error,
            { adapter: this.id, method: 'createOrder', details: { symbol, clientOrderId, attempt } },
            this.#redactor,
          );
        }
      },
      lookup: () => this.#lookup(session, symbol, clientOrderId),
      retryAfterMs: () => this.#retryAfter(exchange),
    });
    switch (result.kind) {
      case 'placed':
        return this.#accepted(session, tracked, result.order, result.how);
      case 'rejected':
        this.#tracker.markAbsent(tracked);
        this.#log.warn('order rejected by the venue', { symbol, clientOrderId, code: result.error.code, reason: result.error.message });
        return { accepted: false, status: 'rejected', reason: result.error.message, clientOrderId };
      case 'failed':
        this.#tracker.markAbsent(tracked);
        throw result.error;
      case 'unknown':
        this.#tracker.markUnknown(tracked, result.sentAt);
        if (!result.error.retryable) throw result.error;
        throw outcomeUnknownError(this.id, intent, result.error);
    }
  }

  /** Records a venue order for a submission, emits its fills and update, and acknowledges it. */
  #accepted(session: Session, tracked: TrackedOrder, created: CcxtOrder, how: string): OrderAck {
    const order = this.#toOrder(created, tracked.intent);
    const update = this.#tracker.observe(tracked, order);
    this.#log.info(how, { symbol: order.symbol, clientOrderId: tracked.intent.clientOrderId, orderId: order.id, status: order.status });
    const fills = (created.trades ?? []).flatMap((trade) => this.#newFill(session, trade, tracked, order));
    this.#publishAll(fills, update !== undefined && order.status !== 'open' ? [update] : []);
    return { accepted: true, orderId: order.id, clientOrderId: tracked.intent.clientOrderId, status: order.status };
  }

  /**
   * Cancels an open order and returns it as it now stands; an order that already ended is
   * returned unchanged.
   * @throws BtError `ORDER_NOT_FOUND` when the venue has no such order.
   */
  async cancelOrder(ref: OrderRef): Promise<Order> {
    const session = this.#requireTrading('cancelOrder');
    this.#market(session, ref.symbol);
    const orderId = 'orderId' in ref ? ref.orderId : await this.#orderIdOf(session, ref.symbol, ref.clientOrderId);
    if (orderId === undefined) throw this.#notFound('cancelOrder', ref);
    const { exchange, abort } = session;
    let canceled: CcxtOrder;
    try {
      canceled = await this.#call(exchange, abort.signal, 'cancelOrder', { symbol: ref.symbol, orderId }, () =>
        exchange.cancelOrder(orderId, ref.symbol),
      );
    } catch (error) {
      if (!isBtError(error, 'ORDER_NOT_FOUND')) throw error;
      // Already ended (filled or canceled, perhaps by an earlier try of this very call).
      const order = await this.fetchOrder({ symbol: ref.symbol, orderId });
      if (order === undefined) throw this.#notFound('cancelOrder', ref);
      return order;
    }
    let order = this.#toOrder(canceled);
    if (order.status !== 'canceled' && order.status !== 'filled') {
      // Some venues answer a cancel with the order as it was; read it back.
      order = (await this.fetchOrder({ symbol: ref.symbol, orderId })) ?? order;
    }
    const tracked = this.#tracker.byClientId(order.clientOrderId) ?? this.#tracker.byOrderId(order.symbol, order.id);
    if (tracked !== undefined) this.#observe(tracked, order);
    return order;
  }

  /** The order as the venue knows it, or undefined when it has no such order. */
  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    const session = this.#requireTrading('fetchOrder');
    this.#market(session, ref.symbol);
    const { exchange, abort } = session;
    let raw: CcxtOrder | undefined;
    if ('orderId' in ref) {
      try {
        raw = await this.#call(exchange, abort.signal, 'fetchOrder', { ...ref }, () => exchange.fetchOrder(ref.orderId, ref.symbol));
      } catch (error) {
        if (isBtError(error, 'ORDER_NOT_FOUND')) return undefined;
        throw error;
      }
    } else {
      raw = await this.#lookup(session, ref.symbol, ref.clientOrderId);
    }
    if (raw === undefined) return undefined;
    const order = this.#toOrder(raw);
    const tracked = this.#tracker.byClientId(order.clientOrderId) ?? this.#tracker.byOrderId(order.symbol, order.id);
    if (tracked !== undefined && tracked.state !== 'absent') this.#observe(tracked, order);
    return order;
  }

  /**
   * The account's fills in `symbol` at or after `since` (ms), oldest first, each with its venue
   * trade id, order id and client order id (read from the venue), paged through ccxt
   * `fetchMyTrades` until exhausted. A query: nothing is emitted.
   * @throws BtError `CONFIG` for a bad `since`; `DATA` for an unknown symbol.
   */
  async fetchFills(symbol: string, since: number): Promise<readonly Fill[]> {
    const session = this.#requireTrading('fetchFills');
    const market = this.#market(session, symbol);
    if (!Number.isFinite(since) || since < 0)
      throw new BtError('CONFIG', `fetchFills(${symbol}): since: expected epoch ms >= 0, got ${since}`);
    const { exchange, abort } = session;
    return fetchAccountFills(
      {
        quote: market.quote,
        pagesById: this.#profile.tradesPageById,
        myTrades: (from, limit, params) =>
          this.#call(exchange, abort.signal, 'fetchMyTrades', { symbol, since: from, ...params }, () =>
            exchange.fetchMyTrades(symbol, from, limit, { ...params }),
          ),
        intentOf: (clientOrderId, orderId) => {
          const tracked = this.#tracker.byClientId(clientOrderId);
          return tracked?.orderId === orderId ? tracked.intent : undefined;
        },
        clientOrderIdOf: (orderId) =>
          this.#call(exchange, abort.signal, 'fetchOrder', { symbol, orderId }, () => exchange.fetchOrder(orderId, symbol)).then(
            (order) => order.clientOrderId ?? undefined,
            noOrder,
          ),
      },
      symbol,
      since,
    );
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Receives fills and order updates, each once; a listener that throws is logged and skipped. */
  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#events.subscribe(listener);
  }

  /**
   * One pass over the orders that may still change: looks up submissions of unknown outcome,
   * reads open orders, fetches the trades of orders with unreported fills, and emits each new fill
   * (once per venue trade id) and each changed order. The poll loop calls it every
   * `pollIntervalMs`; concurrent calls share one pass.
   */
  async sync(): Promise<void> {
    const session = this.#session;
    if (session === undefined || !this.canTrade) return;
    this.#syncing ??= this.#syncOnce(session).finally(() => {
      this.#syncing = undefined;
    });
    await this.#syncing;
  }

  async #syncOnce(session: Session): Promise<void> {
    const bySymbol = new Map<string, TrackedOrder[]>();
    for (const tracked of this.#tracker.pending()) {
      const list = bySymbol.get(tracked.intent.symbol) ?? [];
      list.push(tracked);
      bySymbol.set(tracked.intent.symbol, list);
    }
    for (const symbol of [...bySymbol.keys()].sort()) {
      if (session.abort.signal.aborted) return;
      const fills: Fill[] = [];
      const updates: Order[] = [];
      const list = bySymbol.get(symbol) as TrackedOrder[];
      const live = list.filter((t) => t.state === 'live' && t.orderId !== undefined && t.last !== undefined && !isEnded(t.last));
      // One open-orders read covers every open order of the symbol; only those gone from it are read one by one.
      const open =
        live.length > 1
          ? new Map(
              (
                await this.#call(session.exchange, session.abort.signal, 'fetchOpenOrders', { symbol }, () =>
                  session.exchange.fetchOpenOrders(symbol),
                )
              ).map((o) => [String(o.id), o]),
            )
          : undefined;
      for (const tracked of list) {
        if (tracked.state === 'unknown') {
          const lookupStartedAt = this.#clock.now();
          const found = await this.#lookup(session, symbol, tracked.intent.clientOrderId);
          if (found !== undefined) {
            const order = this.#toOrder(found, tracked.intent);
            this.#log.info('order of unknown outcome found at the venue', {
              symbol,
              clientOrderId: tracked.intent.clientOrderId,
              orderId: order.id,
            });
            const update = this.#tracker.observe(tracked, order);
            if (update !== undefined) updates.push(update);
          } else if (absenceProven(++tracked.misses, tracked.sentAt ?? 0, lookupStartedAt, session.receiveWindowMs)) {
            this.#tracker.markAbsent(tracked);
            const order = neverPlaced(tracked.intent, this.#clock.now());
            this.#log.warn('order of unknown outcome never reached the venue', { symbol, clientOrderId: tracked.intent.clientOrderId });
            updates.push(order);
          }
        } else if (live.includes(tracked)) {
          const orderId = tracked.orderId as string;
          const raw =
            open?.get(orderId) ??
            (await this.#call(session.exchange, session.abort.signal, 'fetchOrder', { symbol, orderId }, () =>
              session.exchange.fetchOrder(orderId, symbol),
            ));
          const update = this.#tracker.observe(tracked, this.#toOrder(raw, tracked.intent));
          if (update !== undefined) updates.push(update);
        }
      }
      for (const tracked of list) {
        if (tracked.state !== 'live' || tracked.orderId === undefined || tracked.last === undefined) continue;
        if (tracked.filledSeen >= tracked.last.filled - 1e-9 * Math.max(1, tracked.last.filled)) continue;
        const trades = await this.#orderTrades(session, symbol, tracked.orderId, tracked.last.createdAt);
        for (const trade of trades) fills.push(...this.#newFill(session, trade, tracked, tracked.last));
      }
      this.#publishAll(fills, updates);
    }
  }

  async #pollLoop(session: Session): Promise<void> {
    const { signal } = session.abort;
    let failures = 0;
    while (!signal.aborted) {
      const delay = failures === 0 ? this.#options.pollIntervalMs : backoffDelay(this.#options.retry, failures, this.#random);
      await this.#clock.sleep(delay, signal);
      if (signal.aborted) break;
      try {
        await this.sync();
        failures = 0;
      } catch (error) {
        failures++;
        const bt = isBtError(error) ? error : classifyCcxtError(error, { adapter: this.id, method: 'sync' }, this.#redactor);
        this.#log.warn('order poll failed; the next pass catches up', { code: bt.code, error: bt.message, failures });
      }
    }
  }

  /** The fills of one venue trade not emitted before (none when it was). */
  #newFill(session: Session, trade: CcxtTrade, tracked: TrackedOrder, order: Order): Fill[] {
    if (trade.id === undefined || trade.id === null) return [];
    const market = session.markets.get(order.symbol);
    const fill = toFill(
      { ...trade, order: trade.order ?? order.id, symbol: trade.symbol ?? order.symbol, timestamp: trade.timestamp ?? order.updatedAt },
      tracked.intent,
      market?.quote ?? '',
    );
    if (fill.orderId !== order.id || !this.#tracker.firstSighting(fill, tracked)) return [];
    this.#book.apply(fill);
    return [fill];
  }

  #observe(tracked: TrackedOrder, order: Order): void {
    const update = this.#tracker.observe(tracked, order);
    if (update !== undefined) this.#publishAll([], [update]);
  }

  /** Emits fills (by time, then trade id) before order updates. */
  #publishAll(fills: readonly Fill[], updates: readonly Order[]): void {
    const sorted = [...fills].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const fill of sorted) this.#publish({ type: 'fill', fill });
    for (const order of updates) this.#publish({ type: 'order', order });
  }

  #publish(event: BrokerEvent): void {
    this.#events.emit(event);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Runs one ccxt call: classified at the boundary, retried while retryable. */
  #call<T>(
    exchange: CcxtExchange,
    signal: AbortSignal,
    method: string,
    details: Readonly<Record<string, unknown>>,
    call: (attempt: number) => Promise<T>,
  ): Promise<T> {
    return retrying(
      {
        options: this.#options.retry,
        clock: this.#clock,
        random: this.#random,
        signal,
        retryAfterMs: (error) => (error.code === 'RATE_LIMIT' ? this.#retryAfter(exchange) : undefined),
        onRetry: (error, retry, delayMs) =>
          this.#log.warn(`${method} failed; retrying`, { method, retry, delayMs, code: error.code, error: error.message, ...details }),
      },
      async (attempt) => {
        try {
          return await call(attempt);
        } catch (error) {
          throw classifyCcxtError(error, { adapter: this.id, method, details }, this.#redactor);
        }
      },
    );
  }

  #retryAfter(exchange: CcxtExchange): number | undefined {
    return parseRetryAfter(exchange.last_response_headers?.['Retry-After'], this.#clock.now());
  }

  /**
   * The venue's order with client order id `clientOrderId` (looked up by that id, then among the
   * open orders), or undefined when both answer that the venue has none.
   */
  async #lookup(session: Session, symbol: string, clientOrderId: string): Promise<CcxtOrder | undefined> {
    const { exchange, abort } = session;
    try {
      return await this.#call(exchange, abort.signal, 'fetchOrder', { symbol, clientOrderId }, () =>
        exchange.fetchOrder('', symbol, { [this.#profile.lookupParam]: clientOrderId }),
      );
    } catch (error) {
      if (!isBtError(error, 'ORDER_NOT_FOUND')) throw error;
    }
    const open = await this.#call(exchange, abort.signal, 'fetchOpenOrders', { symbol }, () => exchange.fetchOpenOrders(symbol));
    return open.find((o) => o.clientOrderId === clientOrderId);
  }

  async #orderIdOf(session: Session, symbol: string, clientOrderId: string): Promise<string | undefined> {
    const tracked = this.#tracker.byClientId(clientOrderId);
    if (tracked?.orderId !== undefined) return tracked.orderId;
    const found = await this.#lookup(session, symbol, clientOrderId);
    return found?.id ?? undefined;
  }

  /** Trades of one order: `fetchOrderTrades` where the venue has it, else the symbol's trades since the order was created. */
  async #orderTrades(session: Session, symbol: string, orderId: string, since: number): Promise<CcxtTrade[]> {
    const { exchange, abort } = session;
    if (exchange.has.fetchOrderTrades === true) {
      return this.#call(exchange, abort.signal, 'fetchOrderTrades', { symbol, orderId }, () => exchange.fetchOrderTrades(orderId, symbol));
    }
    const trades = await this.#call(exchange, abort.signal, 'fetchMyTrades', { symbol, since }, () =>
      exchange.fetchMyTrades(symbol, since),
    );
    return trades.filter((t) => String(t.order) === orderId);
  }

  async #priceOrUndefined(symbol: string): Promise<number | undefined> {
    try {
      return await this.getLatestPrice(symbol);
    } catch (error) {
      this.#log.debug('no price for the minimum notional check; the venue checks it', { symbol, error: String(error) });
      return undefined;
    }
  }

  #toOrder(raw: CcxtOrder, intent?: OrderIntent): Order {
    const known = intent ?? this.#tracker.byClientId(raw.clientOrderId ?? undefined)?.intent;
    return toOrder(raw, known, this.#clock.now());
  }

  #newClientOrderId(): string {
    this.#generated++;
    return `bt${this.#clock.now().toString(36)}x${this.#generated}`;
  }

  #market(session: Session, symbol: string): Market {
    const market = session.markets.get(symbol);
    if (market === undefined) {
      throw new BtError('DATA', `${this.id} has no ${this.#options.marketType} market "${symbol}"`, { details: { symbol } });
    }
    return market;
  }

  #notFound(method: string, ref: OrderRef): BtError {
    const which = 'orderId' in ref ? `id ${ref.orderId}` : `client order id "${ref.clientOrderId}"`;
    return new BtError('ORDER_NOT_FOUND', `${this.id} ${method}: no order with ${which} on ${ref.symbol}`, { details: { ...ref } });
  }

  #require(method: string): Session {
    const session = this.#session;
    if (session === undefined) throw new BtError('STATE', `${this.id} ${method}: call connect() first`);
    return session;
  }

  #requireTrading(method: string): Session {
    const session = this.#require(method);
    if (!this.canTrade) {
      throw new BtError(
        'AUTHENTICATION',
        `${this.id} ${method}: no API key and secret (give apiKey/secret or set ${this.#options.exchange.toUpperCase()}_API_KEY and _SECRET); this broker only reads market data`,
      );
    }
    return session;
  }
}

/**
 * The CcxtBroker's factory, typed with core's {@link BrokerFactory}.
 *
 * @example
 * ```ts
 * const broker = createCcxtBroker({ exchange: 'binance', symbols: ['BTC/USDT'], useWebSocket: true });
 * ```
 */
export const createCcxtBroker: BrokerFactory<CcxtBrokerOptions, CcxtBroker> = (options) => new CcxtBroker(options);
