import type { Broker, BrokerCapabilities, BrokerListener, OrderRef } from '../../src/broker.js';
import { BrokerEventHub } from '../../src/broker-events.js';
import type { Clock } from '../../src/clock.js';
import { ArrayBarSeries } from '../../src/market.js';
import type { Fill, Order, OrderAck, OrderRequest, Position } from '../../src/orders.js';
import type { Timeframe } from '../../src/timeframe.js';

/**
 * How the venue answers submission `n` (from 1): `fill` (accept and fill at the price, the
 * default), `rest-then-throw` (place it, resting unfilled, then throw a timeout: the outcome looks
 * unknown but the order is there), an ack, or an error to throw.
 */
export type Answer = 'fill' | 'rest-then-throw' | OrderAck | Error;

/**
 * A scripted live venue for controller tests: one price per symbol, positions from its own fills,
 * market orders filled at once (their fill and order events emitted after the ack), orders kept
 * by client order id for `fetchOrder`.
 */
export class LiveVenue implements Broker {
  readonly id = 'venue';
  capabilities: BrokerCapabilities = {
    orderTypes: ['market', 'limit'],
    shorting: true,
    reduceOnly: true,
    ioc: false,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: false,
  };
  price = 100;
  readonly submissions: { readonly at: number; readonly request: OrderRequest }[] = [];
  readonly lookups: { readonly at: number; readonly clientOrderId: string }[] = [];
  readonly #orders = new Map<string, Order>();
  readonly #net = new Map<string, number>();
  readonly #events = new BrokerEventHub();
  readonly #clock: Clock;
  #answer: (request: OrderRequest, n: number) => Answer;

  constructor(clock: Clock, answer: (request: OrderRequest, n: number) => Answer = () => 'fill') {
    this.#clock = clock;
    this.#answer = answer;
  }

  /** Replaces the script of submissions. */
  answerWith(answer: (request: OrderRequest, n: number) => Answer): void {
    this.#answer = answer;
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async getMarkets() {
    return [];
  }
  async getBars(symbol: string, timeframe: Timeframe) {
    return new ArrayBarSeries(symbol, timeframe, []);
  }
  async getLatestPrice(): Promise<number> {
    return this.price;
  }
  async getBalances() {
    return [];
  }
  async getPositions(symbol?: string): Promise<readonly Position[]> {
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
    this.submissions.push({ at: this.#clock.now(), request });
    const answer = this.#answer(request, this.submissions.length);
    if (answer instanceof Error) throw answer;
    if (answer !== 'fill' && answer !== 'rest-then-throw') return answer;
    const id = `V${this.submissions.length}`;
    if (answer === 'rest-then-throw') {
      this.#orders.set(request.clientOrderId as string, {
        ...this.#order(request, id),
        status: 'open',
        filled: 0,
        remaining: request.amount,
      });
      throw Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' });
    }
    this.#place(request, id);
    return { accepted: true, orderId: id, status: 'open', clientOrderId: request.clientOrderId };
  }

  async cancelOrder(ref: OrderRef): Promise<Order> {
    throw new Error(`cannot cancel ${JSON.stringify(ref)}`);
  }

  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    const clientOrderId = 'clientOrderId' in ref ? ref.clientOrderId : ref.orderId;
    this.lookups.push({ at: this.#clock.now(), clientOrderId });
    return this.#orders.get(clientOrderId);
  }

  subscribe(listener: BrokerListener) {
    return this.#events.subscribe(listener);
  }

  /** Emits a fill event as the venue would (e.g. the same fill again, as a poll after the stream). */
  emitFill(fill: Fill): void {
    this.#events.emit({ type: 'fill', fill });
  }

  /** The fills this venue emitted, in order. */
  readonly fills: Fill[] = [];

  /** Fills an order resting at the venue (placed by `rest-then-throw`). */
  fillResting(clientOrderId: string): void {
    const order = this.#orders.get(clientOrderId);
    if (order === undefined || order.status !== 'open') throw new Error(`no resting order ${clientOrderId}`);
    this.#place(order, order.id);
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
      status: 'filled',
      filled: request.amount,
      remaining: 0,
      averagePrice: this.price,
      createdAt: now,
      updatedAt: now,
    };
  }

  #place(request: OrderRequest, id: string): void {
    const now = this.#clock.now();
    const clientOrderId = request.clientOrderId as string;
    const order = this.#order(request, id);
    this.#orders.set(clientOrderId, order);
    const sign = request.side === 'buy' ? 1 : -1;
    this.#net.set(request.symbol, (this.#net.get(request.symbol) ?? 0) + sign * request.amount);
    const fill: Fill = {
      id: `T${this.fills.length + 1}`,
      orderId: id,
      clientOrderId,
      symbol: request.symbol,
      side: request.side,
      amount: request.amount,
      price: this.price,
      fee: 0,
      feeCurrency: 'USD',
      maker: false,
      timestamp: now,
    };
    this.fills.push(fill);
    // Events follow the ack, as a stream reports them.
    queueMicrotask(() => {
      this.#events.emit({ type: 'fill', fill });
      this.#events.emit({ type: 'order', order });
    });
  }
}
