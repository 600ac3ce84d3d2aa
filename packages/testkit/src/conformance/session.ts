import type { Broker, BrokerEvent, Fill, Market, Order, OrderAck, OrderRequest, Position, Timeframe } from '@bt/core';
import { assert } from 'vitest';
import type { BrokerConformanceOptions, ConformanceDriver } from './types.js';

/** The defaults of {@link BrokerConformanceOptions}. */
export const CONFORMANCE_DEFAULTS = { timeframe: '1m', warmup: 3, maxAdvances: 5, unknownOrderId: '987654321987' } as const;

/**
 * One case's venue: a fresh broker, connected and warmed up, with every event it emitted since
 * recorded, and the helpers the cases share.
 */
export class ConformanceSession {
  readonly broker: Broker;
  readonly driver: ConformanceDriver;
  readonly options: BrokerConformanceOptions;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly maxAdvances: number;
  readonly unknownOrderId: string;
  /** Every event since the session opened, in arrival order. */
  readonly events: BrokerEvent[] = [];
  readonly #unsubscribe: () => void;
  #clientIds = 0;

  private constructor(options: BrokerConformanceOptions, broker: Broker, driver: ConformanceDriver) {
    this.options = options;
    this.broker = broker;
    this.driver = driver;
    this.symbol = options.symbol;
    this.timeframe = options.timeframe ?? CONFORMANCE_DEFAULTS.timeframe;
    this.maxAdvances = options.maxAdvances ?? CONFORMANCE_DEFAULTS.maxAdvances;
    this.unknownOrderId = options.unknownOrderId ?? CONFORMANCE_DEFAULTS.unknownOrderId;
    this.#unsubscribe = broker.subscribe((event) => this.events.push(event));
  }

  /** Creates the fixture, connects, subscribes and advances `warmup` times. */
  static async open(options: BrokerConformanceOptions): Promise<ConformanceSession> {
    const { broker, driver } = await options.create();
    let session: ConformanceSession | undefined;
    try {
      await broker.connect();
      session = new ConformanceSession(options, broker, driver);
      for (let i = 0; i < (options.warmup ?? CONFORMANCE_DEFAULTS.warmup); i++) await driver.advance();
      return session;
    } catch (error) {
      if (session !== undefined) await session.dispose().catch(() => undefined);
      else await Promise.allSettled([broker.close(), driver.dispose?.()]);
      throw error;
    }
  }

  /** Unsubscribes, closes the broker and disposes of the driver. */
  async dispose(): Promise<void> {
    this.#unsubscribe();
    try {
      await this.broker.close();
    } finally {
      await this.driver.dispose?.();
    }
  }

  /** A client order id unique within the session: `btcf<case>x<n>` (letters and digits, venue-safe). */
  clientOrderId(tag: string): string {
    this.#clientIds++;
    return `btcf${tag.replace(/[^A-Za-z0-9]/g, '')}x${this.#clientIds}`;
  }

  /** The fixture symbol's market; fails the case when the venue does not list it. */
  async market(): Promise<Market> {
    const market = (await this.broker.getMarkets()).find((m) => m.symbol === this.symbol);
    assert(market !== undefined, `getMarkets() does not list the fixture symbol ${this.symbol}`);
    return market;
  }

  /** A limit price at which a buy rests without filling (see `restingPrice`). */
  async restingPrice(): Promise<number> {
    const latest = await this.broker.getLatestPrice(this.symbol);
    assert(Number.isFinite(latest) && latest > 0, `getLatestPrice(${this.symbol}) is ${latest}; a resting price needs a positive price`);
    const market = await this.market();
    if (this.options.restingPrice !== undefined) return this.options.restingPrice(latest, market);
    return floorToStep(latest / 2, market.priceStep);
  }

  /** Submits a market order of the fixture symbol. */
  submitMarket(side: 'buy' | 'sell', amount: number, extra: Partial<OrderRequest> = {}): Promise<OrderAck> {
    return this.broker.submitOrder({ symbol: this.symbol, side, type: 'market', amount, ...extra });
  }

  /** Submits a buy limit order of the fixture symbol at the resting price. */
  async submitRestingBuy(amount: number, extra: Partial<OrderRequest> = {}): Promise<OrderAck> {
    const price = await this.restingPrice();
    return this.broker.submitOrder({ symbol: this.symbol, side: 'buy', type: 'limit', amount, price, ...extra });
  }

  /** Submits a buy of `amount`: a market order when the venue takes them, else a resting limit. */
  submitAnyBuy(amount: number, extra: Partial<OrderRequest> = {}): Promise<OrderAck> {
    return this.broker.capabilities.orderTypes.includes('market')
      ? this.submitMarket('buy', amount, extra)
      : this.submitRestingBuy(amount, extra);
  }

  /** The fills of order `orderId` received so far. */
  fillsOf(orderId: string): Fill[] {
    return this.events.flatMap((e) => (e.type === 'fill' && e.fill.orderId === orderId ? [e.fill] : []));
  }

  /** The latest order update of `orderId` received so far. */
  lastUpdateOf(orderId: string): Order | undefined {
    let last: Order | undefined;
    for (const e of this.events) if (e.type === 'order' && e.order.id === orderId) last = e.order;
    return last;
  }

  /**
   * Checks `done`, and while it is false calls `driver.advance()` and checks again, at most
   * `maxAdvances` times; then fails the case naming `what` it waited for. No wall-clock wait.
   */
  async advanceUntil(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; ; i++) {
      if (await done()) return;
      if (i === this.maxAdvances) assert.fail(`${what}: not seen after ${this.maxAdvances} driver.advance() calls`);
      await this.driver.advance();
    }
  }

  /** Waits (by advancing) until `amount` of order `orderId` has filled; returns its fills. */
  async filled(orderId: string, amount: number): Promise<Fill[]> {
    await this.advanceUntil(
      () => sum(this.fillsOf(orderId).map((f) => f.amount)) >= amount * (1 - 1e-9),
      `fills of ${amount} for order ${orderId}`,
    );
    return this.fillsOf(orderId);
  }

  /** Signed size of the fixture symbol's position (0 when flat or absent). */
  async signedPosition(): Promise<number> {
    const position = (await this.broker.getPositions(this.symbol)).find((p) => p.symbol === this.symbol);
    return position === undefined ? 0 : signed(position);
  }
}

/** Positive when long, negative when short. */
export function signed(position: Position): number {
  return position.side === 'short' ? -position.size : position.side === 'long' ? position.size : 0;
}

/** Sum of `values`. */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** True when `a` and `b` agree within a relative 1e-9. */
export function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** `value` rounded down to a whole number of `step`s, written with the step's decimals. */
function floorToStep(value: number, step: number | undefined): number {
  if (step === undefined) return value;
  const decimals = Math.max(0, Math.min(20, Math.ceil(-Math.log10(step) - 1e-9)));
  return Number((Math.floor(value / step + 1e-9) * step).toFixed(decimals));
}
