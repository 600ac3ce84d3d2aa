import type { Broker, ReplayBroker, ReplayFeed } from './broker.js';
import type { Clock } from './clock.js';
import { BtError } from './errors.js';
import type { Logger } from './logger.js';
import type { BarSeries } from './market.js';
import { ArrayBarSeries } from './market.js';
import type { OrderGateway } from './order-gateway.js';
import type { Fill, Order, OrderAck, OrderSide, Position } from './orders.js';
import { flatPosition } from './orders.js';
import type { PendingOrder, StrategyPendingOrders } from './pending-orders.js';
import type {
  OrderApi,
  OrderOptions,
  Strategy,
  StrategyContext,
  StrategyOrder,
  StrategyParams,
  StrategySpec,
  SymbolConfig,
} from './strategy.js';
import type { Timeframe } from './timeframe.js';
import type { TradeManager } from './trade-manager.js';

const DEFAULT_LOOKBACK = 300;

/**
 * A strategy's context, the same object every tick, and the orchestrator's record of that
 * strategy (one object per strategy, touched once per tick). `bars` and `isNewBar` are set by the
 * orchestrator; `position` is read from it, so a replay feed is asked for the position only by
 * ticks that look at it. The record's fields are not part of {@link StrategyContext}.
 */
class StrategySlot implements StrategyContext {
  bars: BarSeries;
  isNewBar = false;
  /** Close time of the newest bar the strategy was last called with. */
  lastSeenClose = Number.NEGATIVE_INFINITY;
  readonly #position: () => Position;
  readonly #pending: StrategyPendingOrders;

  constructor(
    readonly spec: StrategySpec,
    readonly strategy: Strategy,
    readonly symbol: string,
    readonly timeframe: Timeframe,
    readonly strategyId: string,
    readonly clock: Clock,
    readonly log: Logger,
    readonly params: StrategyParams,
    readonly orders: OrderApi,
    bars: BarSeries,
    position: () => Position,
    pending: StrategyPendingOrders,
  ) {
    this.bars = bars;
    this.#position = position;
    this.#pending = pending;
  }

  get position(): Position {
    return this.#position();
  }

  get pendingOrders(): readonly PendingOrder[] {
    return this.#pending.orders;
  }

  get pendingExposure(): number {
    return this.#pending.exposure;
  }
}

/** A fill or order update waiting to be handed to its strategy before the next tick. */
type QueuedEvent =
  | { readonly kind: 'fill'; readonly strategyId: string; readonly fill: Fill }
  | { readonly kind: 'order'; readonly strategyId: string; readonly order: Order };

/** What an orchestrator needs from its controller. */
export interface OrchestratorDeps {
  readonly broker: Broker;
  readonly clock: Clock;
  readonly log: Logger;
  readonly gateway: OrderGateway;
  readonly tradeManager: TradeManager;
  /** Read through the broker's {@link ReplayBroker.openFeed} when it has one (replay pacing). */
  readonly replay?: boolean;
}

/**
 * Runs every strategy of one symbol, in configured order. Each tick it reads the symbol's closed
 * bars and position, hands queued fills and order updates to their strategies, then calls
 * `onTick` on each strategy with its own reused context.
 */
export class SymbolOrchestrator {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly #deps: OrchestratorDeps;
  readonly #slots: StrategySlot[];
  readonly #byId = new Map<string, StrategySlot>();
  readonly #lookback: number;
  #queue: QueuedEvent[] = [];
  /** Whether `#queue` holds anything: a field of this object, read every tick without touching the array. */
  #queued = false;
  #lastBarClose = Number.NEGATIVE_INFINITY;
  /** Replay with a broker that has feeds: reads go through {@link SymbolOrchestrator.#feed}. */
  readonly #feedable: boolean;
  #feed: ReplayFeed | undefined;
  /** This tick's position; undefined until read when reading through a feed. */
  #position: Position | undefined;
  readonly #flat: Position;

  constructor(config: SymbolConfig, deps: OrchestratorDeps) {
    this.symbol = config.symbol;
    this.timeframe = config.timeframe;
    this.#deps = deps;
    this.#feedable = deps.replay === true && typeof (deps.broker as Partial<ReplayBroker>).openFeed === 'function';
    this.#flat = flatPosition(config.symbol);
    this.#position = this.#flat;
    const empty = new ArrayBarSeries(config.symbol, config.timeframe, []);
    const position = (): Position => this.#currentPosition();
    this.#slots = config.strategies.map((spec) => {
      const slot = new StrategySlot(
        spec,
        spec.create(config.symbol),
        config.symbol,
        config.timeframe,
        spec.id,
        deps.clock,
        deps.log.child({ symbol: config.symbol, strategy: spec.id }),
        spec.params ?? {},
        this.#orderApi(spec.id),
        empty,
        position,
        deps.gateway.pending.of(config.symbol, spec.id),
      );
      this.#byId.set(spec.id, slot);
      return slot;
    });
    this.#lookback = Math.max(1, ...config.strategies.map((s) => s.lookback ?? DEFAULT_LOOKBACK));
  }

  /** The replay feed ticks read through, once the first tick opened it (undefined live, or before). */
  get feed(): ReplayFeed | undefined {
    return this.#feed;
  }

  /** Close time of the newest bar seen by the last tick (-Infinity before any bar). */
  get lastBarClose(): number {
    return this.#lastBarClose;
  }

  /** Strategy ids, in call order. */
  strategyIds(): string[] {
    return this.#slots.map((slot) => slot.spec.id);
  }

  /** Queues a fill of one of this symbol's strategies; it is handed over at the next tick. */
  enqueueFill(strategyId: string, fill: Fill): void {
    this.#queue.push({ kind: 'fill', strategyId, fill });
    this.#queued = true;
  }

  /** Queues an order update of one of this symbol's strategies. */
  enqueueOrder(strategyId: string, order: Order): void {
    this.#queue.push({ kind: 'order', strategyId, order });
    this.#queued = true;
  }

  /** Calls each strategy's `init`. */
  async init(): Promise<void> {
    for (const slot of this.#slots) {
      const result = slot.strategy.init?.(slot);
      if (result !== undefined) await result;
    }
  }

  /**
   * One tick: read bars and position, deliver queued events, then call every strategy.
   *
   * Through a replay feed the reads are synchronous, and the position is read only if a strategy
   * (or the order API) looks at it. When nothing is queued and no strategy returns a promise, the
   * whole tick runs synchronously and returns undefined; otherwise it returns the promise of the
   * rest of the tick. Errors are thrown or rejected accordingly: await the result.
   */
  tick(): Promise<void> | undefined {
    if (!this.#feedable) return this.#tickAsync();
    const feed = this.#feed ?? this.#openFeed();
    this.#position = undefined;
    return this.#run(feed.bars(this.#lookback));
  }

  /**
   * Moves the replay to its next step for this symbol: through the feed when there is one (a
   * boolean), else the broker's `advanceTime` (a promise). True while the symbol has data.
   */
  advance(): boolean | Promise<boolean> {
    const feed = this.#feed;
    return feed === undefined ? (this.#deps.broker as ReplayBroker).advanceTime(this.symbol) : feed.advance();
  }

  #openFeed(): ReplayFeed {
    const feed = (this.#deps.broker as ReplayBroker).openFeed?.(this.symbol, this.timeframe) as ReplayFeed;
    this.#feed = feed;
    return feed;
  }

  /** A tick through the broker's async reads. */
  async #tickAsync(): Promise<void> {
    const { broker } = this.#deps;
    const bars = await broker.getBars(this.symbol, this.timeframe, this.#lookback);
    this.#position = positionOf(await broker.getPositions(this.symbol), this.symbol, this.#flat);
    const pending = this.#run(bars);
    if (pending !== undefined) await pending;
  }

  /** This tick's position (read through the feed on first use). */
  #currentPosition(): Position {
    let position = this.#position;
    if (position === undefined) {
      position = positionOf((this.#feed as ReplayFeed).positions(), this.symbol, this.#flat);
      this.#position = position;
    }
    return position;
  }

  /** Hands the tick's bars to every strategy, delivers queued events, then calls them. */
  #run(bars: BarSeries): Promise<void> | undefined {
    const newest = bars.length > 0 ? bars.closeTime(bars.length - 1) : Number.NEGATIVE_INFINITY;
    if (newest > this.#deps.clock.now()) {
      throw new BtError(
        'DATA',
        `broker ${this.#deps.broker.id} returned a bar of ${this.symbol} closing at ${newest}, after the current time ${this.#deps.clock.now()}`,
      );
    }
    this.#lastBarClose = newest;
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) (slots[i] as StrategySlot).bars = bars;
    if (this.#queued) return this.#deliverThenCall(newest);
    return this.#callStrategies(newest, 0);
  }

  /** Calls strategies `from` on, in order; returns a promise as soon as one returns one. */
  #callStrategies(newest: number, from: number): Promise<void> | undefined {
    const slots = this.#slots;
    for (let i = from; i < slots.length; i++) {
      const slot = slots[i] as StrategySlot;
      slot.isNewBar = newest > slot.lastSeenClose;
      slot.lastSeenClose = newest;
      const result = slot.strategy.onTick(slot);
      if (result !== undefined) {
        // The last strategy's promise is the rest of the tick: hand it over as it is.
        return i + 1 === slots.length ? result : this.#awaitThenCall(result, newest, i + 1);
      }
    }
    return undefined;
  }

  async #awaitThenCall(result: Promise<void>, newest: number, next: number): Promise<void> {
    await result;
    const more = this.#callStrategies(newest, next);
    if (more !== undefined) await more;
  }

  /** Delivers the queued events, then calls the strategies; a promise as soon as a handler returns one. */
  #deliverThenCall(newest: number): Promise<void> | undefined {
    const queue = this.#queue;
    this.#queue = [];
    this.#queued = false;
    const pending = this.#deliver(queue, 0);
    if (pending === undefined) return this.#callStrategies(newest, 0);
    return pending.then(() => this.#callStrategies(newest, 0));
  }

  /** Hands `queue[from..]` to their strategies, in order; returns a promise as soon as a handler returns one. */
  #deliver(queue: readonly QueuedEvent[], from: number): Promise<void> | undefined {
    for (let i = from; i < queue.length; i++) {
      const result = this.#deliverOne(queue[i] as QueuedEvent);
      if (result !== undefined) return Promise.resolve(result).then(() => this.#deliver(queue, i + 1));
    }
    return undefined;
  }

  #deliverOne(event: QueuedEvent): void | Promise<void> {
    const slot = this.#byId.get(event.strategyId);
    if (slot === undefined) return undefined;
    if (event.kind === 'fill') {
      this.#deps.tradeManager.recordFill(event.fill, slot.spec.id, slot.spec.exits);
      return slot.strategy.onFill?.(event.fill, slot);
    }
    this.#deps.tradeManager.recordOrderUpdate(event.order);
    return slot.strategy.onOrderUpdate?.(event.order, slot);
  }

  /** Calls each strategy's `onStop`; errors are logged, not thrown. */
  async stop(): Promise<void> {
    for (const slot of this.#slots) {
      try {
        const result = slot.strategy.onStop?.(slot);
        if (result !== undefined) await result;
      } catch (error) {
        slot.log.error('strategy onStop failed', { cause: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  #orderApi(strategyId: string): OrderApi {
    const { gateway, broker } = this.#deps;
    const symbol = this.symbol;
    const market = (side: OrderSide, amount: number, options?: OrderOptions): Promise<OrderAck> =>
      gateway.submit(symbol, strategyId, withOptions({ side, type: 'market', amount }, options));
    return {
      submit: (order) => gateway.submit(symbol, strategyId, order),
      buy: (amount, options) => market('buy', amount, options),
      sell: (amount, options) => market('sell', amount, options),
      limit: (side, amount, price, options) =>
        gateway.submit(symbol, strategyId, withOptions({ side, type: 'limit', amount, price }, options)),
      close: async () => {
        const position = this.#byId.get(strategyId)?.position;
        if (position === undefined || position.side === 'flat' || position.size <= 0) return undefined;
        return market(position.side === 'long' ? 'sell' : 'buy', position.size, { reduceOnly: true });
      },
      cancel: (orderId) => broker.cancelOrder({ symbol, orderId }),
      openOrders: async () =>
        (await broker.getOpenOrders(symbol)).filter(
          (order) => order.tag === strategyId || gateway.request(order.clientOrderId)?.tag === strategyId,
        ),
    };
  }
}

/** The position of `symbol` in `positions`, or `flat` (a plain loop: this runs every tick). */
function positionOf(positions: readonly Position[], symbol: string, flat: Position): Position {
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i] as Position;
    if (position.symbol === symbol) return position;
  }
  return flat;
}

/** `{ ...order, ...options }`, by assignment (a spread after literal fields is slow in V8, per order). */
function withOptions(order: { -readonly [K in keyof StrategyOrder]: StrategyOrder[K] }, options: OrderOptions | undefined): StrategyOrder {
  if (options === undefined) return order;
  for (const key in options) {
    if (Object.hasOwn(options, key) && key !== '__proto__') {
      (order as Record<string, unknown>)[key] = options[key as keyof OrderOptions];
    }
  }
  return order;
}
