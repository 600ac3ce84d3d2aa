import type { Balance, Fill, Logger, Order, OrderSide, OrderType, Position, TimeInForce } from '@bt/core';
import { BtError, isTerminal, silentLogger } from '@bt/core';
import type {
  BarColumns,
  BarQuote,
  FeeSchedule,
  IntrabarPriority,
  LatencyModel,
  MarketSpec,
  SlippageModel,
  VolumeCapModel,
} from '@bt/sim-broker';
import { Account, BarMatchingEngine, makerTakerFees } from '@bt/sim-broker';
import {
  BinanceError,
  filterFailure,
  INSUFFICIENT_BALANCE_MSG,
  orderDoesNotExist,
  orderRejected,
  unknownOrderCancel,
} from '../binance/errors.js';
import { visibleBars } from '../data/klines.js';
import type { EmulatedMarket } from './markets.js';
import { buildMarkets, floorStep, onStep } from './markets.js';

/** The spot order types the emulator accepts, by their Binance names. */
export type BinanceOrderType = 'MARKET' | 'LIMIT' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT';

/** Binance's order statuses that the emulator reports. */
export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

const ENGINE_TYPE: Readonly<Record<BinanceOrderType, OrderType>> = {
  MARKET: 'market',
  LIMIT: 'limit',
  STOP_LOSS: 'stop',
  STOP_LOSS_LIMIT: 'stop-limit',
};

/** Largest price and amount the filters allow. */
export const MAX_PRICE = 1_000_000_000;
export const MAX_QTY = 9_000_000_000;

/** Matching-engine settings passed through to `@bt/sim-broker`, so results compare with a backtest's. */
export interface MatchingSettings {
  readonly slippage?: SlippageModel;
  readonly volumeCap?: VolumeCapModel;
  readonly latency?: LatencyModel;
  readonly intrabarPriority?: IntrabarPriority;
}

/** What an {@link Exchange} is made of. */
export interface ExchangeOptions {
  readonly columns: readonly BarColumns[];
  readonly markets?: readonly MarketSpec[];
  /** Starting balances per asset; a pure base asset (not any market's quote) is held as a position. */
  readonly balances: Readonly<Record<string, number>>;
  readonly fees: FeeSchedule;
  readonly matching?: MatchingSettings;
  /** Simulated time at start: bars that closed by then are history. */
  readonly startTime: number;
  readonly logger?: Logger;
}

/** A validated new order, in the emulator's terms. */
export interface NewOrder {
  readonly market: EmulatedMarket;
  readonly side: OrderSide;
  readonly type: BinanceOrderType;
  readonly timeInForce: TimeInForce;
  /** Base quantity; for MARKET orders either this or `quoteOrderQty`. */
  readonly quantity?: number;
  /** Quote amount of a MARKET order, converted to a quantity at the latest price. */
  readonly quoteOrderQty?: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly clientOrderId: string;
}

/** An order the emulator accepted: its Binance identity next to the engine's. */
export interface OrderRecord {
  /** Binance's numeric id. */
  readonly orderId: number;
  /** The matching engine's id. */
  readonly engineId: string;
  readonly market: EmulatedMarket;
  readonly type: BinanceOrderType;
  readonly clientOrderId: string;
  /** When it was accepted (simulated ms). */
  readonly time: number;
  /** Price at which a buy's funds are held while it is open. */
  readonly holdPrice: number;
  /** Quote amount asked for (MARKET by quote), else 0. */
  readonly quoteOrderQty: number;
  /** Sum of price x quantity over its fills. */
  cumQuote: number;
  /** True when a cancel request ended it. */
  canceledByUser: boolean;
}

/** One execution, as `GET /api/v3/myTrades` reports it. */
export interface TradeRecord {
  readonly id: number;
  readonly order: OrderRecord;
  readonly side: OrderSide;
  readonly price: number;
  readonly qty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  /** When the emulator executed it: the close of the bar it was matched in. */
  readonly time: number;
  readonly maker: boolean;
}

/** One asset of the spot wallet. */
export interface WalletBalance {
  readonly asset: string;
  readonly free: number;
  readonly locked: number;
}

/** Bars that closed in one {@link Exchange.sync}, in the order they were fed to the engine. */
export interface BarTick {
  readonly market: EmulatedMarket;
  /** Index of the bar in the market's columns. */
  readonly index: number;
}

/** Called after a sync that closed bars. */
export type BarListener = (ticks: readonly BarTick[], now: number) => void;

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
  readonly #orders: OrderRecord[] = [];
  readonly #byOrderId = new Map<number, OrderRecord>();
  readonly #byEngineId = new Map<string, OrderRecord>();
  readonly #byClientId = new Map<string, OrderRecord>();
  readonly #trades: TradeRecord[] = [];
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
  #nextOrderId = 1;
  #nextTradeId = 1;

  /** @throws BtError `CONFIG` on bad markets, balances or fees. */
  constructor(options: ExchangeOptions) {
    const { table, markets } = buildMarkets(options.columns, options.markets);
    this.markets = markets;
    this.#byVenueId = new Map(markets.map((m) => [m.venueId, m]));
    this.#log = options.logger ?? silentLogger;
    this.makerRate = options.fees.maker ?? 0;
    this.takerRate = options.fees.taker ?? 0;
    const quotes = new Set(markets.map((m) => m.market.quote));
    const cash: Record<string, number> = {};
    const seeds: { market: EmulatedMarket; amount: number; price: number }[] = [];
    for (const [asset, amount] of Object.entries(options.balances)) {
      if (!(Number.isFinite(amount) && amount >= 0)) {
        throw new BtError('CONFIG', `balances.${asset}: expected a finite number >= 0, got ${amount}`, {
          details: { field: `balances.${asset}` },
        });
      }
      const market = quotes.has(asset) ? undefined : markets.find((m) => m.market.base === asset);
      if (market === undefined || amount === 0) {
        cash[asset] = (cash[asset] ?? 0) + amount;
        continue;
      }
      const price = seedPrice(market.columns, options.startTime);
      seeds.push({ market, amount, price });
      // The account buys the starting position with cash it is given for that purpose.
      cash[market.market.quote] = (cash[market.market.quote] ?? 0) + amount * price;
    }
    const currency = markets[0]?.market.quote ?? 'USDT';
    this.#account = new Account(table, { currency, balances: cash, allowShort: false });
    for (const seed of seeds) this.#account.apply(seed.market.index, 'buy', seed.amount, seed.price, 0, options.startTime);
    const matching = options.matching ?? {};
    this.#engine = new BarMatchingEngine({
      markets: table,
      account: this.#account,
      fees: makerTakerFees(options.fees),
      ...(matching.slippage === undefined ? {} : { slippage: matching.slippage }),
      ...(matching.volumeCap === undefined ? {} : { volumeCap: matching.volumeCap }),
      ...(matching.latency === undefined ? {} : { latency: matching.latency }),
      ...(matching.intrabarPriority === undefined ? {} : { intrabarPriority: matching.intrabarPriority }),
      fillTiming: 'next-open',
      onEvent: (event) => {
        if (event.type === 'fill') this.#recordFill(event.fill);
      },
    });
    this.#cursor = new Int32Array(markets.length);
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
   * (`PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`), a client order id not used before, and enough free
   * balance for what the order may spend. Returns the quantity (a MARKET order by quote is turned
   * into a quantity at the latest price, rounded down to the step) and the price funds are held at.
   *
   * @throws BinanceError -1013 (`Market is closed.`, filter failures) or -2010 (duplicate, funds).
   */
  checkOrder(order: NewOrder, now: number): { quantity: number; holdPrice: number } {
    const { market } = order;
    const last = this.lastPrice(market, now);
    if (!this.isTrading(market, now) || Number.isNaN(last)) throw new BinanceError(400, -1013, 'Market is closed.');
    let quantity = order.quantity;
    if (quantity === undefined && order.quoteOrderQty !== undefined) quantity = floorStep(order.quoteOrderQty / last, market.stepSize);
    if (quantity === undefined || !(quantity > 0)) throw filterFailure('LOT_SIZE');
    for (const price of [order.price, order.stopPrice]) {
      if (price !== undefined && !(price >= market.tickSize && price <= MAX_PRICE && onStep(price, market.tickSize))) {
        throw filterFailure('PRICE_FILTER');
      }
    }
    if (!(quantity >= market.minQty && quantity <= MAX_QTY && onStep(quantity, market.stepSize))) throw filterFailure('LOT_SIZE');
    const holdPrice = order.price ?? order.stopPrice ?? last;
    if (quantity * holdPrice < market.minNotional) throw filterFailure('NOTIONAL');
    if (this.#byClientId.has(order.clientOrderId)) throw orderRejected('Duplicate order sent.');
    this.#checkFunds(market, order.side, quantity, holdPrice);
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
        clientOrderId: order.clientOrderId,
        ...(order.price === undefined ? {} : { price: order.price }),
        ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
      },
      now,
    );
    if (!ack.accepted || ack.orderId === undefined) throw orderRejected(ack.reason ?? 'Order rejected.');
    const record: OrderRecord = {
      orderId: this.#nextOrderId++,
      engineId: ack.orderId,
      market,
      type,
      clientOrderId: order.clientOrderId,
      time: now,
      holdPrice,
      quoteOrderQty: order.quantity === undefined ? (order.quoteOrderQty ?? 0) : 0,
      cumQuote: 0,
      canceledByUser: false,
    };
    this.#orders.push(record);
    this.#byOrderId.set(record.orderId, record);
    this.#byEngineId.set(record.engineId, record);
    this.#byClientId.set(record.clientOrderId, record);
    return record;
  }

  /** An order of `market` by Binance id or client order id, or undefined. */
  findOrder(market: EmulatedMarket, ref: { orderId?: number; clientOrderId?: string }): OrderRecord | undefined {
    const record = ref.orderId !== undefined ? this.#byOrderId.get(ref.orderId) : this.#byClientId.get(ref.clientOrderId ?? '');
    return record !== undefined && record.market === market ? record : undefined;
  }

  /** Like {@link Exchange.findOrder}. @throws BinanceError -2013 when there is no such order. */
  getOrder(market: EmulatedMarket, ref: { orderId?: number; clientOrderId?: string }): OrderRecord {
    const record = this.findOrder(market, ref);
    if (record === undefined) throw orderDoesNotExist();
    return record;
  }

  /** Cancels an open order. @throws BinanceError -2011 when it is unknown or no longer open. */
  cancelOrder(market: EmulatedMarket, ref: { orderId?: number; clientOrderId?: string }, now: number): OrderRecord {
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
    const state = this.state(record);
    switch (state.status) {
      case 'open':
        return 'NEW';
      case 'partially-filled':
        return 'PARTIALLY_FILLED';
      case 'filled':
        return 'FILLED';
      case 'canceled':
        return record.canceledByUser ? 'CANCELED' : 'EXPIRED';
      case 'rejected':
        return 'REJECTED';
    }
  }

  /** Open orders (of one market or all), oldest first. */
  openOrders(market?: EmulatedMarket): OrderRecord[] {
    return this.#orders.filter((r) => (market === undefined || r.market === market) && !isTerminal(this.state(r).status));
  }

  /** Every order of `market`, oldest first. */
  allOrders(market: EmulatedMarket): OrderRecord[] {
    return this.#orders.filter((r) => r.market === market);
  }

  /** Every execution of `market`, oldest first. */
  trades(market: EmulatedMarket): TradeRecord[] {
    return this.#trades.filter((t) => t.order.market === market);
  }

  /** The spot wallet: every asset of the account and of the markets, sorted by asset. */
  wallet(): WalletBalance[] {
    const total = new Map<string, number>();
    const locked = new Map<string, number>();
    const add = (map: Map<string, number>, asset: string, amount: number): void => {
      map.set(asset, (map.get(asset) ?? 0) + amount);
    };
    for (const b of this.#account.balances()) {
      add(total, b.currency, b.total);
      add(locked, b.currency, b.used);
    }
    for (const m of this.markets) {
      add(total, m.market.base, Math.max(0, this.#account.signedSize(m.index)));
      add(locked, m.market.base, 0);
    }
    for (const [asset, amount] of this.#holds().byAsset) add(locked, asset, amount);
    return [...total.keys()].sort().map((asset) => {
      const held = locked.get(asset) ?? 0;
      return { asset, free: (total.get(asset) ?? 0) - held, locked: held };
    });
  }

  /** The wallet in `@bt/core`'s shape. */
  balances(): Balance[] {
    return this.wallet().map((w) => ({ currency: w.asset, free: w.free, used: w.locked, total: w.free + w.locked }));
  }

  /** Open positions, by market. */
  positions(): readonly Position[] {
    return this.#account.openPositions();
  }

  /** Every order the engine accepted, in canonical order. */
  engineOrders(): readonly Order[] {
    return this.#engine.orders();
  }

  /** Every fill, in execution order. */
  fills(): readonly Fill[] {
    return [...this.#fills];
  }

  /** @throws BinanceError -2010 with Binance's insufficient-balance message. */
  #checkFunds(market: EmulatedMarket, side: OrderSide, quantity: number, holdPrice: number): void {
    const holds = this.#holds();
    if (side === 'buy') {
      const quote = market.market.quote;
      const free = this.wallet().find((w) => w.asset === quote)?.free ?? 0;
      const need = quantity * holdPrice * (1 + Math.max(this.makerRate, this.takerRate));
      if (need > free + 1e-9 * Math.max(1, free)) throw orderRejected(INSUFFICIENT_BALANCE_MSG);
    } else {
      // The engine's account sells only the position of the same market.
      const free = Math.max(0, this.#account.signedSize(market.index)) - (holds.sellByMarket[market.index] ?? 0);
      if (quantity > free + 1e-9 * Math.max(1, free)) throw orderRejected(INSUFFICIENT_BALANCE_MSG);
    }
  }

  /** What open orders hold: per asset, and the base amount of open sells per market. */
  #holds(): { byAsset: Map<string, number>; sellByMarket: number[] } {
    const byAsset = new Map<string, number>();
    const sellByMarket = this.markets.map(() => 0);
    const feeRate = Math.max(this.makerRate, this.takerRate);
    for (const record of this.#orders) {
      const state = this.state(record);
      if (isTerminal(state.status)) continue;
      const m = record.market;
      if (state.side === 'buy') {
        const asset = m.market.quote;
        byAsset.set(asset, (byAsset.get(asset) ?? 0) + state.remaining * record.holdPrice * (1 + feeRate));
      } else {
        const asset = m.market.base;
        byAsset.set(asset, (byAsset.get(asset) ?? 0) + state.remaining);
        sellByMarket[m.index] = (sellByMarket[m.index] ?? 0) + state.remaining;
      }
    }
    return { byAsset, sellByMarket };
  }

  #recordFill(fill: Fill): void {
    this.#fills.push(fill);
    const order = this.#byEngineId.get(fill.orderId);
    if (order === undefined) return;
    order.cumQuote += fill.amount * fill.price;
    this.#trades.push({
      id: this.#nextTradeId++,
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

/** The price a starting base balance is valued at: the last close at `startTime`, else the first open. */
function seedPrice(columns: BarColumns, startTime: number): number {
  let i = 0;
  while (i < columns.length && (columns.openTime[i] as number) + columns.timeframeMs <= startTime) i++;
  return i > 0 ? (columns.close[i - 1] as number) : (columns.open[0] as number);
}
