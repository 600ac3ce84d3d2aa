import type { ExitReason, ExitRules } from '@bt/core';
import type { Db, Statement } from './db.js';
import { JournalError } from './errors.js';
import type { ExitInFlight, TradeInput, TradeRow } from './types.js';

interface TradeRecord {
  bot: string;
  symbol: string;
  strategy: string;
  side: 'long' | 'short';
  amount: number;
  entry_price: number;
  entry_time: number;
  best_price: number;
  exits: string;
  exit_kind: ExitInFlight['kind'];
  exit_client_order_id: string | null;
  exit_reason: string | null;
  exit_attempts: number | null;
  exit_next_attempt_at: number | null;
  updated_at: number;
}

function exitOf(r: TradeRecord): ExitInFlight {
  switch (r.exit_kind) {
    case 'none':
      return { kind: 'none' };
    case 'submitting':
      return {
        kind: 'submitting',
        clientOrderId: r.exit_client_order_id as string,
        reason: r.exit_reason as ExitReason,
        attempts: r.exit_attempts as number,
        nextAttemptAt: r.exit_next_attempt_at as number,
      };
    case 'working':
      return { kind: 'working', clientOrderId: r.exit_client_order_id as string };
  }
}

function tradeOf(r: TradeRecord): TradeRow {
  return {
    symbol: r.symbol,
    strategy: r.strategy,
    side: r.side,
    amount: r.amount,
    entryPrice: r.entry_price,
    entryTime: r.entry_time,
    bestPrice: r.best_price,
    exits: JSON.parse(r.exits) as ExitRules,
    exit: exitOf(r),
    updatedAt: r.updated_at,
  };
}

function invalid(message: string, trade: { symbol: string; strategy: string }): JournalError {
  return new JournalError('INVALID_INPUT', message, { details: { symbol: trade.symbol, strategy: trade.strategy } });
}

/** The exit's columns, after checking it is one of the three states (throws `INVALID_INPUT` otherwise). */
export function exitColumns(exit: ExitInFlight, trade: { symbol: string; strategy: string }): Record<string, unknown> {
  const none = { exitKind: exit.kind, exitClientOrderId: null, exitReason: null, exitAttempts: null, exitNextAttemptAt: null };
  switch (exit.kind) {
    case 'none':
      return none;
    case 'working':
      if (typeof exit.clientOrderId !== 'string') throw invalid('a working exit needs its clientOrderId', trade);
      return { ...none, exitClientOrderId: exit.clientOrderId };
    case 'submitting':
      if (typeof exit.clientOrderId !== 'string') throw invalid('a submitting exit needs its clientOrderId', trade);
      if (typeof exit.reason !== 'string') throw invalid('a submitting exit needs its reason', trade);
      if (!Number.isSafeInteger(exit.attempts) || exit.attempts < 1)
        throw invalid(`exit attempts must be an integer >= 1, got ${exit.attempts}`, trade);
      if (!Number.isSafeInteger(exit.nextAttemptAt))
        throw invalid(`exit nextAttemptAt must be integer ms, got ${exit.nextAttemptAt}`, trade);
      return {
        exitKind: exit.kind,
        exitClientOrderId: exit.clientOrderId,
        exitReason: exit.reason,
        exitAttempts: exit.attempts,
        exitNextAttemptAt: exit.nextAttemptAt,
      };
    default:
      throw invalid(`an exit in flight is none, submitting or working, got ${JSON.stringify(exit)}`, trade);
  }
}

function checkTrade(trade: TradeInput): void {
  if (typeof trade.symbol !== 'string' || trade.symbol.length === 0) throw invalid('a trade needs its symbol', trade);
  if (typeof trade.strategy !== 'string' || trade.strategy.length === 0) throw invalid('a trade needs its strategy', trade);
  if (trade.side !== 'long' && trade.side !== 'short') throw invalid(`trade side must be long or short, got ${String(trade.side)}`, trade);
  for (const field of ['amount', 'entryPrice', 'bestPrice'] as const) {
    if (!(Number.isFinite(trade[field]) && trade[field] > 0)) throw invalid(`trade ${field} must be a positive finite number`, trade);
  }
  if (!Number.isSafeInteger(trade.entryTime)) throw invalid(`trade entryTime must be integer ms, got ${trade.entryTime}`, trade);
  if (typeof trade.exits !== 'object' || trade.exits === null) throw invalid('trade exits must be an ExitRules object', trade);
}

/** The trade manager's state of the bot's open positions, one row per (symbol, strategy). */
export class TradeStore {
  readonly #bot: string;
  readonly #upsert: Statement;
  readonly #setExit: Statement;
  readonly #remove: Statement;
  readonly #get: Statement;
  readonly #all: Statement;

  constructor(db: Db, botName: string) {
    this.#bot = botName;
    this.#upsert = db.prepare(
      `INSERT INTO trades (bot, symbol, strategy, side, amount, entry_price, entry_time, best_price, exits, exit_kind,
         exit_client_order_id, exit_reason, exit_attempts, exit_next_attempt_at, updated_at)
       VALUES (@bot, @symbol, @strategy, @side, @amount, @entryPrice, @entryTime, @bestPrice, @exits, @exitKind,
         @exitClientOrderId, @exitReason, @exitAttempts, @exitNextAttemptAt, @now)
       ON CONFLICT (bot, symbol, strategy) DO UPDATE SET side = excluded.side, amount = excluded.amount,
         entry_price = excluded.entry_price, entry_time = excluded.entry_time, best_price = excluded.best_price,
         exits = excluded.exits, exit_kind = excluded.exit_kind, exit_client_order_id = excluded.exit_client_order_id,
         exit_reason = excluded.exit_reason, exit_attempts = excluded.exit_attempts,
         exit_next_attempt_at = excluded.exit_next_attempt_at, updated_at = excluded.updated_at
       RETURNING *`,
    );
    this.#setExit = db.prepare(
      `UPDATE trades SET exit_kind = @exitKind, exit_client_order_id = @exitClientOrderId, exit_reason = @exitReason,
         exit_attempts = @exitAttempts, exit_next_attempt_at = @exitNextAttemptAt, updated_at = @now
       WHERE bot = @bot AND symbol = @symbol AND strategy = @strategy RETURNING *`,
    );
    this.#remove = db.prepare('DELETE FROM trades WHERE bot = ? AND symbol = ? AND strategy = ?');
    this.#get = db.prepare('SELECT * FROM trades WHERE bot = ? AND symbol = ? AND strategy = ?');
    this.#all = db.prepare('SELECT * FROM trades WHERE bot = ? ORDER BY symbol, strategy');
  }

  /** Writes a trade's whole state; call inside a write transaction. */
  save(trade: TradeInput, now: number): TradeRow {
    checkTrade(trade);
    const exit = exitColumns(trade.exit ?? { kind: 'none' }, trade);
    const record = this.#upsert.get({
      bot: this.#bot,
      symbol: trade.symbol,
      strategy: trade.strategy,
      side: trade.side,
      amount: trade.amount,
      entryPrice: trade.entryPrice,
      entryTime: trade.entryTime,
      bestPrice: trade.bestPrice,
      exits: JSON.stringify(trade.exits),
      ...exit,
      now,
    }) as TradeRecord;
    return tradeOf(record);
  }

  /** Sets a trade's exit in flight; call inside a write transaction. Undefined when there is no such trade. */
  setExit(symbol: string, strategy: string, exit: ExitInFlight, now: number): TradeRow | undefined {
    const record = this.#setExit.get({ bot: this.#bot, symbol, strategy, ...exitColumns(exit, { symbol, strategy }), now }) as
      | TradeRecord
      | undefined;
    return record === undefined ? undefined : tradeOf(record);
  }

  /** Forgets a closed trade; true when there was one. */
  remove(symbol: string, strategy: string): boolean {
    return this.#remove.run(this.#bot, symbol, strategy).changes > 0;
  }

  get(symbol: string, strategy: string): TradeRow | undefined {
    const record = this.#get.get(this.#bot, symbol, strategy) as TradeRecord | undefined;
    return record === undefined ? undefined : tradeOf(record);
  }

  /** Every open trade of the bot, by symbol then strategy. */
  all(): TradeRow[] {
    return (this.#all.all(this.#bot) as TradeRecord[]).map(tradeOf);
  }
}
