import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import { BtError } from './errors.js';
import type { Logger } from './logger.js';
import type { BarSeries } from './market.js';
import { ArrayBarSeries } from './market.js';
import type { OrderGateway } from './order-gateway.js';
import type { Fill, Order, OrderAck, OrderSide, Position } from './orders.js';
import { flatPosition } from './orders.js';
import type { OrderApi, OrderOptions, Strategy, StrategyContext, StrategySpec, SymbolConfig } from './strategy.js';
import type { Timeframe } from './timeframe.js';
import type { TradeManager } from './trade-manager.js';

const DEFAULT_LOOKBACK = 300;

interface MutableContext extends StrategyContext {
  bars: BarSeries;
  isNewBar: boolean;
  position: Position;
}

interface StrategySlot {
  readonly spec: StrategySpec;
  readonly strategy: Strategy;
  readonly ctx: MutableContext;
  lastSeenClose: number;
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
  #lastBarClose = Number.NEGATIVE_INFINITY;
  // The last promises getBars and getPositions returned, with what they fulfilled with (see tick).
  #barsPromise: Promise<BarSeries> | undefined;
  #bars: BarSeries | undefined;
  #positionsPromise: Promise<readonly Position[]> | undefined;
  #positions: readonly Position[] | undefined;

  constructor(config: SymbolConfig, deps: OrchestratorDeps) {
    this.symbol = config.symbol;
    this.timeframe = config.timeframe;
    this.#deps = deps;
    const empty = new ArrayBarSeries(config.symbol, config.timeframe, []);
    this.#slots = config.strategies.map((spec) => {
      const strategy = spec.create(config.symbol);
      const slot: StrategySlot = {
        spec,
        strategy,
        ctx: {
          symbol: config.symbol,
          timeframe: config.timeframe,
          strategyId: spec.id,
          bars: empty,
          isNewBar: false,
          position: flatPosition(config.symbol),
          clock: deps.clock,
          log: deps.log.child({ symbol: config.symbol, strategy: spec.id }),
          params: spec.params ?? {},
          orders: this.#orderApi(spec.id),
        },
        lastSeenClose: Number.NEGATIVE_INFINITY,
      };
      this.#byId.set(spec.id, slot);
      return slot;
    });
    this.#lookback = Math.max(1, ...config.strategies.map((s) => s.lookback ?? DEFAULT_LOOKBACK));
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
  }

  /** Queues an order update of one of this symbol's strategies. */
  enqueueOrder(strategyId: string, order: Order): void {
    this.#queue.push({ kind: 'order', strategyId, order });
  }

  /** Calls each strategy's `init`. */
  async init(): Promise<void> {
    for (const slot of this.#slots) {
      const result = slot.strategy.init?.(slot.ctx);
      if (result !== undefined) await result;
    }
  }

  /**
   * One tick: read bars and position, deliver queued events, then call every strategy.
   *
   * A broker may hand out the very promise it returned before (the SimulatedBroker caches its
   * answers). A promise's value never changes once fulfilled, so such a promise is read from what
   * it gave last time instead of being awaited again: the same values, without a turn of the
   * microtask queue. When every read is known that way, nothing is queued and no strategy returns
   * a promise, the whole tick runs synchronously and returns undefined; otherwise it returns the
   * promise of the rest of the tick. Errors are thrown or rejected accordingly: await the result.
   */
  tick(): Promise<void> | undefined {
    const { broker } = this.#deps;
    const barsPromise = broker.getBars(this.symbol, this.timeframe, this.#lookback);
    if (barsPromise !== this.#barsPromise) return this.#tickAfterReads(barsPromise, undefined);
    const positionsPromise = broker.getPositions(this.symbol);
    if (positionsPromise !== this.#positionsPromise) return this.#tickAfterReads(undefined, positionsPromise);
    return this.#run(this.#bars as BarSeries, this.#positions as readonly Position[]);
  }

  /** The rest of a tick once a broker read has to be awaited. */
  async #tickAfterReads(
    barsPromise: Promise<BarSeries> | undefined,
    positionsPromise: Promise<readonly Position[]> | undefined,
  ): Promise<void> {
    if (barsPromise !== undefined) {
      const bars = await barsPromise;
      this.#barsPromise = barsPromise;
      this.#bars = bars;
      positionsPromise = this.#deps.broker.getPositions(this.symbol);
    }
    if (positionsPromise !== this.#positionsPromise) {
      const positions = await (positionsPromise as Promise<readonly Position[]>);
      this.#positionsPromise = positionsPromise;
      this.#positions = positions;
    }
    const pending = this.#run(this.#bars as BarSeries, this.#positions as readonly Position[]);
    if (pending !== undefined) await pending;
  }

  /** Hands the tick's bars and position to every strategy, delivers queued events, then calls them. */
  #run(bars: BarSeries, positions: readonly Position[]): Promise<void> | undefined {
    const position = positionOf(positions, this.symbol);
    const newest = bars.length > 0 ? bars.closeTime(bars.length - 1) : Number.NEGATIVE_INFINITY;
    if (newest > this.#deps.clock.now()) {
      throw new BtError(
        'DATA',
        `broker ${this.#deps.broker.id} returned a bar of ${this.symbol} closing at ${newest}, after the current time ${this.#deps.clock.now()}`,
      );
    }
    this.#lastBarClose = newest;
    for (const slot of this.#slots) {
      slot.ctx.bars = bars;
      slot.ctx.position = position;
    }
    if (this.#queue.length !== 0) return this.#deliverThenCall(newest);
    return this.#callStrategies(newest, 0);
  }

  /** Calls strategies `from` on, in order; returns a promise as soon as one returns one. */
  #callStrategies(newest: number, from: number): Promise<void> | undefined {
    const slots = this.#slots;
    for (let i = from; i < slots.length; i++) {
      const slot = slots[i] as StrategySlot;
      slot.ctx.isNewBar = newest > slot.lastSeenClose;
      slot.lastSeenClose = newest;
      const result = slot.strategy.onTick(slot.ctx);
      if (result !== undefined) return this.#awaitThenCall(result, newest, i + 1);
    }
    return undefined;
  }

  async #awaitThenCall(result: Promise<void>, newest: number, next: number): Promise<void> {
    await result;
    const more = this.#callStrategies(newest, next);
    if (more !== undefined) await more;
  }

  async #deliverThenCall(newest: number): Promise<void> {
    await this.#deliverQueued();
    const more = this.#callStrategies(newest, 0);
    if (more !== undefined) await more;
  }

  /** Calls each strategy's `onStop`; errors are logged, not thrown. */
  async stop(): Promise<void> {
    for (const slot of this.#slots) {
      try {
        const result = slot.strategy.onStop?.(slot.ctx);
        if (result !== undefined) await result;
      } catch (error) {
        slot.ctx.log.error('strategy onStop failed', { cause: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  async #deliverQueued(): Promise<void> {
    if (this.#queue.length === 0) return;
    const queue = this.#queue;
    this.#queue = [];
    for (const event of queue) {
      const slot = this.#byId.get(event.strategyId);
      if (slot === undefined) continue;
      if (event.kind === 'fill') {
        this.#deps.tradeManager.recordFill(event.fill, slot.spec.id, slot.spec.exits);
        const result = slot.strategy.onFill?.(event.fill, slot.ctx);
        if (result !== undefined) await result;
      } else {
        this.#deps.tradeManager.recordOrderUpdate(event.order);
        const result = slot.strategy.onOrderUpdate?.(event.order, slot.ctx);
        if (result !== undefined) await result;
      }
    }
  }

  #orderApi(strategyId: string): OrderApi {
    const { gateway, broker } = this.#deps;
    const symbol = this.symbol;
    const market = (side: OrderSide, amount: number, options?: OrderOptions): Promise<OrderAck> =>
      gateway.submit(symbol, strategyId, { side, type: 'market', amount, ...options });
    return {
      submit: (order) => gateway.submit(symbol, strategyId, order),
      buy: (amount, options) => market('buy', amount, options),
      sell: (amount, options) => market('sell', amount, options),
      limit: (side, amount, price, options) => gateway.submit(symbol, strategyId, { side, type: 'limit', amount, price, ...options }),
      close: async () => {
        const position = this.#byId.get(strategyId)?.ctx.position;
        if (position === undefined || position.side === 'flat' || position.size <= 0) return undefined;
        return market(position.side === 'long' ? 'sell' : 'buy', position.size, { reduceOnly: true });
      },
      cancel: (orderId) => broker.cancelOrder({ symbol, orderId }),
      openOrders: async () =>
        (await broker.getOpenOrders(symbol)).filter(
          (order) => order.tag === strategyId || gateway.entry(order.clientOrderId)?.strategyId === strategyId,
        ),
    };
  }
}

/** The position of `symbol` in `positions`, or a flat one (a plain loop: this runs every tick). */
function positionOf(positions: readonly Position[], symbol: string): Position {
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i] as Position;
    if (position.symbol === symbol) return position;
  }
  return flatPosition(symbol);
}
