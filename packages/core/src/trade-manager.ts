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
    this.#trades.delete(key);
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
   */
  async manage(positions: readonly Position[], priceOf: (symbol: string) => Promise<number>, now: number): Promise<void> {
    if (this.#trades.size === 0) return;
    const open = new Set<string>();
    for (const position of positions) if (position.side !== 'flat' && position.size > 0) open.add(position.symbol);
    for (const trade of this.#sorted()) {
      const key = `${trade.symbol}\u0000${trade.strategyId}`;
      if (!open.has(trade.symbol)) {
        this.#trades.delete(key);
        continue;
      }
      if (trade.exitOrder !== undefined) continue;
      const price = await priceOf(trade.symbol);
      if (!Number.isFinite(price)) continue;
      if (trade.side === 'long' ? price > trade.bestPrice : price < trade.bestPrice) trade.bestPrice = price;
      const reason = evaluateExit(trade, trade.exits, price, now);
      if (reason === undefined) continue;
      await this.#exit(trade, reason, price);
    }
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
    this.#trades.set(key, {
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

  #sorted(): TradeState[] {
    return [...this.#trades.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0,
    );
  }
}

function hasRules(exits: ExitRules): boolean {
  return (
    exits.stopLoss !== undefined || exits.takeProfit !== undefined || exits.trailingStop !== undefined || exits.maxHoldingMs !== undefined
  );
}
