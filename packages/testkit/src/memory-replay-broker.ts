import type {
  Balance,
  Bar,
  BarSeries,
  BrokerCapabilities,
  BrokerEvent,
  BrokerListener,
  Fill,
  Market,
  Order,
  OrderAck,
  OrderRef,
  OrderRequest,
  Position,
  ReplayBroker,
  Timeframe,
  Unsubscribe,
} from '@bt/core';
import { ArrayBarSeries, BtError, flatPosition } from '@bt/core';
import type { ConformanceCapabilities } from './conformance/types.js';

/** Options of {@link MemoryReplayBroker}. */
export interface MemoryReplayBrokerOptions {
  /** Bars per symbol, ascending by close time. */
  readonly bars: Readonly<Record<string, readonly Bar[]>>;
  /** Starting cash. Default 1,000,000. */
  readonly cash?: number;
}

/** What a {@link MemoryReplayBroker} run produced. */
export interface MemoryReplayResults {
  readonly fills: readonly Fill[];
  readonly orders: readonly Order[];
  /** Cash plus positions at each step's closes, one sample per step. */
  readonly equity: readonly number[];
  readonly positions: readonly Position[];
  readonly cash: number;
  readonly steps: number;
}

interface SymbolState {
  readonly bars: readonly Bar[];
  /** Index of the next bar to become visible. */
  next: number;
  stepSeen: number;
  /** Global step at which this symbol last ticked. */
  tickedAt: number;
  position: number;
  entryPrice: number;
  realized: number;
  openedAt: number | undefined;
  seq: number;
}

/**
 * A small, obviously correct ReplayBroker over in-memory bars, for tests of controllers and
 * strategies. Market orders only: an order fills at the open of its symbol's next bar. Time moves
 * in global steps over the union of bar close times; the first `advanceTime` call of a step
 * advances the clock and matches every ticking symbol's orders in (symbol, sequence) order.
 */
export class MemoryReplayBroker implements ReplayBroker<MemoryReplayResults> {
  readonly id = 'memory-replay';
  /** Core's capabilities, plus what the conformance suite checks beyond them: no funds check, no client-id dedup. */
  readonly capabilities: BrokerCapabilities & ConformanceCapabilities = {
    orderTypes: ['market'],
    shorting: true,
    reduceOnly: false,
    ioc: false,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: true,
    fundsCheck: false,
    uniqueClientOrderIds: false,
  };
  readonly #symbols: Map<string, SymbolState>;
  readonly #sortedSymbols: string[];
  readonly #timeline: number[];
  readonly #listeners = new Set<BrokerListener>();
  readonly #orders = new Map<string, Order>();
  readonly #pending: Order[] = [];
  readonly #fills: Fill[] = [];
  readonly #equity: number[] = [];
  #cash: number;
  #step = 0;
  #now: number;
  #connected = false;

  constructor(options: MemoryReplayBrokerOptions) {
    this.#cash = options.cash ?? 1_000_000;
    this.#symbols = new Map(
      Object.entries(options.bars).map(([symbol, bars]) => [
        symbol,
        { bars, next: 0, stepSeen: 0, tickedAt: -1, position: 0, entryPrice: 0, realized: 0, openedAt: undefined, seq: 0 },
      ]),
    );
    this.#sortedSymbols = [...this.#symbols.keys()].sort();
    const times = new Set<number>();
    for (const bars of Object.values(options.bars)) for (const bar of bars) times.add(bar.closeTime);
    this.#timeline = [...times].sort((a, b) => a - b);
    this.#now = (this.#timeline[0] ?? 0) - 1;
  }

  /** Number of global steps taken. */
  get steps(): number {
    return this.#step;
  }

  async connect(): Promise<void> {
    this.#connected = true;
  }

  async close(): Promise<void> {
    this.#connected = false;
  }

  /** True between connect and close. */
  get connected(): boolean {
    return this.#connected;
  }

  async getMarkets(): Promise<readonly Market[]> {
    return this.#sortedSymbols.map((symbol) => ({ symbol, base: symbol, quote: 'USD', type: 'spot', active: true }));
  }

  async getBars(symbol: string, timeframe: Timeframe, limit: number): Promise<BarSeries> {
    const state = this.#state(symbol);
    return new ArrayBarSeries(symbol, timeframe, state.bars.slice(Math.max(0, state.next - limit), state.next));
  }

  async getLatestPrice(symbol: string): Promise<number> {
    const state = this.#state(symbol);
    return state.bars[state.next - 1]?.close ?? Number.NaN;
  }

  async getBalances(): Promise<readonly Balance[]> {
    return [{ currency: 'USD', free: this.#cash, used: 0, total: this.#cash }];
  }

  async getPositions(symbol?: string): Promise<readonly Position[]> {
    const symbols = symbol === undefined ? this.#sortedSymbols : [symbol];
    return symbols.map((s) => this.#position(s)).filter((p) => p.side !== 'flat');
  }

  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    return this.#pending.filter((o) => symbol === undefined || o.symbol === symbol);
  }

  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const state = this.#state(request.symbol);
    if (request.type !== 'market') {
      return { accepted: false, status: 'rejected', reason: `order type ${request.type} is not supported by ${this.id}` };
    }
    if (!(request.amount > 0) || !Number.isFinite(request.amount)) {
      return { accepted: false, status: 'rejected', reason: `amount must be a positive number, got ${request.amount}` };
    }
    state.seq++;
    const order: Order = {
      id: `${request.symbol}:${state.seq}`,
      ...(request.clientOrderId === undefined ? {} : { clientOrderId: request.clientOrderId }),
      ...(request.tag === undefined ? {} : { tag: request.tag }),
      symbol: request.symbol,
      side: request.side,
      type: 'market',
      timeInForce: 'GTC',
      amount: request.amount,
      reduceOnly: request.reduceOnly ?? false,
      status: 'open',
      filled: 0,
      remaining: request.amount,
      createdAt: this.#now,
      updatedAt: this.#now,
    };
    this.#orders.set(order.id, order);
    this.#pending.push(order);
    return { accepted: true, orderId: order.id, ...(order.clientOrderId ? { clientOrderId: order.clientOrderId } : {}), status: 'open' };
  }

  async cancelOrder(ref: OrderRef): Promise<Order> {
    const order = await this.fetchOrder(ref);
    if (order === undefined) throw new BtError('ORDER_NOT_FOUND', `no order ${JSON.stringify(ref)}`);
    const index = this.#pending.findIndex((o) => o.id === order.id);
    if (index < 0) return order;
    this.#pending.splice(index, 1);
    const canceled: Order = { ...order, status: 'canceled', updatedAt: this.#now };
    this.#orders.set(order.id, canceled);
    this.#emit({ type: 'order', order: canceled });
    return canceled;
  }

  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    if ('orderId' in ref) return this.#orders.get(ref.orderId);
    for (const order of this.#orders.values()) if (order.clientOrderId === ref.clientOrderId) return order;
    return undefined;
  }

  subscribe(listener: BrokerListener): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  currentTime(): number {
    return this.#now;
  }

  async advanceTime(symbol: string): Promise<boolean> {
    const state = this.#state(symbol);
    if (state.stepSeen === this.#step) this.#advanceGlobal();
    state.stepSeen = this.#step;
    return state.next < state.bars.length || state.tickedAt === this.#step;
  }

  async getResults(): Promise<MemoryReplayResults> {
    return {
      fills: [...this.#fills],
      orders: [...this.#orders.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : seqOf(a) - seqOf(b))),
      equity: [...this.#equity],
      positions: this.#sortedSymbols.map((s) => this.#position(s)),
      cash: this.#cash,
      steps: this.#step,
    };
  }

  #advanceGlobal(): void {
    const time = this.#timeline[this.#step];
    this.#step++;
    if (time === undefined) return;
    this.#now = time;
    const ticking: string[] = [];
    for (const symbol of this.#sortedSymbols) {
      const state = this.#symbols.get(symbol) as SymbolState;
      if (state.bars[state.next]?.closeTime === time) {
        state.next++;
        state.tickedAt = this.#step;
        ticking.push(symbol);
      }
    }
    const tickingSet = new Set(ticking);
    const due = this.#pending.filter((o) => tickingSet.has(o.symbol));
    due.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : seqOf(a) - seqOf(b)));
    for (const order of due) this.#fill(order);
    let equity = this.#cash;
    for (const state of this.#symbols.values()) equity += state.position * (state.bars[state.next - 1]?.close ?? 0);
    this.#equity.push(equity);
  }

  #fill(order: Order): void {
    const state = this.#symbols.get(order.symbol) as SymbolState;
    const bar = state.bars[state.next - 1] as Bar;
    const price = bar.open;
    const signed = order.side === 'buy' ? order.amount : -order.amount;
    const before = state.position;
    const after = before + signed;
    if (before !== 0 && Math.sign(signed) !== Math.sign(before)) {
      const closed = Math.min(Math.abs(signed), Math.abs(before));
      state.realized += closed * (price - state.entryPrice) * Math.sign(before);
    }
    if (after === 0) {
      state.entryPrice = 0;
      state.openedAt = undefined;
    } else if (before === 0 || Math.sign(after) !== Math.sign(before)) {
      state.entryPrice = price;
      state.openedAt = bar.openTime;
    } else if (Math.abs(after) > Math.abs(before)) {
      state.entryPrice = (state.entryPrice * Math.abs(before) + price * Math.abs(signed)) / Math.abs(after);
    }
    state.position = after;
    this.#cash -= signed * price;
    this.#pending.splice(this.#pending.indexOf(order), 1);
    const filled: Order = { ...order, status: 'filled', filled: order.amount, remaining: 0, averagePrice: price, updatedAt: this.#now };
    this.#orders.set(order.id, filled);
    const fill: Fill = {
      id: `${order.id}:1`,
      orderId: order.id,
      ...(order.clientOrderId === undefined ? {} : { clientOrderId: order.clientOrderId }),
      ...(order.tag === undefined ? {} : { tag: order.tag }),
      symbol: order.symbol,
      side: order.side,
      amount: order.amount,
      price,
      fee: 0,
      feeCurrency: 'USD',
      maker: false,
      timestamp: bar.openTime,
    };
    this.#fills.push(fill);
    this.#emit({ type: 'fill', fill });
    this.#emit({ type: 'order', order: filled });
  }

  #position(symbol: string): Position {
    const state = this.#state(symbol);
    if (state.position === 0) return { ...flatPosition(symbol), realizedPnl: state.realized };
    const mark = state.bars[state.next - 1]?.close ?? state.entryPrice;
    return {
      symbol,
      side: state.position > 0 ? 'long' : 'short',
      size: Math.abs(state.position),
      entryPrice: state.entryPrice,
      realizedPnl: state.realized,
      unrealizedPnl: (mark - state.entryPrice) * state.position,
      markPrice: mark,
      ...(state.openedAt === undefined ? {} : { openedAt: state.openedAt }),
    };
  }

  #state(symbol: string): SymbolState {
    const state = this.#symbols.get(symbol);
    if (state === undefined) throw new BtError('INVALID_ORDER', `unknown symbol "${symbol}"`);
    return state;
  }

  #emit(event: BrokerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not break matching.
      }
    }
  }
}

function seqOf(order: Order): number {
  return Number(order.id.slice(order.id.lastIndexOf(':') + 1));
}

/** Makes `count` one-minute bars for `symbol` starting at `startMs` with a deterministic price path. */
export function makeBars(
  symbol: string,
  startMs: number,
  count: number,
  options: { timeframe?: Timeframe; price?: (i: number) => number } = {},
): Bar[] {
  const timeframe = options.timeframe ?? '1m';
  const step = 60_000;
  const price = options.price ?? ((i: number) => 100 + 10 * Math.sin(i / 7) + i * 0.01);
  const bars: Bar[] = [];
  for (let i = 0; i < count; i++) {
    const open = price(i);
    const close = price(i + 0.5);
    bars.push({
      symbol,
      timeframe,
      openTime: startMs + i * step,
      closeTime: startMs + (i + 1) * step,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume: 10,
    });
  }
  return bars;
}
