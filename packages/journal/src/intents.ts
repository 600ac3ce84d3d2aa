import type { Order, OrderRequest, OrderSide, OrderSource, OrderType, TimeInForce } from '@bt/core';
import { formatClientOrderId, symbolTag } from './client-order-id.js';
import type { Db, Statement } from './db.js';
import { JournalError } from './errors.js';
import { type IntentStatus, isFinalStatus, transition } from './lifecycle.js';
import type { IntentInput, IntentRow, IntentUpdate } from './types.js';

interface IntentRecord {
  client_order_id: string;
  bot: string;
  seq: number;
  run_id: number;
  strategy: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  amount: number;
  price: number | null;
  stop_price: number | null;
  time_in_force: TimeInForce;
  reduce_only: number;
  tag: string | null;
  source: OrderSource;
  reason: string | null;
  venue_order_id: string | null;
  status: IntentStatus;
  filled: number;
  average_price: number | null;
  created_at: number;
  sent_at: number | null;
  acked_at: number | null;
  updated_at: number;
  final_at: number | null;
  last_error: string | null;
}

function intentOf(r: IntentRecord): IntentRow {
  const row: Record<string, unknown> = {
    clientOrderId: r.client_order_id,
    seq: r.seq,
    runId: r.run_id,
    strategy: r.strategy,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    amount: r.amount,
    timeInForce: r.time_in_force,
    reduceOnly: r.reduce_only === 1,
    source: r.source,
    status: r.status,
    filled: r.filled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  const optional: [string, unknown][] = [
    ['price', r.price],
    ['stopPrice', r.stop_price],
    ['tag', r.tag],
    ['reason', r.reason],
    ['venueOrderId', r.venue_order_id],
    ['averagePrice', r.average_price],
    ['sentAt', r.sent_at],
    ['ackedAt', r.acked_at],
    ['finalAt', r.final_at],
    ['lastError', r.last_error],
  ];
  for (const [key, value] of optional) if (value !== null) row[key] = value;
  return row as unknown as IntentRow;
}

function invalid(message: string, details: Record<string, unknown> = {}): JournalError {
  return new JournalError('INVALID_INPUT', message, { details });
}

function positive(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw invalid(`intent ${field} must be a positive finite number, got ${value}`, { field, value });
  }
}

/** Refuses an intent that cannot be an order. */
export function checkIntent(input: IntentInput): void {
  for (const field of ['strategy', 'symbol'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0)
      throw invalid(`intent ${field} must be a non-empty string`, { field });
  }
  if (input.side !== 'buy' && input.side !== 'sell') throw invalid(`intent side must be buy or sell, got ${String(input.side)}`);
  if (!['market', 'limit', 'stop', 'stop-limit'].includes(input.type)) throw invalid(`intent type ${String(input.type)} is unknown`);
  if (input.amount === undefined) throw invalid('intent amount is required');
  positive(input.amount, 'amount');
  positive(input.price, 'price');
  positive(input.stopPrice, 'stopPrice');
  if ((input.type === 'limit' || input.type === 'stop-limit') && input.price === undefined) {
    throw invalid(`a ${input.type} intent needs a price`);
  }
  if ((input.type === 'stop' || input.type === 'stop-limit') && input.stopPrice === undefined) {
    throw invalid(`a ${input.type} intent needs a stopPrice`);
  }
  if (input.timeInForce !== undefined && input.timeInForce !== 'GTC' && input.timeInForce !== 'IOC') {
    throw invalid(`intent timeInForce must be GTC or IOC, got ${String(input.timeInForce)}`);
  }
  if (input.source !== undefined && input.source !== 'strategy' && input.source !== 'trade-manager') {
    throw invalid(`intent source must be strategy or trade-manager, got ${String(input.source)}`);
  }
}

/** The order to send for an intent: its request, with the journal's client order id and tag. */
export function requestOf(intent: IntentRow): OrderRequest {
  return {
    symbol: intent.symbol,
    side: intent.side,
    type: intent.type,
    amount: intent.amount,
    ...(intent.price === undefined ? {} : { price: intent.price }),
    ...(intent.stopPrice === undefined ? {} : { stopPrice: intent.stopPrice }),
    timeInForce: intent.timeInForce,
    reduceOnly: intent.reduceOnly,
    clientOrderId: intent.clientOrderId,
    ...(intent.tag === undefined ? {} : { tag: intent.tag }),
  };
}

const VENUE_OUTCOMES: readonly IntentStatus[] = ['open', 'partially-filled', 'filled', 'canceled', 'rejected', 'expired'];

/** A lifecycle change as {@link IntentStore.update} made it. */
export interface IntentChange {
  readonly from: IntentStatus;
  readonly row: IntentRow;
}

/** The intents of one bot: the write-ahead record and its lifecycle. Statements are prepared once. */
export class IntentStore {
  readonly #file: string;
  readonly #bot: string;
  readonly #nextSeq: Statement;
  readonly #bump: Statement;
  readonly #insert: Statement;
  readonly #get: Statement;
  readonly #byVenueId: Statement;
  readonly #update: Statement;
  readonly #open: Statement;
  readonly #all: Statement;

  constructor(db: Db, file: string, botName: string) {
    this.#file = file;
    this.#bot = botName;
    this.#nextSeq = db.prepare('UPDATE bots SET next_seq = next_seq + 1 WHERE name = ? RETURNING next_seq - 1 AS seq');
    this.#bump = db.prepare('UPDATE bots SET next_seq = max(next_seq, ?) WHERE name = ?');
    this.#insert = db.prepare(
      `INSERT INTO intents (client_order_id, bot, seq, run_id, strategy, symbol, side, type, amount, price, stop_price,
         time_in_force, reduce_only, tag, source, reason, status, filled, created_at, updated_at)
       VALUES (@clientOrderId, @bot, @seq, @runId, @strategy, @symbol, @side, @type, @amount, @price, @stopPrice,
         @timeInForce, @reduceOnly, @tag, @source, @reason, 'intent', 0, @now, @now)
       RETURNING *`,
    );
    this.#get = db.prepare('SELECT * FROM intents WHERE client_order_id = ? AND bot = ?');
    this.#byVenueId = db.prepare('SELECT * FROM intents WHERE bot = ? AND venue_order_id = ? ORDER BY seq');
    this.#update = db.prepare(
      `UPDATE intents SET status = @status, venue_order_id = @venueOrderId, filled = @filled, average_price = @averagePrice,
         sent_at = @sentAt, acked_at = @ackedAt, final_at = @finalAt, last_error = @lastError, updated_at = @now
       WHERE client_order_id = @clientOrderId RETURNING *`,
    );
    this.#open = db.prepare(
      `SELECT * FROM intents WHERE bot = ? AND status NOT IN ('filled', 'canceled', 'rejected', 'expired', 'absent') ORDER BY seq`,
    );
    this.#all = db.prepare('SELECT * FROM intents WHERE bot = ? AND seq > ? ORDER BY seq LIMIT ?');
  }

  /**
   * The next client order id of the bot: takes the next number of the sequence kept in the
   * journal. Run inside the transaction that records the intent, so that an id is never given twice.
   */
  nextClientOrderId(prefix: string, symbol: string): { clientOrderId: string; seq: number } {
    const next = this.#nextSeq.get(this.#bot) as { seq: number } | undefined;
    if (next === undefined) throw new JournalError('SQLITE', `bot ${this.#bot} is not registered in journal ${this.#file}`);
    return { clientOrderId: formatClientOrderId({ prefix, symbolTag: symbolTag(symbol), seq: next.seq }), seq: next.seq };
  }

  /**
   * Records an order found at the venue under one of the bot's client order ids with no row (an
   * orphan), keeping its id: the sequence first moves past the id's number, so no later id
   * repeats it. Call inside a write transaction; then set its status with {@link IntentStore.update}.
   */
  adopt(order: Order, idSeq: number, runId: number, now: number): IntentRow {
    this.#bump.run(idSeq + 1, this.#bot);
    const { seq } = this.nextClientOrderId('x', order.symbol);
    const input: IntentInput = {
      strategy: order.tag ?? 'orphan',
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      amount: order.amount,
      ...(order.price === undefined ? {} : { price: order.price }),
      ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
      timeInForce: order.timeInForce,
      reduceOnly: order.reduceOnly,
      reason: "adopted: open at the venue with this bot's client order id prefix and no journal row",
    };
    checkIntent(input);
    return intentOf(this.#insert.get(this.#params(input, order.clientOrderId as string, seq, runId, now)) as IntentRecord);
  }

  /** Records an intent with the next client order id; call inside a write transaction. */
  insert(input: IntentInput, prefix: string, runId: number, now: number): IntentRow {
    checkIntent(input);
    const { clientOrderId, seq } = this.nextClientOrderId(prefix, input.symbol);
    return intentOf(this.#insert.get(this.#params(input, clientOrderId, seq, runId, now)) as IntentRecord);
  }

  #params(input: IntentInput, clientOrderId: string, seq: number, runId: number, now: number): Record<string, unknown> {
    return {
      clientOrderId,
      bot: this.#bot,
      seq,
      runId,
      strategy: input.strategy,
      symbol: input.symbol,
      side: input.side,
      type: input.type,
      amount: input.amount,
      price: input.price ?? null,
      stopPrice: input.stopPrice ?? null,
      timeInForce: input.timeInForce ?? 'GTC',
      reduceOnly: input.reduceOnly === true ? 1 : 0,
      tag: input.tag ?? input.strategy,
      source: input.source ?? 'strategy',
      reason: input.reason ?? null,
      now,
    };
  }

  get(clientOrderId: string): IntentRow | undefined {
    const record = this.#get.get(clientOrderId, this.#bot) as IntentRecord | undefined;
    return record === undefined ? undefined : intentOf(record);
  }

  /** The intent of the bot with `venueOrderId` (the latest, should a venue reuse ids). */
  byVenueId(venueOrderId: string): IntentRow | undefined {
    const records = this.#byVenueId.all(this.#bot, venueOrderId) as IntentRecord[];
    const record = records[records.length - 1];
    return record === undefined ? undefined : intentOf(record);
  }

  /** The intent of `venueOrderId`, or an `UNKNOWN_ORDER` error. */
  requireByVenueId(venueOrderId: string): IntentRow {
    const intent = this.byVenueId(venueOrderId);
    if (intent === undefined) {
      throw new JournalError('UNKNOWN_ORDER', `bot ${this.#bot} has no intent of venue order ${venueOrderId}`, {
        details: { venueOrderId, file: this.#file },
      });
    }
    return intent;
  }

  /** The intent, or an `UNKNOWN_ORDER` error. */
  require(clientOrderId: string): IntentRow {
    const intent = this.get(clientOrderId);
    if (intent === undefined) {
      throw new JournalError('UNKNOWN_ORDER', `bot ${this.#bot} has no intent ${clientOrderId} in journal ${this.#file}`, {
        details: { clientOrderId, file: this.#file },
      });
    }
    return intent;
  }

  /** Moves an intent through {@link transition}; call inside a write transaction. */
  update(clientOrderId: string, update: IntentUpdate, now: number): IntentChange {
    const current = this.require(clientOrderId);
    const status = transition(current.status, update.status, clientOrderId);
    if (update.venueOrderId !== undefined && current.venueOrderId !== undefined && update.venueOrderId !== current.venueOrderId) {
      throw invalid(`intent ${clientOrderId} has venue order id ${current.venueOrderId}; an update says ${update.venueOrderId}`, {
        clientOrderId,
        venueOrderId: current.venueOrderId,
        given: update.venueOrderId,
      });
    }
    if (update.filled !== undefined && !(Number.isFinite(update.filled) && update.filled >= 0)) {
      throw invalid(`filled must be a finite number >= 0, got ${update.filled}`, { clientOrderId });
    }
    positive(update.averagePrice, 'averagePrice');
    const reported = update.filled ?? (status === 'filled' ? current.amount : current.filled);
    // A smaller filled amount than the one recorded is a stale report: keep the larger one and its price.
    const newer = reported >= current.filled;
    const record = this.#update.get({
      clientOrderId,
      status,
      venueOrderId: update.venueOrderId ?? current.venueOrderId ?? null,
      filled: newer ? reported : current.filled,
      averagePrice: (newer ? update.averagePrice : undefined) ?? current.averagePrice ?? null,
      sentAt: current.sentAt ?? (status === 'sent' ? now : null),
      ackedAt: current.ackedAt ?? (VENUE_OUTCOMES.includes(status) ? now : null),
      finalAt: current.finalAt ?? (isFinalStatus(status) ? now : null),
      lastError: update.error ?? current.lastError ?? null,
      now,
    }) as IntentRecord;
    return { from: current.status, row: intentOf(record) };
  }

  /** Every intent of the bot not in a final status, by sequence. */
  open(): IntentRow[] {
    return (this.#open.all(this.#bot) as IntentRecord[]).map(intentOf);
  }

  /** The bot's intents after sequence `afterSeq`, by sequence, at most `limit`. */
  list(afterSeq: number, limit: number): IntentRow[] {
    return (this.#all.all(this.#bot, afterSeq, limit) as IntentRecord[]).map(intentOf);
  }
}
