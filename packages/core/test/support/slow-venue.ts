import type { Broker, BrokerCapabilities, BrokerListener, OrderRef } from '../../src/broker.js';
import { BrokerEventHub } from '../../src/broker-events.js';
import type { Clock } from '../../src/clock.js';
import { ArrayBarSeries } from '../../src/market.js';
import type { Fill, Order, OrderAck, OrderRequest, Position } from '../../src/orders.js';
import type { Timeframe } from '../../src/timeframe.js';

/** An order the venue accepted and has not finished filling. */
interface Working {
  readonly request: OrderRequest;
  readonly id: string;
  readonly acceptedAt: number;
  filled: number;
}

/**
 * A live venue that is slow to fill: it acks a market order at once, then fills it `fillDelayMs`
 * after the ack, in `parts` equal fills one `fillDelayMs` apart (1 by default), as a busy venue or
 * a slow stream would. Fills are checked whenever the controller reads bars or positions (each
 * tick does), so a tick never sees a position without the fills that made it. Its position is the
 * net of its fills.
 */
export class SlowVenue implements Broker {
  readonly id = 'slow-venue';
  readonly capabilities: BrokerCapabilities = {
    orderTypes: ['market'],
    shorting: true,
    reduceOnly: true,
    ioc: false,
    fetchByClientOrderId: true,
    streamingBars: false,
    replay: false,
  };
  readonly submissions: OrderRequest[] = [];
  readonly fills: Fill[] = [];
  readonly #working: Working[] = [];
  readonly #events = new BrokerEventHub();
  readonly #clock: Clock;
  readonly #fillDelayMs: number;
  readonly #parts: number;
  #net = 0;

  constructor(clock: Clock, options: { fillDelayMs: number; parts?: number }) {
    this.#clock = clock;
    this.#fillDelayMs = options.fillDelayMs;
    this.#parts = options.parts ?? 1;
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async getMarkets() {
    return [];
  }
  async getBars(symbol: string, timeframe: Timeframe) {
    this.#fillDue();
    return new ArrayBarSeries(symbol, timeframe, []);
  }
  async getLatestPrice(): Promise<number> {
    return 100;
  }
  async getBalances() {
    return [];
  }
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    this.#fillDue();
    const net = this.#net;
    if (Math.abs(net) < 1e-12 || (symbol !== undefined && symbol !== 'BTC/USD')) return [];
    const side = net > 0 ? 'long' : 'short';
    return [{ symbol: 'BTC/USD', side, size: Math.abs(net), entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 }];
  }
  async getOpenOrders() {
    return [];
  }

  async submitOrder(request: OrderRequest): Promise<OrderAck> {
    this.submissions.push(request);
    const id = `V${this.submissions.length}`;
    this.#working.push({ request, id, acceptedAt: this.#clock.now(), filled: 0 });
    return { accepted: true, orderId: id, status: 'open', clientOrderId: request.clientOrderId };
  }

  async cancelOrder(ref: OrderRef): Promise<Order> {
    throw new Error(`cannot cancel ${JSON.stringify(ref)}`);
  }

  async fetchOrder(): Promise<Order | undefined> {
    return undefined;
  }

  subscribe(listener: BrokerListener) {
    return this.#events.subscribe(listener);
  }

  /** Emits the fills that are due by now, oldest order first. */
  #fillDue(): void {
    const now = this.#clock.now();
    for (const working of [...this.#working]) {
      const part = working.request.amount / this.#parts;
      while (working.filled < working.request.amount && now >= working.acceptedAt + this.#fillDelayMs * (1 + this.#fillCount(working))) {
        const last = this.#fillCount(working) + 1 === this.#parts;
        const amount = last ? working.request.amount - working.filled : part;
        working.filled = last ? working.request.amount : working.filled + amount;
        this.#emit(working, amount, now);
      }
      if (working.filled >= working.request.amount) this.#working.splice(this.#working.indexOf(working), 1);
    }
  }

  #fillCount(working: Working): number {
    return this.fills.filter((f) => f.orderId === working.id).length;
  }

  #emit(working: Working, amount: number, now: number): void {
    const { request } = working;
    this.#net += request.side === 'buy' ? amount : -amount;
    const fill: Fill = {
      id: `T${this.fills.length + 1}`,
      orderId: working.id,
      clientOrderId: request.clientOrderId as string,
      symbol: request.symbol,
      side: request.side,
      amount,
      price: 100,
      fee: 0,
      feeCurrency: 'USD',
      maker: false,
      timestamp: now,
    };
    this.fills.push(fill);
    const done = working.filled >= request.amount;
    this.#events.emit({ type: 'fill', fill });
    this.#events.emit({
      type: 'order',
      order: {
        id: working.id,
        clientOrderId: request.clientOrderId as string,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        timeInForce: 'GTC',
        amount: request.amount,
        reduceOnly: request.reduceOnly === true,
        status: done ? 'filled' : 'partially-filled',
        filled: working.filled,
        remaining: request.amount - working.filled,
        averagePrice: 100,
        createdAt: working.acceptedAt,
        updatedAt: now,
      },
    });
  }
}
