import {
  ArrayBarSeries,
  type Broker,
  type BrokerCapabilities,
  type BrokerEvent,
  BrokerEventHub,
  type BrokerListener,
  type Clock,
  type Fill,
  type Order,
  type OrderAck,
  type OrderRef,
  type OrderRequest,
  type Position,
  type Timeframe,
} from '@bt/core';

/** What the venue does with a submission: fill it at once (default), rest it, answer with an ack, or throw. */
export type Answer = 'fill' | 'rest' | OrderAck | Error;

/**
 * A scripted live venue for controller tests: one price, positions from its own fills, market
 * orders filled at once, orders kept by client order id for `fetchOrder`. A fill's events (fill,
 * then order) are emitted at the controller's next read of the venue (a tick or a monitor pass),
 * so after it saw the ack; with `fillBeforeAck`, before `submitOrder` answers. `beforeAnswer` runs inside `submitOrder` before it
 * answers: where a test checks what is on disk at that moment.
 */
export class TestVenue implements Broker {
  readonly id = 'test-venue';
  readonly capabilities: BrokerCapabilities = {
    orderTypes: ['market', 'limit'],
    shorting: true,
    reduceOnly: true,
    ioc: false,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: false,
  };
  price = 100;
  /** Emit a filled order's fill before answering the submission (a stream faster than the answer). */
  fillBeforeAck = false;
  beforeAnswer: (request: OrderRequest) => void = () => undefined;
  answer: (request: OrderRequest, n: number) => Answer = () => 'fill';
  readonly submissions: OrderRequest[] = [];
  readonly fills: Fill[] = [];
  readonly #orders = new Map<string, Order>();
  readonly #net = new Map<string, number>();
  readonly #events = new BrokerEventHub();
  readonly #clock: Clock;
  /** Events to emit at the next read. */
  #later: BrokerEvent[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async getMarkets() {
    return [];
  }
  async getBars(symbol: string, timeframe: Timeframe) {
    this.#flush();
    return new ArrayBarSeries(symbol, timeframe, []);
  }
  async getLatestPrice(): Promise<number> {
    return this.price;
  }
  async getBalances() {
    return [];
  }
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    this.#flush();
    const positions: Position[] = [];
    for (const [s, net] of this.#net) {
      if ((symbol !== undefined && s !== symbol) || Math.abs(net) < 1e-12) continue;
      positions.push({
        symbol: s,
        side: net > 0 ? 'long' : 'short',
        size: Math.abs(net),
        entryPrice: 0,
        realizedPnl: 0,
        unrealizedPnl: 0,
        markPrice: this.price,
      });
    }
    return positions;
  }
  async getOpenOrders() {
    return [];
  }

  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    this.submissions.push(request);
    this.beforeAnswer(request);
    const answer = this.answer(request, this.submissions.length);
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'object') return answer;
    const id = `V${this.submissions.length}`;
    const order = this.#order(request, id);
    this.#orders.set(order.clientOrderId as string, order);
    if (answer === 'fill') {
      const events = this.#fill(order);
      if (this.fillBeforeAck) this.#emit(events);
      else this.#later.push(...events);
    }
    return { accepted: true, orderId: id, status: 'open', clientOrderId: request.clientOrderId };
  }

  async cancelOrder(ref: OrderRef): Promise<Order> {
    throw new Error(`cannot cancel ${JSON.stringify(ref)}`);
  }

  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    return 'clientOrderId' in ref ? this.#orders.get(ref.clientOrderId) : undefined;
  }

  subscribe(listener: BrokerListener) {
    return this.#events.subscribe(listener);
  }

  /** Emits a fill event (e.g. one already emitted: a poll reporting what the stream did). */
  emitFill(fill: Fill): void {
    this.#events.emit({ type: 'fill', fill });
  }

  #order(request: OrderRequest, id: string): Order {
    const now = this.#clock.now();
    return {
      id,
      clientOrderId: request.clientOrderId as string,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      timeInForce: 'GTC',
      amount: request.amount,
      reduceOnly: request.reduceOnly === true,
      status: 'open',
      filled: 0,
      remaining: request.amount,
      createdAt: now,
      updatedAt: now,
    };
  }

  #flush(): void {
    const events = this.#later;
    this.#later = [];
    this.#emit(events);
  }

  #emit(events: readonly BrokerEvent[]): void {
    for (const event of events) this.#events.emit(event);
  }

  /** Fills `order` at the price; returns its events. */
  #fill(order: Order): BrokerEvent[] {
    const filled: Order = { ...order, status: 'filled', filled: order.amount, remaining: 0, averagePrice: this.price };
    this.#orders.set(order.clientOrderId as string, filled);
    const sign = order.side === 'buy' ? 1 : -1;
    this.#net.set(order.symbol, (this.#net.get(order.symbol) ?? 0) + sign * order.amount);
    // Trade ids restart at 1 per order, as on a venue whose ids are per order: identity is (trade, order, client order).
    const fill: Fill = {
      id: '1',
      orderId: order.id,
      clientOrderId: order.clientOrderId as string,
      symbol: order.symbol,
      side: order.side,
      amount: order.amount,
      price: this.price,
      fee: 0.01,
      feeCurrency: 'USD',
      maker: false,
      timestamp: this.#clock.now(),
    };
    this.fills.push(fill);
    return [
      { type: 'fill', fill },
      { type: 'order', order: filled },
    ];
  }
}
