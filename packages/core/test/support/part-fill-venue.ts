import type { Broker, BrokerCapabilities, BrokerListener, OrderRef } from '../../src/broker.js';
import { BrokerEventHub } from '../../src/broker-events.js';
import type { Clock } from '../../src/clock.js';
import { ArrayBarSeries } from '../../src/market.js';
import type { Fill, Order, OrderAck, OrderRequest, Position } from '../../src/orders.js';
import type { Timeframe } from '../../src/timeframe.js';

/**
 * A live venue whose orders fill only when the test says so, in parts ({@link PartFillVenue.fill}):
 * orders in flight stay in flight as long as a test needs. Positions are the net of its fills
 * (what a runner's journal-backed broker reports); `rejectWith` answers matching orders rejected.
 */
export class PartFillVenue implements Broker {
  readonly id = 'part-fill';
  readonly capabilities: BrokerCapabilities;
  price = 100;
  readonly submissions: { readonly at: number; readonly request: OrderRequest }[] = [];
  /** Answers an order rejected with this reason, or accepts it (undefined). */
  rejectWith: (request: OrderRequest) => string | undefined = () => undefined;
  readonly #orders = new Map<string, Order>();
  readonly #net = new Map<string, number>();
  readonly #events = new BrokerEventHub();
  readonly #clock: Clock;
  #trades = 0;

  constructor(clock: Clock, options: { readonly shorting: boolean }) {
    this.#clock = clock;
    this.capabilities = {
      orderTypes: ['market'],
      shorting: options.shorting,
      reduceOnly: true,
      ioc: false,
      fetchByClientOrderId: true,
      streamingBars: false,
      replay: false,
    };
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
      const side = net > 0 ? 'long' : 'short';
      positions.push({ symbol: s, side, size: Math.abs(net), entryPrice: 0, realizedPnl: 0, unrealizedPnl: 0, markPrice: this.price });
    }
    return positions;
  }
  async getOpenOrders() {
    return [...this.#orders.values()].filter((o) => o.status === 'open' || o.status === 'partially-filled');
  }

  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    const now = this.#clock.now();
    this.submissions.push({ at: now, request });
    const clientOrderId = request.clientOrderId as string;
    const rejection = this.rejectWith(request);
    if (rejection !== undefined) return { accepted: false, status: 'rejected', reason: rejection, clientOrderId };
    const id = `V${this.submissions.length}`;
    this.#orders.set(clientOrderId, {
      id,
      clientOrderId,
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
    });
    return { accepted: true, orderId: id, status: 'open', clientOrderId };
  }

  async cancelOrder(ref: OrderRef): Promise<Order> {
    throw new Error(`cannot cancel ${JSON.stringify(ref)}`);
  }

  async fetchOrder(ref: OrderRef): Promise<Order | undefined> {
    return this.#orders.get('clientOrderId' in ref ? ref.clientOrderId : ref.orderId);
  }

  subscribe(listener: BrokerListener) {
    return this.#events.subscribe(listener);
  }

  /** The orders sent on `side`, with their amounts, in order. */
  sent(side: 'buy' | 'sell'): number[] {
    return this.submissions.filter((s) => s.request.side === side).map((s) => s.request.amount);
  }

  /** The latest order sent, or throws. */
  last(): OrderRequest {
    const last = this.submissions.at(-1);
    if (last === undefined) throw new Error('nothing sent');
    return last.request;
  }

  /** Fills `amount` of the resting order `clientOrderId` (all that is left by default), then reports the fill and the order. */
  fill(clientOrderId: string | undefined, amount?: number): void {
    const order = this.#orders.get(clientOrderId ?? '');
    if (order === undefined || (order.status !== 'open' && order.status !== 'partially-filled'))
      throw new Error(`no resting order ${clientOrderId}`);
    const part = Math.min(amount ?? order.remaining, order.remaining);
    const filled = order.filled + part;
    const done = filled >= order.amount - 1e-12;
    const now = this.#clock.now();
    const updated: Order = {
      ...order,
      filled,
      remaining: order.amount - filled,
      status: done ? 'filled' : 'partially-filled',
      updatedAt: now,
    };
    this.#orders.set(order.clientOrderId as string, updated);
    const sign = order.side === 'buy' ? 1 : -1;
    this.#net.set(order.symbol, (this.#net.get(order.symbol) ?? 0) + sign * part);
    this.#trades++;
    const fill: Fill = {
      id: `T${this.#trades}`,
      orderId: order.id,
      clientOrderId: order.clientOrderId as string,
      symbol: order.symbol,
      side: order.side,
      amount: part,
      price: this.price,
      fee: 0,
      feeCurrency: 'USD',
      maker: false,
      timestamp: now,
    };
    this.#events.emit({ type: 'fill', fill });
    this.#events.emit({ type: 'order', order: updated });
  }

  /** The venue's net position in `symbol` (long +). */
  net(symbol: string): number {
    return this.#net.get(symbol) ?? 0;
  }
}
