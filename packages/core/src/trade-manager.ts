import type { Logger } from './logger.js';
import type { OrderGateway } from './order-gateway.js';
import type { Fill, Order, Position } from './orders.js';
import type { ExitRules } from './strategy.js';

/** Why the trade manager closed a trade. */
export type ExitReason = 'stop-loss' | 'take-profit' | 'trailing-stop' | 'max-holding-time';

/** A position slice opened by one strategy, watched by the trade manager. */
export interface ManagedTrade {
  readonly symbol: string;
  readonly strategyId: string;
  readonly side: 'long' | 'short';
  readonly size: number;
  readonly entryPrice: number;
  readonly openedAt: number;
  /** Best price seen since entry: highest for a long, lowest for a short. */
  readonly bestPrice: number;
  /** Client order id of the exit in flight, if any. */
  readonly exitOrder?: string;
}

interface TradeState {
  /** `symbol \u0000 strategyId`: its key in the trade map. */
  readonly key: string;
  symbol: string;
  strategyId: string;
  side: 'long' | 'short';
  size: number;
  entryPrice: number;
  openedAt: number;
  bestPrice: number;
  exits: ExitRules;
  exitOrder: string | undefined;
}

const EPSILON = 1e-12;

/** One pass of {@link TradeManager.manage}: what it reads. */
interface Pass {
  readonly isOpen: (symbol: string) => boolean;
  readonly priceOf: (symbol: string) => number | Promise<number>;
  readonly now: number;
}

/** Returns the exit a trade's rules call for at `price` and time `now`, or undefined. */
export function evaluateExit(trade: ManagedTrade, exits: ExitRules, price: number, now: number): ExitReason | undefined {
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
 */
export class TradeManager {
  readonly #gateway: OrderGateway;
  readonly #log: Logger;
  readonly #trades = new Map<string, TradeState>();
  /** The trades sorted by symbol then strategy, while no trade opened or closed since. */
  #ordered: TradeState[] | undefined;

  constructor(gateway: OrderGateway, log: Logger) {
    this.#gateway = gateway;
    this.#log = log;
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
      ...(t.exitOrder === undefined ? {} : { exitOrder: t.exitOrder }),
    }));
  }

  /** Accounts for a fill of one of `strategyId`'s orders. Trades are only kept for strategies with rules. */
  recordFill(fill: Fill, strategyId: string, exits: ExitRules | undefined): void {
    // Nothing watched and nothing to watch: skip building the key (every fill of a run without exits).
    if (this.#trades.size === 0 && (exits === undefined || !hasRules(exits))) return;
    const key = `${fill.symbol}\u0000${strategyId}`;
    const trade = this.#trades.get(key);
    const fillSide = fill.side === 'buy' ? 'long' : 'short';
    if (trade === undefined) {
      if (exits !== undefined && hasRules(exits)) this.#open(key, fill, strategyId, exits, fill.amount);
      return;
    }
    if (trade.side === fillSide) {
      const size = trade.size + fill.amount;
      trade.entryPrice = (trade.entryPrice * trade.size + fill.price * fill.amount) / size;
      trade.size = size;
      return;
    }
    const left = trade.size - fill.amount;
    if (left > EPSILON) {
      trade.size = left;
      return;
    }
    this.#drop(key);
    if (-left > EPSILON && exits !== undefined && hasRules(exits)) this.#open(key, fill, strategyId, exits, -left);
  }

  /** An order update: an exit order that ended unfilled frees the trade for another exit. */
  recordOrderUpdate(order: Order): void {
    if (order.status !== 'canceled' && order.status !== 'rejected') return;
    for (const trade of this.#trades.values()) {
      if (trade.exitOrder !== undefined && trade.exitOrder === order.clientOrderId) trade.exitOrder = undefined;
    }
  }

  /**
   * One pass of the position monitor: drops trades whose symbol is flat at the venue, updates each
   * trade's best price, and sends the exits the rules call for.
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
      if (trade.exitOrder !== undefined) continue;
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
    if (trade.side === 'long' ? price > trade.bestPrice : price < trade.bestPrice) trade.bestPrice = price;
    const reason = evaluateExit(trade, trade.exits, price, now);
    return reason === undefined ? undefined : this.#exit(trade, reason, price);
  }

  async #exit(trade: TradeState, reason: ExitReason, price: number): Promise<void> {
    const pending = `pending:${reason}`;
    trade.exitOrder = pending;
    const ack = await this.#gateway.submit(
      trade.symbol,
      trade.strategyId,
      { side: trade.side === 'long' ? 'sell' : 'buy', type: 'market', amount: trade.size, reduceOnly: true },
      'trade-manager',
      reason,
    );
    this.#log.info('trade manager exit', { symbol: trade.symbol, strategyId: trade.strategyId, reason, price, accepted: ack.accepted });
    if (trade.exitOrder === pending) trade.exitOrder = ack.accepted ? ack.clientOrderId : undefined;
  }

  #open(key: string, fill: Fill, strategyId: string, exits: ExitRules, size: number): void {
    this.#ordered = undefined;
    this.#trades.set(key, {
      key,
      symbol: fill.symbol,
      strategyId,
      side: fill.side === 'buy' ? 'long' : 'short',
      size,
      entryPrice: fill.price,
      openedAt: fill.timestamp,
      bestPrice: fill.price,
      exits,
      exitOrder: undefined,
    });
  }

  #drop(key: string): void {
    if (this.#trades.delete(key)) this.#ordered = undefined;
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
