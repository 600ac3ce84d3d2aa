import type { ModelShorthands } from '../models/shorthand.js';
import { resolveModels } from '../models/shorthand.js';
import type {
  Balance,
  Bar,
  BarSeries,
  Broker,
  BrokerCapabilities,
  BrokerEvent,
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
import { ArrayBarSeries, BrokerEventHub, BtError, isTimeframe, silentLogger } from '@bt/core';
import type { AccountOptions } from '../account/account.js';
import { Account } from '../account/account.js';
import { BarMatchingEngine } from '../engine/bar-matching-engine.js';
import type { MarketSpec } from '../markets.js';
import { floorToStep, MarketTable } from '../markets.js';
import type { BarQuote, FillTiming, IntrabarPriority } from '../models/types.js';

/** Bars read from the data source per catch-up, when the caller asks for fewer. */
const DEFAULT_FEED_WINDOW = 50;

/** Options of {@link PaperBroker}. */
export interface PaperBrokerOptions extends ModelShorthands {
  /**
   * Where markets, bars and prices come from: any {@link Broker}, e.g. a `CcxtBroker` without
   * keys. The paper broker never sends it an order.
   */
  readonly data: Broker;
  /** Time of the paper account: an order is matched against the bars that close after it was sent. */
  readonly clock: Clock;
  /** Symbols traded on paper. */
  readonly symbols: readonly string[];
  /** Timeframe of the bars the matching engine is fed. */
  readonly timeframe: Timeframe;
  /** Currency, starting balances, shorting. Default: the markets' common quote currency, 1,000,000 of it, no shorts. */
  readonly account?: AccountOptions;
  /** Overrides of the data source's market rules (steps, minimums), per symbol. */
  readonly markets?: readonly MarketSpec[];
  /** Default `next-open`. */
  readonly fillTiming?: FillTiming;
  /** Default `stop-first`. */
  readonly intrabarPriority?: IntrabarPriority;
  /**
   * Round amounts down to the market's amount step and prices to its price step before matching,
   * as a live venue adapter does. Default true; false rejects off-step orders, as a backtest does.
   */
  readonly roundToMarket?: boolean;
  /** Bars read per catch-up (at least the largest gap between two reads). Default 50. */
  readonly feedWindow?: number;
  /** Close the data source when the paper broker closes. Default true. */
  readonly closeData?: boolean;
  /** Where listener errors and data gaps are reported. Default: silent. */
  readonly logger?: Logger;
}

/** Per market: the last bar fed to the engine. */
interface FeedState {
  /** Close time of the newest bar fed (or, before priming, -Infinity). */
  lastClose: number;
  /** The newest bar fed. */
  last: BarQuote | undefined;
  /** False until the first read: bars that closed before connect are history, never matched. */
  primed: boolean;
}

/**
 * Paper trading: live market data from any data {@link Broker}, orders filled by sim-broker's
 * {@link BarMatchingEngine} and {@link Account}, the very rules of a backtest, against the live
 * bars as they close. No keys, no orders at the venue.
 *
 * Bars reach the engine when they are read (every `getBars` of the paper timeframe, and before
 * every submission, position or order read), in order, each at most once. An order is matched
 * from the first bar that closes after it was sent (a market order at that bar's open); bars that
 * closed before `connect()` only set mark prices.
 *
 * @example
 * ```ts
 * const data = createCcxtBroker({ exchange: 'binance' }); // no keys: market data only
 * const broker = new PaperBroker({ data, clock: new LiveClock(), symbols: ['BTC/USDT'], timeframe: '1m', account: { currency: 'USDT', balances: { USDT: 10_000 } } });
 * ```
 */
export class PaperBroker implements Broker {
  /** `paper:<data source id>`. */
  readonly id: string;
  readonly capabilities: BrokerCapabilities;
  readonly #options: PaperBrokerOptions;
  readonly #data: Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #window: number;
  #markets: MarketTable | undefined;
  #account: Account | undefined;
  #engine: BarMatchingEngine | undefined;
  #feeds: FeedState[] = [];
  readonly #events: BrokerEventHub;
  #connected = false;

  /** @throws BtError `CONFIG` on bad options. */
  constructor(options: PaperBrokerOptions) {
    if (options?.data === undefined || typeof options.data.getBars !== 'function') {
      throw new BtError('CONFIG', 'data: expected a Broker to read markets and bars from');
    }
    if (options.clock === undefined || typeof options.clock.now !== 'function') throw new BtError('CONFIG', 'clock: expected a Clock');
    if (!Array.isArray(options.symbols) || options.symbols.length === 0) {
      throw new BtError('CONFIG', 'symbols: expected at least one symbol such as "BTC/USDT"');
    }
    if (!isTimeframe(options.timeframe)) throw new BtError('CONFIG', `timeframe: expected e.g. "1m", got "${String(options.timeframe)}"`);
    const window = options.feedWindow ?? DEFAULT_FEED_WINDOW;
    if (!(Number.isInteger(window) && window >= 1)) throw new BtError('CONFIG', `feedWindow: expected an integer >= 1, got ${window}`);
    const fillTiming = options.fillTiming ?? 'next-open';
    if (fillTiming !== 'next-open' && fillTiming !== 'cheat-on-close') {
      throw new BtError('CONFIG', `fillTiming: expected "next-open" or "cheat-on-close", got "${String(fillTiming)}"`);
    }
    this.#options = options;
    this.#data = options.data;
    this.#clock = options.clock;
    this.#log = options.logger ?? silentLogger;
    this.#events = new BrokerEventHub(this.#log);
    this.#window = window;
    this.id = `paper:${options.data.id}`;
    this.capabilities = Object.freeze({
      orderTypes: Object.freeze(['market', 'limit', 'stop', 'stop-limit'] as const),
      shorting: options.account?.allowShort ?? false,
      reduceOnly: true,
      ioc: true,
      fetchByClientOrderId: true,
      streamingBars: options.data.capabilities.streamingBars,
      replay: false,
    });
  }

  /** The paper account (balances, positions, equity); undefined before the first `connect()`. */
  get account(): Account | undefined {
    return this.#account;
  }

  /** Every order accepted on paper, in canonical order. */
  orders(): readonly Order[] {
    return this.#engine?.orders() ?? [];
  }

  /**
   * Connects the data source and, the first time, builds the paper markets (the data source's
   * rules, with `markets` overrides), account and matching engine; then reads each symbol's bars.
   * The account survives `close()` and a later `connect()`.
   * @throws BtError `CONFIG` when the data source has no market for a symbol.
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    await this.#data.connect();
    if (this.#engine === undefined) await this.#build();
    this.#connected = true;
    for (const symbol of this.#options.symbols) await this.#catchUp(symbol, this.#window);
  }

  async #build(): Promise<void> {
    const options = this.#options;
    const available = new Map((await this.#data.getMarkets()).map((m) => [m.symbol, m]));
    const overrides = new Map((options.markets ?? []).map((m) => [m.symbol, m]));
    const specs: MarketSpec[] = options.symbols.map((symbol, i) => {
      const market = available.get(symbol);
      if (market === undefined) {
        throw new BtError('CONFIG', `symbols[${i}]: the data source ${this.#data.id} has no market "${symbol}"`, { details: { symbol } });
      }
      return { ...market, ...overrides.get(symbol), symbol };
    });
    const quotes = [...new Set(specs.map((s) => s.quote as string))];
    const currency = options.account?.currency ?? (quotes.length === 1 ? (quotes[0] as string) : 'USD');
    const markets = new MarketTable(options.symbols, currency, specs);
    const account = new Account(markets, { ...options.account, currency });
    this.#engine = new BarMatchingEngine({
      markets,
      account,
      ...resolveModels(options),
      fillTiming: options.fillTiming ?? 'next-open',
      intrabarPriority: options.intrabarPriority ?? 'stop-first',
      onEvent: (event) => this.#publish(event),
    });
    this.#markets = markets;
    this.#account = account;
    this.#feeds = markets.list.map(() => ({ lastClose: Number.NEGATIVE_INFINITY, last: undefined, primed: false }));
  }

  /** Stops using the data source (closing it unless `closeData: false`). Idempotent. */
  async close(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    if (this.#options.closeData ?? true) await this.#data.close();
  }

  /** The paper markets: the data source's rules for the paper symbols, with the `markets` overrides. */
  async getMarkets(): Promise<readonly Market[]> {
    return this.#require('getMarkets').markets.list;
  }

  /**
   * The data source's closed bars. For a paper symbol in the paper timeframe, the bars that
   * closed since the last read are first fed to the matching engine.
   */
  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    const { markets } = this.#require('getBars');
    if (timeframe !== this.#options.timeframe || markets.indexOf(symbol) < 0) return this.#data.getBars(symbol, timeframe, limit);
    if (!(Number.isInteger(limit) && limit >= 0))
      throw new BtError('CONFIG', `getBars(${symbol}): limit must be an integer >= 0, got ${limit}`);
    const series = await this.#catchUp(symbol, Math.max(limit, this.#window));
    if (series.length <= limit) return series;
    return new ArrayBarSeries(symbol, timeframe, series.toArray().slice(series.length - limit));
  }

  /** The data source's latest price. */
  async getLatestPrice(symbol: string): Promise<number> {
    this.#require('getLatestPrice');
    return this.#data.getLatestPrice(symbol);
  }

  /** The paper account's balances, after feeding the bars that closed since the last read. */
  async getBalances(): Promise<readonly Balance[]> {
    const { account } = this.#require('getBalances');
    await this.#catchUpAll();
    return account.balances();
  }

  /** With a symbol: its position, flat or not. Without: the open positions, by symbol. */
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    const { account, markets } = this.#require('getPositions');
    if (symbol === undefined) {
      await this.#catchUpAll();
      return account.openPositions();
    }
    const m = markets.indexOf(symbol);
    if (m < 0) return [];
    await this.#catchUp(symbol, this.#window);
    return account.positionList(m);
  }

  /** Open paper orders, of one symbol or all, after feeding the bars that closed since the last read. */
  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    const { engine } = this.#require('getOpenOrders');
    if (symbol === undefined) await this.#catchUpAll();
    else if (this.#markets?.indexOf(symbol) !== -1) await this.#catchUp(symbol, this.#window);
    return engine.openOrders(symbol);
  }

  /**
   * Books an order on paper. Bars that closed before now are fed first, so the order can only
   * match against bars that close after it was sent. A rejection is an ack with `accepted: false`.
   */
  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const { engine, markets } = this.#require('submitOrder');
    const m = markets.indexOf(request.symbol);
    if (m >= 0) await this.#catchUp(request.symbol, this.#window);
    const rounded = m >= 0 && (this.#options.roundToMarket ?? true) ? roundToMarket(request, markets.at(m)) : request;
    return engine.submit(rounded, this.#clock.now());
  }

  /** @throws BtError `ORDER_NOT_FOUND` when there is no such paper order. */
  async cancelOrder(ref: OrderRef): Promise<Order> {
    const { engine } = this.#require('cancelOrder');
    const order = engine.cancel(ref, this.#clock.now());
    if (order === undefined) {
      const which = 'orderId' in ref ? `id ${ref.orderId}` : `client order id "${ref.clientOrderId}"`;
      throw new BtError('ORDER_NOT_FOUND', `${this.id} cancelOrder: no order with ${which} on ${ref.symbol}`, { details: { ...ref } });
    }
    return order;
  }

  /** A paper order by id or client order id, or undefined. */
  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    return this.#require('fetchOrder').engine.fetch(ref);
  }

  /** Receives the matching engine's fills and order updates; a listener that throws is logged and skipped. */
  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#events.subscribe(listener);
  }

  /** Reads every paper symbol's new bars and feeds them to the matching engine. */
  async sync(): Promise<void> {
    this.#require('sync');
    await this.#catchUpAll();
  }

  async #catchUpAll(): Promise<void> {
    for (const market of (this.#markets as MarketTable).list) await this.#catchUp(market.symbol, this.#window);
  }

  /** Reads `symbol`'s newest `limit` closed bars and feeds the new ones to the engine; returns what was read. */
  async #catchUp(symbol: string, limit: number): Promise<BarSeries> {
    const series = await this.#data.getBars(symbol, this.#options.timeframe, limit);
    this.#feed(symbol, series);
    return series;
  }

  /**
   * Feeds the bars of `series` that closed after the last one fed and by now, oldest first. A
   * cheat-on-close order is filled at the close of the newest bar fed before anything newer. Runs
   * synchronously, so concurrent reads never feed a bar twice.
   */
  #feed(symbol: string, series: BarSeries): void {
    const markets = this.#markets as MarketTable;
    const engine = this.#engine as BarMatchingEngine;
    const account = this.#account as Account;
    const m = markets.indexOf(symbol);
    const state = this.#feeds[m] as FeedState;
    const now = this.#clock.now();
    const fresh: Bar[] = [];
    for (let i = 0; i < series.length; i++) {
      const bar = series.at(i);
      if (bar !== undefined && bar.closeTime > state.lastClose && bar.closeTime <= now) fresh.push(bar);
    }
    if (fresh.length === 0) return;
    if (state.primed) {
      const oldest = series.at(0);
      if (oldest !== undefined && oldest.openTime > state.lastClose) {
        this.#log.warn('paper: the read does not reach back to the last bar fed; bars may have been missed (raise feedWindow)', {
          symbol,
          lastFed: state.lastClose,
          oldestRead: oldest.openTime,
        });
      }
      if (state.last !== undefined && engine.hasCloseOrders(m)) engine.onClose(m, state.last, now);
      for (const bar of fresh) {
        const quote = toQuote(bar);
        engine.onBar(m, quote);
        account.mark(m, bar.close);
        state.last = quote;
      }
    } else {
      // History: bars that closed before the paper account started only set the mark price.
      const newest = fresh[fresh.length - 1] as Bar;
      account.mark(m, newest.close);
      state.last = toQuote(newest);
      state.primed = true;
    }
    state.lastClose = (fresh[fresh.length - 1] as Bar).closeTime;
  }

  #publish(event: BrokerEvent): void {
    this.#events.emit(event);
  }

  #require(method: string): { markets: MarketTable; account: Account; engine: BarMatchingEngine } {
    if (!this.#connected || this.#engine === undefined) throw new BtError('STATE', `${this.id} ${method}: call connect() first`);
    return { markets: this.#markets as MarketTable, account: this.#account as Account, engine: this.#engine };
  }
}

/**
 * The PaperBroker's factory, typed with core's {@link BrokerFactory}.
 *
 * @example
 * ```ts
 * const broker = createPaperBroker({ data, clock, symbols: ['BTC/USDT'], timeframe: '1m' });
 * ```
 */
export const createPaperBroker: BrokerFactory<PaperBrokerOptions, PaperBroker> = (options) => new PaperBroker(options);

/** `request` with its amount floored to the amount step and its prices rounded to the price step. */
export function roundToMarket(request: OrderRequest, market: Market): OrderRequest {
  const amount = typeof request.amount === 'number' ? floorToStep(request.amount, market.amountStep) : request.amount;
  const price = request.price === undefined ? undefined : roundToStep(request.price, market.priceStep);
  const stopPrice = request.stopPrice === undefined ? undefined : roundToStep(request.stopPrice, market.priceStep);
  return {
    ...request,
    amount: cleanFloat(amount),
    ...(price === undefined ? {} : { price: cleanFloat(price) }),
    ...(stopPrice === undefined ? {} : { stopPrice: cleanFloat(stopPrice) }),
  };
}

function roundToStep(value: number, step: number | undefined): number {
  return step === undefined || !Number.isFinite(value) ? value : Math.round(value / step) * step;
}

/** Drops float noise from a step multiple (0.30000000000000004 becomes 0.3). */
function cleanFloat(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(12)) : value;
}

function toQuote(bar: Bar): BarQuote {
  return {
    openTime: bar.openTime,
    closeTime: bar.closeTime,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
  };
}
