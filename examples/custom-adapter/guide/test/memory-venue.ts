import { ManualClock } from '@bt/core';
import { makeBars } from '@bt/testkit';
import type {
  NewVenueOrder,
  VenueBalance,
  VenueClient,
  VenueKline,
  VenueMarket,
  VenueOrder,
  VenueOrderRef,
  VenuePosition,
  VenueTrade,
} from '../src/venue.js';
import { VenueError } from '../src/venue.js';

const MINUTE = 60_000;
/** Open time of the first bar: 2024-01-01T00:00:00Z. */
const T0 = Date.UTC(2024, 0, 1);
const FEE = 0.001;
const MARKET: VenueMarket = { id: 'BTCUSDT', base: 'BTC', quote: 'USDT', qtyStep: '0.001', minQty: '0.001', priceStep: '0.01' };
/** 1000 one-minute bars around 30,000, from {@link T0}. */
const BARS = makeBars('BTC/USDT', T0, 1_000, { price: (i) => Math.round(30_000 + 300 * Math.sin(i / 9)) });

/**
 * The venue in memory, for tests: one market (BTCUSDT), 10,000 USDT, and time from a
 * `ManualClock` that starts 30 s into bar 100, so the newest kline is still forming. A market
 * order fills at once at the last price (the forming bar's open), as on most venues; a limit
 * order rests until the price reaches it.
 */
export class MemoryVenue implements VenueClient {
  readonly clock = new ManualClock(T0 + 100 * MINUTE + 30_000);
  readonly #orders: Mutable<VenueOrder>[] = [];
  readonly #trades: VenueTrade[] = [];
  readonly #free = new Map([
    ['USDT', 10_000],
    ['BTC', 0],
  ]);
  readonly #locked = new Map([
    ['USDT', 0],
    ['BTC', 0],
  ]);
  #held = { qty: 0, cost: 0, realized: 0 };

  async markets(): Promise<readonly VenueMarket[]> {
    return [MARKET];
  }

  async klines(market: string, interval: string, limit: number): Promise<readonly VenueKline[]> {
    this.#market(market);
    if (interval !== '1m') throw new VenueError(400, 'INVALID_INTERVAL', `no ${interval} klines`);
    const visible = BARS.filter((b) => b.openTime <= this.clock.now()).slice(-limit);
    return visible.map((b) => [b.openTime, b.open.toFixed(2), b.high.toFixed(2), b.low.toFixed(2), b.close.toFixed(2), String(b.volume)]);
  }

  async lastPrice(market: string): Promise<string> {
    this.#market(market);
    return this.#last().toFixed(2);
  }

  async balances(): Promise<readonly VenueBalance[]> {
    this.#match();
    return [...this.#free].map(([asset, free]) => ({ asset, free: String(free), locked: String(this.#locked.get(asset) ?? 0) }));
  }

  async positions(): Promise<readonly VenuePosition[]> {
    this.#match();
    const { qty, cost, realized } = this.#held;
    const avgPrice = qty > 0 ? cost / qty : 0;
    return [
      {
        market: MARKET.id,
        qty: String(qty),
        avgPrice: String(avgPrice),
        markPrice: this.#last().toFixed(2),
        realizedPnl: String(realized),
      },
    ];
  }

  async placeOrder(o: NewVenueOrder): Promise<VenueOrder> {
    this.#match();
    this.#market(o.market);
    if (this.#orders.some((x) => x.clientId === o.clientId)) throw new VenueError(409, 'DUPLICATE_CLIENT_ID', `seen ${o.clientId}`);
    const qty = Number(o.qty);
    if (!(qty >= Number(MARKET.minQty) && onStep(qty, MARKET.qtyStep))) throw new VenueError(400, 'INVALID_QTY', `bad qty ${o.qty}`);
    const price = o.type === 'LIMIT' ? Number(o.price) : this.#last();
    if (!(price > 0 && onStep(price, MARKET.priceStep))) throw new VenueError(400, 'INVALID_PRICE', `bad price ${o.price}`);
    const [asset, need] = o.side === 'BUY' ? ['USDT', qty * price * (1 + FEE)] : ['BTC', qty];
    if ((this.#free.get(asset) ?? 0) < need) throw new VenueError(400, 'INSUFFICIENT_BALANCE', `${asset}: ${need} needed`);
    const now = this.clock.now();
    const order = { id: String(this.#orders.length + 1), ...o, executedQty: '0', status: 'NEW' as const, createdAt: now, updatedAt: now };
    this.#orders.push(order);
    if (o.type === 'MARKET' || crosses(order, this.#last())) this.#fill(order, this.#last(), false);
    else this.#lock(asset, need);
    return { ...order };
  }

  async cancelOrder(market: string, ref: VenueOrderRef): Promise<VenueOrder> {
    this.#match();
    const order = this.#find(market, ref);
    if (order.status === 'NEW') {
      order.status = 'CANCELED';
      order.updatedAt = this.clock.now();
      this.#unlock(order);
    }
    return { ...order };
  }

  async getOrder(market: string, ref: VenueOrderRef): Promise<VenueOrder> {
    this.#match();
    return { ...this.#find(market, ref) };
  }

  async openOrders(market?: string): Promise<readonly VenueOrder[]> {
    this.#match();
    return this.#orders.filter((o) => o.status === 'NEW' && (market === undefined || o.market === market)).map((o) => ({ ...o }));
  }

  async trades(market: string, orderId: string): Promise<readonly VenueTrade[]> {
    this.#find(market, { id: orderId });
    return this.#trades.filter((t) => t.orderId === orderId);
  }

  /** The last price: the open of the bar forming now. */
  #last(): number {
    return (BARS.findLast((b) => b.openTime <= this.clock.now()) ?? BARS[0])?.open ?? Number.NaN;
  }

  /** Fills the resting limit orders the price has reached, at their limit. */
  #match(): void {
    for (const order of this.#orders) {
      if (order.status === 'NEW' && crosses(order, this.#last())) {
        this.#unlock(order);
        this.#fill(order, Number(order.price), true);
      }
    }
  }

  #fill(order: Mutable<VenueOrder>, price: number, maker: boolean): void {
    const qty = Number(order.qty);
    const fee = qty * price * FEE;
    const buy = order.side === 'BUY';
    this.#add('USDT', buy ? -(qty * price + fee) : qty * price - fee);
    this.#add('BTC', buy ? qty : -qty);
    const held = this.#held;
    if (buy) this.#held = { qty: held.qty + qty, cost: held.cost + qty * price, realized: held.realized };
    else {
      const avg = held.cost / held.qty;
      this.#held = { qty: held.qty - qty, cost: held.cost - avg * qty, realized: held.realized + (price - avg) * qty };
    }
    order.executedQty = order.qty;
    order.status = 'FILLED';
    order.updatedAt = this.clock.now();
    const id = `t${this.#trades.length + 1}`;
    this.#trades.push({
      id,
      orderId: order.id,
      price: String(price),
      qty: order.qty,
      fee: String(fee),
      feeAsset: 'USDT',
      maker,
      time: this.clock.now(),
    });
  }

  #lock(asset: string, amount: number): void {
    this.#add(asset, -amount);
    this.#locked.set(asset, (this.#locked.get(asset) ?? 0) + amount);
  }

  #unlock(order: VenueOrder): void {
    const qty = Number(order.qty);
    const [asset, amount] = order.side === 'BUY' ? ['USDT', qty * Number(order.price) * (1 + FEE)] : ['BTC', qty];
    this.#locked.set(asset, (this.#locked.get(asset) ?? 0) - amount);
    this.#add(asset, amount);
  }

  #add(asset: string, amount: number): void {
    this.#free.set(asset, (this.#free.get(asset) ?? 0) + amount);
  }

  #market(id: string): void {
    if (id !== MARKET.id) throw new VenueError(400, 'UNKNOWN_MARKET', `no market ${id}`);
  }

  #find(market: string, ref: VenueOrderRef): Mutable<VenueOrder> {
    this.#market(market);
    const order = this.#orders.find((o) => ('id' in ref ? o.id === ref.id : o.clientId === ref.clientId));
    if (order === undefined) throw new VenueError(404, 'UNKNOWN_ORDER', `no order ${JSON.stringify(ref)}`);
    return order;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** True when `value` is a whole number of `step`s. */
function onStep(value: number, step: string): boolean {
  const steps = value / Number(step);
  return Math.abs(steps - Math.round(steps)) < 1e-9;
}

/** True when a limit order would fill at `last`. */
function crosses(order: VenueOrder, last: number): boolean {
  return order.type === 'LIMIT' && (order.side === 'BUY' ? last <= Number(order.price) : last >= Number(order.price));
}
