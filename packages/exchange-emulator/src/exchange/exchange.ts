import type { Balance, Fill, Logger, Order, OrderType, Position } from '@bt/core';
import { isTerminal, silentLogger } from '@bt/core';
import type { Account, BarColumns, BarQuote } from '@bt/sim-broker';
import { BarMatchingEngine, makerTakerFees } from '@bt/sim-broker';
import { BinanceError, orderDoesNotExist, orderRejected, unknownOrderCancel } from '../binance/errors.js';
import { visibleBars } from '../data/klines.js';
import type { BarListener, BarTick, ExchangeOptions, ExchangeRestart } from './exchange-types.js';
import { withBarCapacity } from './matching.js';
import type { EmulatedMarket } from './markets.js';
import { buildMarkets, filteredQuantity } from './markets.js';
import { openingAccount } from './opening-account.js';
import type { BinanceOrderStatus, BinanceOrderType, ClientOrderIdRule, NewOrder, OrderRecord, OrderRef, TradeRecord } from './records.js';
import { binanceStatus, OrderRegistry, venueTradeOf } from './records.js';
import type { WalletBalance, WalletView } from './wallet.js';
import { checkFunds, walletOf } from './wallet.js';

export type { BinanceOrderStatus, BinanceOrderType, ClientOrderIdRule, NewOrder, OrderRecord, OrderRef, TradeRecord } from './records.js';
export type { WalletBalance } from './wallet.js';

const ENGINE_TYPE: Readonly<Record<BinanceOrderType, OrderType>> = {
  MARKET: 'market',
  LIMIT: 'limit',
  STOP_LOSS: 'stop',
  STOP_LOSS_LIMIT: 'stop-limit',
};

export { MAX_PRICE, MAX_QTY } from './markets.js';

export type { MatchingSettings } from './matching.js';

export type { BarListener, BarTick, ExchangeOptions, ExchangeRestart } from './exchange-types.js';

/**
 * The emulated spot exchange without its wire protocol: markets replayed on simulated time, the
 * `@bt/sim-broker` matching engine and account, Binance's order identities, filters and wallet.
 *
 * Time enters only through {@link Exchange.sync}: every bar whose close is at or before `now` is
 * fed to the engine, in global time order and then canonical market order, exactly as a backtest
 * feeds it. Fill rules are the engine's: an order is matched from the first bar that closes after
 * it arrived (a market order at that bar's open), a limit when the bar's range reaches it.
 *
 * The wallet is Binance's view of the engine's account: a quote asset is the account's cash, a
 * base asset is the long position of its market; open orders hold (lock) what they may spend.
 */
export class Exchange {
  /** The markets, in canonical order. */
  readonly markets: readonly EmulatedMarket[];
  /** Fee rates in force. */
  readonly makerRate: number;
  readonly takerRate: number;
  readonly #account: Account;
  readonly #engine: BarMatchingEngine;
  readonly #cursor: Int32Array;
  readonly #byVenueId: ReadonlyMap<string, EmulatedMarket>;
  readonly #registry = new OrderRegistry();
  readonly #clientOrderIds: ClientOrderIdRule;
  readonly #wallet: WalletView;
  readonly #fills: Fill[] = [];
  readonly #quote: { -readonly [K in keyof BarQuote]: BarQuote[K] } = {
    openTime: 0,
    closeTime: 0,
    open: 0,
    high: 0,
    low: 0,
    close: 0,
    volume: 0,
  };
  readonly #log: Logger;
  #listeners: readonly BarListener[] = [];
  #processing = 0;
  #syncedTo = Number.NEGATIVE_INFINITY;

  /** @throws BtError `CONFIG` on bad markets, balances or fees. */
  constructor(options: ExchangeOptions) {
    const { table, markets } = buildMarkets(options.columns, options.markets);
    this.markets = markets;
    this.#byVenueId = new Map(markets.map((m) => [m.venueId, m]));
    this.#log = options.logger ?? silentLogger;
    this.makerRate = options.fees.maker ?? 0;
    this.takerRate = options.fees.taker ?? 0;
    this.#clientOrderIds = options.clientOrderIds ?? 'open-only';
    this.#account = openingAccount(table, markets, options.balances, options.startTime);
    const matching = options.matching ?? {};
    const volumeCap = withBarCapacity(matching.volumeCap, options.barCapacity);
    this.#engine = new BarMatchingEngine({
      markets: table,
      account: this.#account,
      fees: makerTakerFees(options.fees),
      ...(matching.slippage === undefined ? {} : { slippage: matching.slippage }),
      ...(volumeCap === undefined ? {} : { volumeCap }),
      ...(matching.latency === undefined ? {} : { latency: matching.latency }),
      ...(matching.intrabarPriority === undefined ? {} : { intrabarPriority: matching.intrabarPriority }),
      fillTiming: 'next-open',
      onEvent: (event) => {
        if (event.type === 'fill') this.#recordFill(event.fill);
      },
    });
    this.#cursor = new Int32Array(markets.length);
    this.#wallet = {
      account: this.#account,
      markets,
      orders: this.#registry.orders(),
      state: (record) => this.state(record),
      feeRate: Math.max(this.makerRate, this.takerRate),
    };
  }

  /** The market of a Binance symbol id (`BTCUSDT`), or undefined. */
  marketByVenueId(venueId: string): EmulatedMarket | undefined {
    return this.#byVenueId.get(venueId);
  }

  /** Calls `listener` after every sync that closed bars. Returns the unsubscribe function. */
  onBars(listener: BarListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Brings the exchange to `now`: feeds the engine every bar that closed at or before `now`, in
   * time order (ties in canonical market order), marking each market at its close, then tells
   * the listeners. Idempotent; time never goes back.
   */
  sync(now: number): void {
    if (now <= this.#syncedTo) return;
    this.#syncedTo = now;
    const ticks: BarTick[] = [];
    for (;;) {
      let t = Number.POSITIVE_INFINITY;
      for (const m of this.markets) {
        const i = this.#cursor[m.index] as number;
        if (i < m.columns.length) t = Math.min(t, (m.columns.openTime[i] as number) + m.columns.timeframeMs);
      }
      if (t > now) break;
      this.#processing = t;
      for (const m of this.markets) {
        const i = this.#cursor[m.index] as number;
        if (i >= m.columns.length || (m.columns.openTime[i] as number) + m.columns.timeframeMs !== t) continue;
        this.#loadQuote(m.columns, i);
        this.#engine.onBar(m.index, this.#quote);
        this.#account.mark(m.index, this.#quote.close);
        this.#cursor[m.index] = i + 1;
        ticks.push({ market: m, index: i });
      }
    }
    if (ticks.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(ticks, now);
      } catch (error) {
        this.#log.warn('a bar listener threw', { cause: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** Close time of the next bar to close in any market, or Infinity when the data has ended. */
  nextCloseTime(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const m of this.markets) {
      const i = this.#cursor[m.index] as number;
      if (i < m.columns.length) t = Math.min(t, (m.columns.openTime[i] as number) + m.columns.timeframeMs);
    }
    return t;
  }

  /** Number of bars of `market` that have closed (after the last sync). */
  closedBars(market: EmulatedMarket): number {
    return this.#cursor[market.index] as number;
  }

  /**
   * The latest price known at `now`: the open of the forming bar, else the last close; NaN
   * before the first bar opens.
   */
  lastPrice(market: EmulatedMarket, now: number): number {
    const c = market.columns;
    const visible = visibleBars(c, now);
    if (visible === 0) return Number.NaN;
    const i = visible - 1;
    return (c.openTime[i] as number) + c.timeframeMs <= now ? (c.close[i] as number) : (c.open[i] as number);
  }

  /** True while `market` trades: a bar has opened and its data has not ended. */
  isTrading(market: EmulatedMarket, now: number): boolean {
    const c = market.columns;
    return c.length > 0 && (c.openTime[0] as number) <= now && now < (c.openTime[c.length - 1] as number) + c.timeframeMs;
  }

  /**
   * Checks a new order as Binance would before booking it: the market trades, Binance's filters
   * (`PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`), a client order id that no open order has (or, with
   * `clientOrderIds: 'unique'`, that no order ever had), and enough free balance for what the order
   * may spend. Returns the quantity (a MARKET order by quote is turned
   * into a quantity at the latest price, rounded down to the step) and the price funds are held at.
   *
   * @throws BinanceError -1013 (`Market is closed.`, filter failures) or -2010 (duplicate, funds).
   */
  checkOrder(order: NewOrder, now: number): { quantity: number; holdPrice: number } {
    const { market } = order;
    const last = this.lastPrice(market, now);
    if (!this.isTrading(market, now) || Number.isNaN(last)) throw new BinanceError(400, -1013, 'Market is closed.');
    const { quantity, holdPrice } = filteredQuantity(market, order, last);
    if (this.#isDuplicate(order.clientOrderId)) throw orderRejected('Duplicate order sent.');
    checkFunds(this.#wallet, market, order.side, quantity, holdPrice);
    return { quantity, holdPrice };
  }

  /**
   * Checks a new order ({@link Exchange.checkOrder}) and books it in the engine.
   * @throws BinanceError as `checkOrder`, or -2010 when the engine refuses it.
   */
  placeOrder(order: NewOrder, now: number): OrderRecord {
    const { market, side, type } = order;
    const { quantity, holdPrice } = this.checkOrder(order, now);
    const ack = this.#engine.submit(
      {
        symbol: market.market.symbol,
        side,
        type: ENGINE_TYPE[type],
        amount: quantity,
        timeInForce: order.timeInForce,
        // Not the client order id: the engine keeps those unique forever, Binance only among open orders.
        ...(order.price === undefined ? {} : { price: order.price }),
        ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
      },
      now,
    );
    if (!ack.accepted || ack.orderId === undefined) throw orderRejected(ack.reason ?? 'Order rejected.');
    return this.#registry.addOrder({
      engineId: ack.orderId,
      market,
      type,
      clientOrderId: order.clientOrderId,
      time: now,
      holdPrice,
      quoteOrderQty: order.quantity === undefined ? (order.quoteOrderQty ?? 0) : 0,
      cumQuote: 0,
      canceledByUser: false,
    });
  }

  /**
   * The newest order of `market` with this Binance id or client order id, or undefined (a client
   * order id is used again once its order is final; numeric ids repeat after a restart with id reset).
   */
  findOrder(market: EmulatedMarket, ref: OrderRef): OrderRecord | undefined {
    return this.#registry.find(market, ref);
  }

  /**
   * The venue restarts as a restarted exchange process would: balances, orders and past trades are
   * kept; with `resetIds`, order and trade ids start again at 1.
   */
  restart(options: { readonly resetIds?: boolean } = {}): ExchangeRestart {
    if (options.resetIds === true) this.#registry.resetIds();
    return { nextOrderId: this.#registry.nextOrderId, nextTradeId: this.#registry.nextTradeId };
  }

  /** Like {@link Exchange.findOrder}. @throws BinanceError -2013 when there is no such order. */
  getOrder(market: EmulatedMarket, ref: OrderRef): OrderRecord {
    const record = this.findOrder(market, ref);
    if (record === undefined) throw orderDoesNotExist();
    return record;
  }

  /** Cancels an open order. @throws BinanceError -2011 when it is unknown or no longer open. */
  cancelOrder(market: EmulatedMarket, ref: OrderRef, now: number): OrderRecord {
    const record = this.findOrder(market, ref);
    if (record === undefined || isTerminal(this.state(record).status)) throw unknownOrderCancel();
    this.#engine.cancel({ symbol: market.market.symbol, orderId: record.engineId }, now);
    record.canceledByUser = true;
    return record;
  }

  /** The order as the engine knows it now. */
  state(record: OrderRecord): Order {
    return this.#engine.fetch({ symbol: record.market.market.symbol, orderId: record.engineId }) as Order;
  }

  /** Binance's status of an order. */
  status(record: OrderRecord): BinanceOrderStatus {
    return binanceStatus(this.state(record).status, record.canceledByUser);
  }

  /** Open orders (of one market or all), oldest first. */
  openOrders(market?: EmulatedMarket): OrderRecord[] {
    return this.#registry.orders().filter((r) => (market === undefined || r.market === market) && !isTerminal(this.state(r).status));
  }

  /** Every order of `market`, oldest first. */
  allOrders(market: EmulatedMarket): OrderRecord[] {
    return this.#registry.orders().filter((r) => r.market === market);
  }

  /** Every execution of `market`, oldest first. */
  trades(market: EmulatedMarket): TradeRecord[] {
    return this.#registry.trades().filter((t) => t.order.market === market);
  }

  /** The spot wallet: every asset of the account and of the markets, sorted by asset. */
  wallet(): WalletBalance[] {
    return walletOf(this.#wallet);
  }

  /** The wallet in `@bt/core`'s shape. */
  balances(): Balance[] {
    return this.wallet().map((w) => ({ currency: w.asset, free: w.free, used: w.locked, total: w.free + w.locked }));
  }

  /** Open positions, by market. */
  positions(): readonly Position[] {
    return this.#account.openPositions();
  }

  /** Every order the engine accepted, in canonical order, with its Binance client order id. */
  engineOrders(): readonly Order[] {
    return this.#engine.orders().map((o) => {
      const clientOrderId = this.#registry.byEngineId(o.id)?.clientOrderId;
      return clientOrderId === undefined ? o : { ...o, clientOrderId };
    });
  }

  /**
   * Every trade as the venue's REST reports it (`myTrades`), oldest first, in `@bt/core`'s shape:
   * Binance's trade id and order id (as strings, as ccxt gives them), the client order id, and the
   * execution time (the close of the bar it was matched in).
   */
  venueTrades(): readonly Fill[] {
    return this.#registry.trades().map(venueTradeOf);
  }

  /** Every fill, in execution order. */
  fills(): readonly Fill[] {
    return [...this.#fills];
  }

  /** True when the rule in force refuses `clientOrderId` for a new order. */
  #isDuplicate(clientOrderId: string): boolean {
    const newest = this.#registry.newestByClientId(clientOrderId);
    if (newest === undefined) return false;
    // Under `open-only` at most one order per id is open, and it is the newest one.
    return this.#clientOrderIds === 'unique' || !isTerminal(this.state(newest).status);
  }

  #recordFill(fill: Fill): void {
    const order = this.#registry.byEngineId(fill.orderId);
    this.#fills.push(order === undefined ? fill : { ...fill, clientOrderId: order.clientOrderId });
    if (order === undefined) return;
    order.cumQuote += fill.amount * fill.price;
    this.#registry.addTrade({
      order,
      side: fill.side,
      price: fill.price,
      qty: fill.amount,
      commission: fill.fee,
      commissionAsset: fill.feeCurrency,
      time: this.#processing,
      maker: fill.maker,
    });
  }

  #loadQuote(c: BarColumns, i: number): void {
    const q = this.#quote;
    q.openTime = c.openTime[i] as number;
    q.closeTime = q.openTime + c.timeframeMs;
    q.open = c.open[i] as number;
    q.high = c.high[i] as number;
    q.low = c.low[i] as number;
    q.close = c.close[i] as number;
    q.volume = c.volume[i] as number;
  }
}
