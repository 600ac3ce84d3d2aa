import { BtError } from './errors.js';
import { ExitRunner } from './exit-runner.js';
import type { Logger } from './logger.js';
import type { OrderGateway } from './order-gateway.js';
import type { Fill, Order, Position } from './orders.js';
import type { ExitRules } from './strategy.js';
import { newTrade, restoredTrade, storedTrade, type TradeState } from './trade-state.js';
import type { ExitInFlight, ExitReason, TradeStateStore } from './trade-store.js';

export type { ExitInFlight, ExitReason } from './trade-store.js';

/** A position slice opened by one strategy, watched by the trade manager. */
export interface ManagedTrade {
  readonly symbol: string;
  readonly strategyId: string;
  readonly side: 'long' | 'short';
  readonly size: number;
  readonly entryPrice: number;
  readonly openedAt: number;
  /** Best price since entry: highest for a long, lowest for a short. */
  readonly bestPrice: number;
  /** The exit in flight, as typed state. */
  readonly exit: ExitInFlight;
  /** Client order id of the exit in flight (its latest attempt), if any. */
  readonly exitOrder?: string;
}

/** Options of {@link TradeManager}. */
export interface TradeManagerOptions {
  /** Where each position's state is kept, so that exits can be re-armed after a restart. Default: nowhere. */
  readonly store?: TradeStateStore;
  /**
   * Delay before an exit whose submission's outcome is unknown is looked up and sent again: the
   * first delay, doubled at each attempt up to the cap. Default 1000 and 60000 ms.
   */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /**
   * Whether the venue can hold a short. Without shorting a sell only reduces: one with no long
   * trade to reduce (or beyond it) never opens a short trade. Default true.
   */
  readonly shorting?: boolean;
}

const EPSILON = 1e-12;

/** One pass of {@link TradeManager.manage}: what it reads. */
interface Pass {
  readonly isOpen: (symbol: string) => boolean;
  readonly priceOf: (symbol: string) => number | Promise<number>;
  readonly now: number;
}

/** Returns the exit a trade's rules call for at `price` and time `now`, or undefined. */
export function evaluateExit(
  trade: Pick<ManagedTrade, 'side' | 'entryPrice' | 'bestPrice' | 'openedAt'>,
  exits: ExitRules,
  price: number,
  now: number,
): ExitReason | undefined {
  const sign = trade.side === 'long' ? 1 : -1;
  const move = (sign * (price - trade.entryPrice)) / trade.entryPrice;
  if (exits.stopLoss !== undefined && move <= -exits.stopLoss) return 'stop-loss';
  if (exits.trailingStop !== undefined) {
    const retreat = (sign * (trade.bestPrice - price)) / trade.bestPrice;
    if (retreat >= exits.trailingStop) return 'trailing-stop';
  }
  if (exits.takeProfit !== undefined && move >= exits.takeProfit) return 'take-profit';
  if (exits.maxHoldingMs !== undefined && now - trade.openedAt >= exits.maxHoldingMs) return 'max-holding-time';
  return undefined;
}

/**
 * Applies each strategy's {@link ExitRules} to the trades it opened: stop-loss, take-profit,
 * trailing stop and maximum holding time. Exits go to the venue as reduce-only market orders
 * through the {@link OrderGateway}, tagged with the owning strategy and the reason.
 *
 * An exit never adds to a reducing order already in flight: it asks for the trade's size minus
 * what the reducing orders in flight of its strategy (the strategy's own and the trade manager's)
 * will still fill, and nothing while they cover the position. An exit that filled while its
 * position grew is done; the rules then decide on the rest.
 *
 * An exit, once called for, is not abandoned while its position is open: a submission whose
 * outcome is unknown (a network error, a timeout) is looked up at the venue after a bounded
 * exponential backoff and sent again only once proven absent; a rejection is logged as an error
 * with its reason and the exit sent again at the next pass, then, while the venue keeps rejecting
 * it, after the backoff, growing to its cap; an exit the venue ends unfilled is sent again.
 */
export class TradeManager {
  readonly #gateway: OrderGateway;
  readonly #log: Logger;
  readonly #store: TradeStateStore | undefined;
  readonly #exits: ExitRunner;
  readonly #trades = new Map<string, TradeState>();
  readonly #shorting: boolean;
  /** The trades sorted by symbol then strategy, while no trade opened or closed since. */
  #ordered: TradeState[] | undefined;
  /** Time of the latest pass. */
  #now = 0;

  constructor(gateway: OrderGateway, log: Logger, options: TradeManagerOptions = {}) {
    this.#gateway = gateway;
    this.#log = log;
    this.#store = options.store;
    this.#shorting = options.shorting ?? true;
    this.#exits = new ExitRunner({
      gateway,
      log,
      store: options.store,
      backoff: options.backoff ?? { initialMs: 1000, maxMs: 60_000 },
      isCurrent: (trade) => this.#trades.get(trade.key) === trade,
      now: () => this.#now,
      persist: (what, write) => this.#persist(what, write),
    });
  }

  /** Trades being watched, sorted by symbol then strategy. */
  trades(): ManagedTrade[] {
    return this.#sorted().map((t) => ({
      symbol: t.symbol,
      strategyId: t.strategyId,
      side: t.side,
      size: t.size,
      entryPrice: t.entryPrice,
      openedAt: t.openedAt,
      bestPrice: t.bestPrice,
      exit: t.exit,
      ...(t.exit.kind === 'none' ? {} : { exitOrder: t.exit.clientOrderId }),
    }));
  }

  /**
   * Loads the trades of the store (after a restart), exits in flight included: an exit that was
   * `submitting` is looked up at the venue at its `nextAttemptAt`, then sent again only if the
   * venue does not have it; a `working` one is looked up at the first pass. Call before any fill.
   *
   * @throws BtError `STATE` without a store, or when trades are already watched.
   */
  restore(): ManagedTrade[] {
    if (this.#store === undefined) throw new BtError('STATE', 'the trade manager has no store to restore trades from');
    if (this.#trades.size > 0) throw new BtError('STATE', `restore() with ${this.#trades.size} trades already watched`);
    for (const saved of this.#store.loadTrades()) {
      const trade = restoredTrade(saved);
      this.#trades.set(trade.key, trade);
    }
    this.#ordered = undefined;
    return this.trades();
  }

  /** Accounts for a fill of one of `strategyId`'s orders. Trades are only kept for strategies with rules. */
  recordFill(fill: Fill, strategyId: string, exits: ExitRules | undefined): void {
    this.#gateway.pending.delivered(fill);
    // Nothing watched and nothing to watch: skip building the key (every fill of a run without exits).
    if (this.#trades.size === 0 && (exits === undefined || !hasRules(exits))) return;
    const key = `${fill.symbol}\u0000${strategyId}`;
    const trade = this.#trades.get(key);
    const fillSide = fill.side === 'buy' ? 'long' : 'short';
    if (trade === undefined) {
      if (exits !== undefined && hasRules(exits) && this.#opens(fillSide)) this.#open(key, fill, strategyId, exits, fill.amount);
      return;
    }
    if (trade.side === fillSide) {
      const size = trade.size + fill.amount;
      trade.entryPrice = (trade.entryPrice * trade.size + fill.price * fill.amount) / size;
      trade.size = size;
      this.#save(trade);
      return;
    }
    const left = trade.size - fill.amount;
    if (left > EPSILON) {
      trade.size = left;
      this.#save(trade);
      if (trade.exit.kind !== 'none' && fill.clientOrderId !== undefined && fill.clientOrderId === trade.exit.clientOrderId) {
        this.#exits.filled(trade, fill);
      }
      return;
    }
    this.#drop(key);
    if (-left > EPSILON && exits !== undefined && hasRules(exits) && this.#opens(fillSide)) this.#open(key, fill, strategyId, exits, -left);
  }

  /** Whether a fill on `side` with nothing left to reduce opens a trade: not a short on a venue without shorting. */
  #opens(side: 'long' | 'short'): boolean {
    return side === 'long' || this.#shorting;
  }

  /** An order update: an exit the venue ended unfilled (canceled, rejected) is sent again at the next pass. */
  recordOrderUpdate(order: Order): void {
    if (order.status !== 'canceled' && order.status !== 'rejected') return;
    for (const trade of this.#trades.values()) {
      if (trade.exit.kind !== 'none' && trade.exit.clientOrderId === order.clientOrderId) this.#exits.ended(trade, order);
    }
  }

  /**
   * One pass of the position monitor: drops trades whose symbol is flat at the venue, updates each
   * trade's best price, sends the exits the rules call for, and carries on the exits in flight.
   *
   * `open` is the venue's positions, or a test of whether a symbol's position is open (a replay
   * reads it without building positions). `priceOf` may answer at once with a number (a replay
   * feed) or with a promise (a live venue).
   */
  manage(
    open: readonly Position[] | ((symbol: string) => boolean),
    priceOf: (symbol: string) => number | Promise<number>,
    now: number,
  ): Promise<void> | undefined {
    this.#now = now;
    if (this.#trades.size === 0) return undefined;
    const pass: Pass = { isOpen: typeof open === 'function' ? open : openTest(open), priceOf, now };
    return this.#pass(pass, this.#sorted(), 0);
  }

  /**
   * Manages `trades[from..]` in order; runs synchronously while prices come as numbers and no exit
   * is sent, and returns the promise of the rest as soon as one must be awaited.
   */
  #pass(pass: Pass, trades: readonly TradeState[], from: number): Promise<void> | undefined {
    for (let i = from; i < trades.length; i++) {
      const trade = trades[i] as TradeState;
      if (!pass.isOpen(trade.symbol)) {
        this.#drop(trade.key);
        continue;
      }
      if (trade.exit.kind !== 'none') {
        const step = this.#exits.resume(trade, pass.now);
        if (step !== undefined) return this.#afterExit(pass, trades, i, step);
        continue;
      }
      const quoted = pass.priceOf(trade.symbol);
      if (typeof quoted !== 'number') return this.#afterPrice(pass, trades, i, quoted);
      const exit = this.#consider(trade, quoted, pass.now);
      if (exit !== undefined) return this.#afterExit(pass, trades, i, exit);
    }
    return undefined;
  }

  async #afterPrice(pass: Pass, trades: readonly TradeState[], i: number, quoted: Promise<number>): Promise<void> {
    await this.#afterExit(pass, trades, i, this.#consider(trades[i] as TradeState, await quoted, pass.now));
  }

  /** Waits for trade `i`'s exit, if it sent one, then manages the trades after it. */
  async #afterExit(pass: Pass, trades: readonly TradeState[], i: number, exit: Promise<void> | undefined): Promise<void> {
    if (exit !== undefined) await exit;
    const rest = this.#pass(pass, trades, i + 1);
    if (rest !== undefined) await rest;
  }

  /** Updates the trade's best price with `price`; returns the exit it calls for, if any. */
  #consider(trade: TradeState, price: number, now: number): Promise<void> | undefined {
    if (!Number.isFinite(price)) return undefined;
    if (trade.side === 'long' ? price > trade.bestPrice : price < trade.bestPrice) {
      trade.bestPrice = price;
      if (trade.exits.trailingStop !== undefined) this.#save(trade);
    }
    const reason = evaluateExit(trade, trade.exits, price, now);
    return reason === undefined ? undefined : this.#exits.start(trade, reason, now, price);
  }

  #open(key: string, fill: Fill, strategyId: string, exits: ExitRules, size: number): void {
    this.#ordered = undefined;
    const trade = newTrade(key, fill.symbol, strategyId, fill.side === 'buy' ? 'long' : 'short', size, fill.price, fill.timestamp, exits);
    this.#trades.set(key, trade);
    this.#save(trade);
  }

  #drop(key: string): void {
    const trade = this.#trades.get(key);
    if (trade === undefined) return;
    this.#trades.delete(key);
    this.#ordered = undefined;
    this.#persist('removal', () => this.#store?.removeTrade(trade.symbol, trade.strategyId));
  }

  #save(trade: TradeState): void {
    if (this.#store !== undefined) this.#persist('state', () => this.#store?.saveTrade(storedTrade(trade, trade.exit)));
  }

  /** Runs a store write; a failure is logged, and the trade managed on from memory. */
  #persist(what: string, write: () => void): void {
    if (this.#store === undefined) return;
    try {
      write();
    } catch (error) {
      this.#log.error(`trade store failed to record the ${what} of a trade: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The trades, sorted by symbol then strategy (sorted again only after a trade opened or closed). */
  #sorted(): readonly TradeState[] {
    if (this.#ordered === undefined) {
      this.#ordered = [...this.#trades.values()].sort((a, b) =>
        a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0,
      );
    }
    return this.#ordered;
  }
}

function hasRules(exits: ExitRules): boolean {
  return (
    exits.stopLoss !== undefined || exits.takeProfit !== undefined || exits.trailingStop !== undefined || exits.maxHoldingMs !== undefined
  );
}

/** Whether a symbol has an open (not flat) position among `positions`. */
function openTest(positions: readonly Position[]): (symbol: string) => boolean {
  const open = new Set<string>();
  for (const position of positions) if (position.side !== 'flat' && position.size > 0) open.add(position.symbol);
  return (symbol) => open.has(symbol);
}
