import type { ModelShorthands } from '../models/shorthand.js';
import { resolveModels } from '../models/shorthand.js';
import type {
  Balance,
  BarSeries,
  BrokerCapabilities,
  BrokerEvent,
  BrokerFactory,
  BrokerListener,
  Logger,
  Market,
  Order,
  OrderAck,
  OrderRef,
  OrderRequest,
  Position,
  ReplayBroker,
  ReplayFeed,
  Timeframe,
  Unsubscribe,
} from '@bt/core';
import { BrokerEventHub, BtError, silentLogger } from '@bt/core';
import type { AccountOptions } from '../account/account.js';
import { Account } from '../account/account.js';
import type { BarColumns } from '../data/columns.js';
import { ColumnarBarSeries } from '../data/series.js';
import { BarMatchingEngine } from '../engine/bar-matching-engine.js';
import type { MarketSpec } from '../markets.js';
import { MarketTable } from '../markets.js';
import type { BarQuote, FillTiming, IntrabarPriority } from '../models/types.js';
import { EquityRecorder } from '../results/equity-recorder.js';
import { computeMetrics } from '../results/metrics.js';
import { tradesOf } from '../results/trades.js';
import type { SimulationResults, SubmitRejection } from '../results/types.js';
import { ReplaySchedule } from './replay-schedule.js';

const NO_POSITIONS: readonly Position[] = Object.freeze([]);

interface SeriesView {
  readonly series: ColumnarBarSeries;
  limit: number;
  readonly promise: Promise<BarSeries>;
}

/** A resolved promise kept with the value it resolves to, so that an unchanged value costs no allocation. */
interface CachedPromise<T> {
  value: T | undefined;
  promise: Promise<T> | undefined;
}

function cachedPromise<T>(cache: CachedPromise<T>, value: T): Promise<T> {
  if (cache.promise === undefined || cache.value !== value) {
    cache.value = value;
    cache.promise = Promise.resolve(value);
  }
  return cache.promise;
}

interface CachedPrice {
  visible: number;
  promise: Promise<number>;
}

/** Options of {@link SimulatedBroker}. */
export interface SimulatedBrokerOptions extends ModelShorthands {
  /** One {@link BarColumns} per symbol (symbols must differ). */
  readonly data: readonly BarColumns[];
  /** Currency, starting balances, shorting. Default: `USD`, 1,000,000 USD, no shorts. */
  readonly account?: AccountOptions;
  /** Trading rules per symbol (steps, minimums, base/quote); other symbols get derived markets. */
  readonly markets?: readonly MarketSpec[];
  /** Default `next-open`; `cheat-on-close` fills market orders at the current bar's close. */
  readonly fillTiming?: FillTiming;
  /** Default `stop-first`. */
  readonly intrabarPriority?: IntrabarPriority;
  /** Where listener errors are reported. Default: silent. */
  readonly logger?: Logger;
}

/**
 * The simulated venue of backtests: historical bars replayed on one global timeline, the
 * {@link BarMatchingEngine}, an {@link Account}, and the run's results.
 *
 * Time moves in global steps: step k happens at the k-th time of the timeline (the ascending
 * union of every bar's close time). The first {@link SimulatedBroker.advanceTime} call of a step
 * moves the clock and, in canonical order (symbol, then order sequence), matches the pending
 * orders of every symbol whose bar closes at that time, marks positions to market and samples
 * equity; the other symbols' calls of the same step only catch up. So results never depend on
 * which worker calls first. See the README for the rules.
 *
 * @example
 * ```ts
 * const broker = new SimulatedBroker({ data: [await loadOhlcvCsv('BTCUSDT.csv', { timeframe: '1m' })] });
 * ```
 */
export class SimulatedBroker implements ReplayBroker<SimulationResults> {
  readonly id = 'sim';
  readonly capabilities: BrokerCapabilities;
  readonly #markets: MarketTable;
  readonly #columns: readonly BarColumns[];
  /** Each market's close column, read for every bar (held apart from its columns object). */
  readonly #closes: readonly Float64Array[];
  readonly #account: Account;
  readonly #engine: BarMatchingEngine;
  readonly #schedule: ReplaySchedule;
  readonly #fillTiming: FillTiming;
  readonly #intrabarPriority: IntrabarPriority;
  readonly #log: Logger;
  /** Steps taken. */
  #step = 0;
  /** Per market: the last step its worker caught up with. */
  readonly #stepOf: Int32Array;
  /** Per market: number of visible bars (index of the next bar to close). */
  readonly #cursor: Int32Array;
  /** Per market: the reused bar view and its resolved promise. */
  readonly #views: SeriesView[];
  /** Per market: the latest price's resolved promise, made once per new bar. */
  readonly #prices: CachedPrice[];
  /** Per market, and for all open positions: the resolved promise of the (immutable, cached) position list. */
  readonly #positions: CachedPromise<readonly Position[]>[];
  readonly #allPositions: CachedPromise<readonly Position[]> = { value: undefined, promise: undefined };
  readonly #true = Promise.resolve(true);
  readonly #false = Promise.resolve(false);
  readonly #quote = { openTime: 0, closeTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 } satisfies BarQuote;
  readonly #equity: EquityRecorder;
  readonly #rejections: { rejection: SubmitRejection; arrival: number }[] = [];
  readonly #events: BrokerEventHub;
  #closed = false;

  /** What every feed of this broker calls back into: one object for all of them. */
  readonly #feedHost: FeedHost = {
    view: (m, symbol, limit) => {
      this.#checkLimit(symbol, limit);
      return this.#view(m, limit).series;
    },
    advance: (m) => this.#advance(m),
    latestPrice: (m) => this.#latestPrice(m),
  };

  /** @throws BtError `CONFIG` on bad options (no data, duplicate symbols, bad markets or models). */
  constructor(options: SimulatedBrokerOptions) {
    if (!Array.isArray(options?.data) || options.data.length === 0) {
      throw new BtError('CONFIG', 'data: expected at least one BarColumns (one per symbol)');
    }
    const seen = new Set<string>();
    options.data.forEach((columns, i) => {
      if (seen.has(columns.symbol)) throw new BtError('CONFIG', `data[${i}]: symbol "${columns.symbol}" (${columns.source}) appears twice`);
      seen.add(columns.symbol);
    });
    const currency = options.account?.currency ?? 'USD';
    this.#markets = new MarketTable(
      options.data.map((c) => c.symbol),
      currency,
      options.markets,
    );
    const bySymbol = new Map(options.data.map((c) => [c.symbol, c]));
    this.#columns = this.#markets.list.map((market) => bySymbol.get(market.symbol) as BarColumns);
    this.#closes = this.#columns.map((c) => c.close);
    this.#schedule = new ReplaySchedule(this.#columns);
    if (this.#schedule.length === 0) throw new BtError('CONFIG', 'data: every symbol is empty; expected at least one bar');
    this.#account = new Account(this.#markets, options.account);
    this.#fillTiming = options.fillTiming ?? 'next-open';
    this.#intrabarPriority = options.intrabarPriority ?? 'stop-first';
    if (this.#fillTiming !== 'next-open' && this.#fillTiming !== 'cheat-on-close') {
      throw new BtError('CONFIG', `fillTiming: expected "next-open" or "cheat-on-close", got "${String(this.#fillTiming)}"`);
    }
    if (this.#intrabarPriority !== 'stop-first' && this.#intrabarPriority !== 'limit-first') {
      throw new BtError('CONFIG', `intrabarPriority: expected "stop-first" or "limit-first", got "${String(this.#intrabarPriority)}"`);
    }
    this.#log = options.logger ?? silentLogger;
    this.#events = new BrokerEventHub(this.#log);
    this.#engine = new BarMatchingEngine({
      markets: this.#markets,
      account: this.#account,
      ...resolveModels(options),
      fillTiming: this.#fillTiming,
      intrabarPriority: this.#intrabarPriority,
      onEvent: (event) => this.#publish(event),
    });
    const n = this.#markets.size;
    this.#stepOf = new Int32Array(n);
    this.#cursor = new Int32Array(n);
    this.#views = this.#columns.map((c) => {
      const series = new ColumnarBarSeries(c);
      return { series, limit: Number.NaN, promise: Promise.resolve(series) };
    });
    this.#positions = this.#columns.map(() => ({ value: undefined, promise: undefined }));
    this.#prices = this.#columns.map(() => ({ visible: -1, promise: Promise.resolve(Number.NaN) }));
    this.#equity = new EquityRecorder(this.#schedule.length);
    this.capabilities = Object.freeze({
      orderTypes: Object.freeze(['market', 'limit', 'stop', 'stop-limit'] as const),
      shorting: this.#account.allowShort,
      reduceOnly: true,
      ioc: true,
      fetchByClientOrderId: true,
      streamingBars: false,
      replay: true,
    });
  }

  /** Number of steps in the timeline (for a TimeController's `totalSteps`). */
  get totalSteps(): number {
    return this.#schedule.length;
  }

  /** Steps taken so far. */
  get stepsTaken(): number {
    return this.#step;
  }

  async connect(): Promise<void> {
    this.#closed = false;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async getMarkets(): Promise<readonly Market[]> {
    return this.#markets.list;
  }

  /**
   * The symbol's closed bars, oldest first, at most `limit`: a view the broker reuses for the same
   * symbol and limit, moved to the newest closed bar by each call.
   * @throws BtError `NOT_SUPPORTED` for a timeframe other than the loaded one; `DATA` for an unknown symbol.
   */
  getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    try {
      const m = this.#barsMarket(symbol, timeframe);
      this.#checkLimit(symbol, limit);
      return this.#view(m, limit).promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Synchronous reads of `symbol` (see core's `ReplayFeed`): the same values as `getBars`,
   * `getPositions` and `advanceTime`, without a promise.
   * @throws BtError as `getBars(symbol, timeframe, ...)` rejects: `DATA` for an unknown symbol,
   * `NOT_SUPPORTED` for a timeframe other than the loaded one.
   */
  openFeed(symbol: string, timeframe: Timeframe): ReplayFeed {
    return new MarketFeed(this.#barsMarket(symbol, timeframe), symbol, this.#feedHost, this.#cursor, this.#account);
  }

  /** The market index of `symbol` for bar reads in `timeframe`. */
  #barsMarket(symbol: string, timeframe: Timeframe): number {
    const m = this.#markets.indexOf(symbol);
    if (m < 0) throw this.#unknownSymbol(symbol);
    const columns = this.#columns[m] as BarColumns;
    if (timeframe !== columns.timeframe) {
      throw new BtError('NOT_SUPPORTED', `getBars(${symbol}, ${timeframe}): the simulation has ${symbol} only in ${columns.timeframe}`, {
        details: { symbol, timeframe, loaded: columns.timeframe },
      });
    }
    return m;
  }

  #checkLimit(symbol: string, limit: number): void {
    if (!(limit >= 0 && (Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY))) {
      throw new BtError('CONFIG', `getBars(${symbol}): limit must be an integer >= 0, got ${limit}`);
    }
  }

  /** Market `m`'s reused bar view for `limit`, moved to its newest closed bar. */
  #view(m: number, limit: number): SeriesView {
    let view = this.#views[m] as SeriesView;
    if (view.limit !== limit) {
      if (!Number.isNaN(view.limit)) {
        const series = new ColumnarBarSeries(this.#columns[m] as BarColumns);
        view = { series, limit, promise: Promise.resolve(series) };
        this.#views[m] = view;
      } else {
        view.limit = limit;
      }
    }
    view.series.setWindow(this.#cursor[m] as number, limit);
    return view;
  }

  /** Close of market `m`'s newest closed bar; NaN before its first bar has closed. */
  #latestPrice(m: number): number {
    const visible = this.#cursor[m] as number;
    return visible === 0 ? Number.NaN : ((this.#closes[m] as Float64Array)[visible - 1] as number);
  }

  /** Close of the symbol's newest closed bar; NaN before its first bar has closed. */
  getLatestPrice(symbol: string): Promise<number> {
    const m = this.#markets.indexOf(symbol);
    if (m < 0) return Promise.reject(this.#unknownSymbol(symbol));
    const visible = this.#cursor[m] as number;
    const price = this.#prices[m] as CachedPrice;
    if (price.visible !== visible) {
      price.visible = visible;
      price.promise = Promise.resolve(this.#latestPrice(m));
    }
    return price.promise;
  }

  async getBalances(): Promise<readonly Balance[]> {
    return this.#account.balances();
  }

  /** With a symbol: its position, flat or not. Without: the open positions, by symbol. */
  getPositions(symbol?: string): Promise<readonly Position[]> {
    if (symbol === undefined) return cachedPromise(this.#allPositions, this.#account.openPositions());
    const m = this.#markets.indexOf(symbol);
    if (m < 0) return Promise.resolve(NO_POSITIONS);
    return cachedPromise(this.#positions[m] as CachedPromise<readonly Position[]>, this.#account.positionList(m));
  }

  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    return this.#engine.openOrders(symbol);
  }

  submitOrder(request: OrderRequest): Promise<OrderAck> {
    try {
      return Promise.resolve(this.#submit(request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #submit(request: OrderRequest): OrderAck {
    const now = this.currentTime();
    const ack = this.#closed
      ? { accepted: false, status: 'rejected' as const, reason: 'the simulated broker is closed' }
      : this.#engine.submit(request, now);
    if (!ack.accepted) {
      this.#rejections.push({
        rejection: Object.freeze({
          time: now,
          symbol: String(request.symbol),
          ...(request.clientOrderId === undefined ? {} : { clientOrderId: request.clientOrderId }),
          reason: ack.reason ?? 'rejected',
        }),
        arrival: this.#rejections.length,
      });
    }
    return ack;
  }

  /** @throws BtError `ORDER_NOT_FOUND` when the broker has no such order. */
  async cancelOrder(ref: OrderRef): Promise<Order> {
    const order = this.#engine.cancel(ref, this.currentTime());
    if (order === undefined) {
      throw new BtError('ORDER_NOT_FOUND', `cancelOrder: no order ${describeRef(ref)}`, { details: { ...ref } });
    }
    return order;
  }

  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    return this.#engine.fetch(ref);
  }

  subscribe(listener: BrokerListener): Unsubscribe {
    return this.#events.subscribe(listener);
  }

  /**
   * Moves `symbol` to the next step. The first call of a step (the caller's symbol is up to date
   * with the clock) takes the step for everyone; later calls in the same step catch their symbol
   * up. Resolves false once the symbol's last bar was already visible before this step, or when
   * the timeline has ended.
   *
   * @throws BtError `DATA` for an unknown symbol.
   */
  advanceTime(symbol: string): Promise<boolean> {
    const m = this.#markets.indexOf(symbol);
    if (m < 0) return Promise.reject(this.#unknownSymbol(symbol));
    return this.#advance(m) ? this.#true : this.#false;
  }

  #advance(m: number): boolean {
    let moved = true;
    if (this.#stepOf[m] === this.#step) moved = this.#takeStep();
    this.#stepOf[m] = this.#step;
    return moved && (this.#schedule.lastClose[m] as number) >= this.currentTime();
  }

  /** Simulated time: the current step's time; before the first step, 1 ms before the first close. */
  currentTime(): number {
    const times = this.#schedule.times;
    return this.#step === 0 ? (times[0] as number) - 1 : (times[this.#step - 1] as number);
  }

  /** The run so far: partial before the end of the data. */
  async getResults(): Promise<SimulationResults> {
    const account = this.#account;
    const equity = this.#equity.snapshot();
    const record = this.#engine.record();
    const trades = tradesOf(record.executions);
    const startTime = Math.min(...this.#columns.map((c) => (c.length > 0 ? (c.openTime[0] as number) : Number.POSITIVE_INFINITY)));
    const barMs = Math.min(...this.#columns.map((c) => c.timeframeMs));
    const finalEquity = account.equity();
    const feesPaid = account.feesPaid();
    const results = {
      currency: account.currency,
      fillTiming: this.#fillTiming,
      intrabarPriority: this.#intrabarPriority,
      startTime,
      endTime: this.currentTime(),
      steps: this.#step,
      totalSteps: this.#schedule.length,
      complete: this.#step === this.#schedule.length,
      initialEquity: account.initialEquity,
      finalEquity,
      balances: account.balances(),
      positions: account.openPositions(),
    };
    // Orders and fills are made when first read, by the record (which keeps them): a sweep
    // reading metrics never pays for them.
    Object.defineProperty(results, 'orders', { enumerable: true, get: record.orders });
    Object.defineProperty(results, 'fills', { enumerable: true, get: record.fills });
    return Object.freeze(
      Object.assign(results, {
        trades: Object.freeze(trades),
        equity,
        ordersUnfilledAtEnd: record.unfilled,
        rejectedSubmissions: Object.freeze(
          [...this.#rejections]
            .sort(
              (a, b) =>
                a.rejection.time - b.rejection.time ||
                (a.rejection.symbol < b.rejection.symbol ? -1 : a.rejection.symbol > b.rejection.symbol ? 1 : a.arrival - b.arrival),
            )
            .map((r) => r.rejection),
        ),
        metrics: computeMetrics({ initialEquity: account.initialEquity, finalEquity, startTime, equity, trades, feesPaid, barMs }),
      }),
    ) as SimulationResults;
  }

  /**
   * One global step, in a fixed phase order:
   * 1. cheat-on-close orders of every symbol fill at their symbol's latest close (canonical order);
   * 2. the clock moves to the next timeline time T;
   * 3. for each symbol whose bar closes at T, in canonical order: the bar becomes visible, its
   *    pending orders are matched against it, and the position is marked at its close;
   * 4. equity is sampled.
   * Returns false, after phase 1, when the timeline has ended.
   */
  #takeStep(): boolean {
    const engine = this.#engine;
    const cursor = this.#cursor;
    const quote = this.#quote;
    if (this.#fillTiming === 'cheat-on-close') {
      const now = this.currentTime();
      for (let m = 0; m < cursor.length; m++) {
        if ((cursor[m] as number) > 0 && engine.hasCloseOrders(m)) {
          this.#loadQuote(m, (cursor[m] as number) - 1);
          engine.onClose(m, quote, now);
        }
      }
    }
    const { times, tickStart, ticking } = this.#schedule;
    const k = this.#step;
    if (k >= times.length) return false;
    this.#step = k + 1;
    const end = tickStart[k + 1] as number;
    for (let j = tickStart[k] as number; j < end; j++) {
      const m = ticking[j] as number;
      const i = cursor[m] as number;
      cursor[m] = i + 1;
      if (engine.bookSize(m) === 0) {
        // Nothing to match: the engine only counts the bar, and marking needs just the close.
        engine.onBar(m, quote);
        this.#account.mark(m, (this.#closes[m] as Float64Array)[i] as number);
      } else {
        this.#loadQuote(m, i);
        engine.onBar(m, quote);
        this.#account.mark(m, quote.close);
      }
    }
    this.#equity.push(times[k] as number, this.#account.equity(), this.#account.hasOpenPositions);
    return true;
  }

  #loadQuote(m: number, i: number): void {
    const c = this.#columns[m] as BarColumns;
    const q = this.#quote;
    q.openTime = c.openTime[i] as number;
    q.closeTime = q.openTime + c.timeframeMs;
    q.open = c.open[i] as number;
    q.high = c.high[i] as number;
    q.low = c.low[i] as number;
    q.close = c.close[i] as number;
    q.volume = c.volume[i] as number;
  }

  #publish(event: BrokerEvent): void {
    this.#events.emit(event);
  }

  #unknownSymbol(symbol: string): BtError {
    return new BtError('DATA', `no data for symbol "${symbol}"; the simulation has ${this.#markets.list.map((x) => x.symbol).join(', ')}`, {
      details: { symbol },
    });
  }
}

/** The broker's side of a {@link MarketFeed}. */
interface FeedHost {
  /** Market `m`'s reused view for `limit`, moved to its newest closed bar (checks `limit`). */
  view(m: number, symbol: string, limit: number): ColumnarBarSeries;
  advance(m: number): boolean;
  latestPrice(m: number): number;
}

/**
 * One market's {@link ReplayFeed}: an object with methods, not closures, so that a worker's tick
 * touches this object and the broker's shared host only. It keeps the view of the limit it was
 * last asked for, so a tick only moves that view's window.
 */
class MarketFeed implements ReplayFeed {
  readonly #m: number;
  readonly #symbol: string;
  readonly #host: FeedHost;
  readonly #cursor: Int32Array;
  readonly #account: Account;
  #limit = Number.NaN;
  #series: ColumnarBarSeries | undefined = undefined;

  constructor(m: number, symbol: string, host: FeedHost, cursor: Int32Array, account: Account) {
    this.#m = m;
    this.#symbol = symbol;
    this.#host = host;
    this.#cursor = cursor;
    this.#account = account;
  }

  bars(limit: number): BarSeries {
    const series = this.#series;
    if (limit === this.#limit && series !== undefined) return series.setWindow(this.#cursor[this.#m] as number, limit);
    const view = this.#host.view(this.#m, this.#symbol, limit);
    this.#series = view;
    this.#limit = limit;
    return view;
  }

  positions(): readonly Position[] {
    return this.#account.positionList(this.#m);
  }

  advance(): boolean {
    return this.#host.advance(this.#m);
  }

  positionSize(): number {
    return this.#account.signedSize(this.#m);
  }

  latestPrice(): number {
    return this.#host.latestPrice(this.#m);
  }
}

/**
 * The SimulatedBroker's factory, typed with core's {@link BrokerFactory}.
 *
 * @example
 * ```ts
 * const broker = createSimulatedBroker({ data: [btc, eth], fees: { taker: 0.001 } });
 * ```
 */
export const createSimulatedBroker: BrokerFactory<SimulatedBrokerOptions, SimulatedBroker> = (options) => new SimulatedBroker(options);

function describeRef(ref: OrderRef): string {
  return 'orderId' in ref ? `${ref.orderId} on ${ref.symbol}` : `with clientOrderId "${ref.clientOrderId}" on ${ref.symbol}`;
}
