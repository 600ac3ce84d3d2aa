import {
  ArrayBarSeries,
  type Balance,
  type Broker,
  type BrokerCapabilities,
  BrokerEventHub,
  type BrokerListener,
  type Clock,
  type Fill,
  type Market,
  type Order,
  type OrderAck,
  type OrderRef,
  type OrderRequest,
  type Position,
  type Timeframe,
} from '@bt/core';

/** A venue method a test can make fail. */
export type VenueMethod = 'fetchOrder' | 'getOpenOrders' | 'fetchFills' | 'getBalances' | 'getPositions' | 'getMarkets' | 'getLatestPrice';

/** What an order placed at the venue by a test looks like. */
export interface Placed {
  readonly clientOrderId: string;
  readonly symbol?: string;
  readonly side?: 'buy' | 'sell';
  readonly amount: number;
  readonly status?: Order['status'];
  /** Executions of it: amounts, at `price`, at the venue's clock (or `at`). */
  readonly fills?: readonly number[];
  readonly price?: number;
  readonly at?: number;
  /** When it reaches the venue (a request still in flight): not visible before. */
  readonly arrivesAt?: number;
}

/**
 * A scripted venue for recovery tests: orders and fills a test places directly (as an earlier,
 * killed run of the bot left them), balances and positions it sets, and faults it arms per
 * method. It never takes a submission: recovery must not send orders, and any submission is kept
 * in `submissions` for the test to assert there are none.
 */
export class RecoveryVenue implements Broker {
  readonly id = 'recovery-venue';
  readonly capabilities: BrokerCapabilities;
  readonly submissions: OrderRequest[] = [];
  /** Every call, with the clock's time. */
  readonly calls: { readonly method: string; readonly at: number }[] = [];
  readonly fills: Fill[] = [];
  balances: Balance[] = [];
  positions: Position[] = [];
  markets: Market[] = [
    { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', active: true },
    { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', type: 'spot', active: true },
    { symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', type: 'swap', active: true },
  ];
  price = 100;
  /** Fill market submissions at once at `price` (a venue the bot trades on after recovery); otherwise reject them. */
  takesOrders = false;
  readonly fetchFills?: (symbol: string, since: number) => Promise<readonly Fill[]>;
  readonly #orders: { order: Order; arrivesAt: number }[] = [];
  readonly #faults = new Map<VenueMethod, Error[]>();
  readonly #clock: Clock;
  readonly #events = new BrokerEventHub();
  #nextOrder = 1;

  constructor(clock: Clock, options: { listsFills?: boolean; fetchByClientOrderId?: boolean } = {}) {
    this.#clock = clock;
    this.capabilities = {
      orderTypes: ['market', 'limit'],
      shorting: true,
      reduceOnly: true,
      ioc: false,
      fetchByClientOrderId: options.fetchByClientOrderId ?? true,
      streamingBars: false,
      replay: false,
    };
    if (options.listsFills !== false) {
      this.fetchFills = async (symbol, since) => {
        this.#enter('fetchFills');
        return this.fills.filter((f) => f.symbol === symbol && f.timestamp >= since && this.#visible(f.orderId));
      };
    }
  }

  /** Makes the next calls of `method` throw `errors`, one per call. */
  fail(method: VenueMethod, ...errors: Error[]): void {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), ...errors]);
  }

  /** Puts an order (and its fills) at the venue. */
  place(p: Placed): Order {
    const at = p.at ?? this.#clock.now();
    const id = `${this.#nextOrder++}`;
    const filled = (p.fills ?? []).reduce((a, b) => a + b, 0);
    const price = p.price ?? this.price;
    const order: Order = {
      id,
      clientOrderId: p.clientOrderId,
      symbol: p.symbol ?? 'BTC/USDT',
      side: p.side ?? 'buy',
      type: 'market',
      timeInForce: 'GTC',
      amount: p.amount,
      reduceOnly: false,
      status: p.status ?? (filled >= p.amount ? 'filled' : filled > 0 ? 'partially-filled' : 'open'),
      filled,
      remaining: p.amount - filled,
      ...(filled > 0 ? { averagePrice: price } : {}),
      createdAt: at,
      updatedAt: at,
    };
    this.#orders.push({ order, arrivesAt: p.arrivesAt ?? at });
    (p.fills ?? []).forEach((amount, i) => {
      // Trade ids restart at 1 per order: identity is (trade, order, client order).
      this.fills.push({
        id: `${i + 1}`,
        orderId: id,
        clientOrderId: p.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        amount,
        price,
        fee: 0,
        feeCurrency: 'USDT',
        maker: false,
        timestamp: at + i,
      });
    });
    return order;
  }

  #visible(orderId: string): boolean {
    const entry = this.#orders.find((o) => o.order.id === orderId);
    return entry === undefined || entry.arrivesAt <= this.#clock.now();
  }

  #enter(method: VenueMethod | 'submitOrder' | 'cancelOrder'): void {
    this.calls.push({ method, at: this.#clock.now() });
    const fault = method === 'submitOrder' || method === 'cancelOrder' ? undefined : this.#faults.get(method)?.shift();
    if (fault !== undefined) throw fault;
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async getMarkets(): Promise<readonly Market[]> {
    this.#enter('getMarkets');
    return this.markets;
  }
  async getBars(symbol: string, timeframe: Timeframe) {
    return new ArrayBarSeries(symbol, timeframe, []);
  }
  async getLatestPrice(): Promise<number> {
    this.#enter('getLatestPrice');
    return this.price;
  }
  async getBalances(): Promise<readonly Balance[]> {
    this.#enter('getBalances');
    return this.balances;
  }
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    this.#enter('getPositions');
    return this.positions.filter((p) => symbol === undefined || p.symbol === symbol);
  }
  async getOpenOrders(symbol?: string): Promise<readonly Order[]> {
    this.#enter('getOpenOrders');
    return this.#orders
      .filter((o) => o.arrivesAt <= this.#clock.now() && (symbol === undefined || o.order.symbol === symbol))
      .map((o) => o.order)
      .filter((o) => o.status === 'open' || o.status === 'partially-filled');
  }
  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    this.#enter('submitOrder');
    this.submissions.push(request);
    if (!this.takesOrders || request.type !== 'market') {
      return { accepted: false, status: 'rejected', reason: 'the recovery venue takes no orders' };
    }
    const clientOrderId = request.clientOrderId as string;
    const order = this.place({
      clientOrderId,
      symbol: request.symbol,
      side: request.side,
      amount: request.amount,
      fills: [request.amount],
    });
    const fill = this.fills.at(-1) as Fill;
    const sign = request.side === 'buy' ? 1 : -1;
    this.balances = this.balances.map((b) =>
      b.currency === 'BTC' ? { ...b, free: b.free + sign * request.amount, total: b.total + sign * request.amount } : b,
    );
    // The stream reports it after the answer.
    queueMicrotask(() => {
      this.#events.emit({ type: 'fill', fill });
      this.#events.emit({ type: 'order', order });
    });
    return { accepted: true, orderId: order.id, status: 'open', clientOrderId };
  }
  async cancelOrder(ref: OrderRef): Promise<Order> {
    this.#enter('cancelOrder');
    throw new Error(`cannot cancel ${JSON.stringify(ref)}`);
  }
  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    this.#enter('fetchOrder');
    if (!('clientOrderId' in ref)) return undefined;
    return this.#orders.find((o) => o.order.clientOrderId === ref.clientOrderId && o.arrivesAt <= this.#clock.now())?.order;
  }
  subscribe(listener: BrokerListener) {
    return this.#events.subscribe(listener);
  }
}
