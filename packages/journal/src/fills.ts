import type { Fill, OrderSide } from '@bt/core';
import type { Db, Statement } from './db.js';
import { JournalError } from './errors.js';
import type { FillOrigin, FillRow, IntentRow, NetPosition, RecordFillOptions, RecordFillResult } from './types.js';

interface FillRecord {
  seq: number;
  bot: string;
  run_id: number;
  trade_id: string;
  venue_order_id: string;
  client_order_id: string;
  strategy: string;
  symbol: string;
  side: OrderSide;
  price: number;
  amount: number;
  fee: number;
  fee_currency: string;
  maker: number;
  time: number;
  recorded_at: number;
  origin: FillOrigin;
  pending_delivery: number;
}

function fillOf(r: FillRecord): FillRow {
  return {
    seq: r.seq,
    tradeId: r.trade_id,
    venueOrderId: r.venue_order_id,
    clientOrderId: r.client_order_id,
    strategy: r.strategy,
    runId: r.run_id,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amount: r.amount,
    fee: r.fee,
    feeCurrency: r.fee_currency,
    maker: r.maker === 1,
    time: r.time,
    recordedAt: r.recorded_at,
    origin: r.origin,
    pendingDelivery: r.pending_delivery === 1,
  };
}

function invalid(message: string, fill: Fill): JournalError {
  return new JournalError('INVALID_INPUT', message, {
    details: { tradeId: fill.id, orderId: fill.orderId, clientOrderId: fill.clientOrderId },
  });
}

/** Refuses a fill that cannot be the fill of `intent`. */
function checkFill(fill: Fill, intent: IntentRow): void {
  for (const field of ['id', 'orderId', 'feeCurrency'] as const) {
    if (typeof fill[field] !== 'string' || (field !== 'feeCurrency' && fill[field].length === 0)) {
      throw invalid(`fill ${field} must be a${field === 'feeCurrency' ? '' : ' non-empty'} string`, fill);
    }
  }
  for (const field of ['amount', 'price'] as const) {
    if (!(Number.isFinite(fill[field]) && fill[field] > 0))
      throw invalid(`fill ${field} must be a positive finite number, got ${fill[field]}`, fill);
  }
  if (!Number.isFinite(fill.fee)) throw invalid(`fill fee must be a finite number, got ${fill.fee}`, fill);
  if (!Number.isSafeInteger(fill.timestamp)) throw invalid(`fill timestamp must be integer milliseconds, got ${fill.timestamp}`, fill);
  if (fill.symbol !== intent.symbol || fill.side !== intent.side) {
    throw invalid(
      `fill ${fill.id} is a ${fill.side} of ${fill.symbol}, but intent ${intent.clientOrderId} is a ${intent.side} of ${intent.symbol}`,
      fill,
    );
  }
  if (intent.venueOrderId !== undefined && fill.orderId !== intent.venueOrderId) {
    throw invalid(
      `fill ${fill.id} is of venue order ${fill.orderId}, but intent ${intent.clientOrderId} is venue order ${intent.venueOrderId}`,
      fill,
    );
  }
}

/** The fills of one bot, de-duplicated by (symbol, trade id, venue order id, client order id). */
export class FillStore {
  readonly #bot: string;
  readonly #insert: Statement;
  readonly #identity: Statement;
  readonly #ofOrder: Statement;
  readonly #all: Statement;
  readonly #net: Statement;
  readonly #lastTime: Statement;
  readonly #pending: Statement;
  readonly #delivered: Statement;

  constructor(db: Db, botName: string) {
    this.#bot = botName;
    this.#insert = db.prepare(
      `INSERT INTO fills (bot, run_id, trade_id, venue_order_id, client_order_id, strategy, symbol, side, price, amount, fee,
         fee_currency, maker, time, recorded_at, origin, pending_delivery)
       VALUES (@bot, @runId, @tradeId, @venueOrderId, @clientOrderId, @strategy, @symbol, @side, @price, @amount, @fee,
         @feeCurrency, @maker, @time, @now, @origin, @pendingDelivery)
       ON CONFLICT (bot, symbol, trade_id, venue_order_id, client_order_id) DO NOTHING
       RETURNING *`,
    );
    this.#identity = db.prepare(
      'SELECT * FROM fills WHERE bot = ? AND symbol = ? AND trade_id = ? AND venue_order_id = ? AND client_order_id = ?',
    );
    this.#ofOrder = db.prepare('SELECT * FROM fills WHERE client_order_id = ? AND bot = ? ORDER BY seq');
    this.#all = db.prepare('SELECT * FROM fills WHERE bot = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.#net = db.prepare(
      `SELECT symbol, TOTAL(CASE side WHEN 'buy' THEN amount END) AS bought, TOTAL(CASE side WHEN 'sell' THEN amount END) AS sold,
         COUNT(*) AS fills, MAX(time) AS lastFillTime
       FROM fills WHERE bot = @bot AND (@strategy IS NULL OR strategy = @strategy) GROUP BY symbol ORDER BY symbol`,
    );
    this.#pending = db.prepare('SELECT * FROM fills WHERE bot = ? AND pending_delivery = 1 ORDER BY time, symbol, seq');
    this.#delivered = db.prepare('UPDATE fills SET pending_delivery = 0 WHERE bot = ? AND seq = ? AND pending_delivery = 1');
    this.#lastTime = db.prepare('SELECT MAX(time) AS time FROM fills WHERE bot = @bot AND (@symbol IS NULL OR symbol = @symbol)');
  }

  /**
   * Journals a fill of `intent`; call inside a write transaction. A fill already journaled (same
   * symbol, trade id, venue order id and client order id) is not added again.
   */
  record(fill: Fill, intent: IntentRow, runId: number, now: number, options: RecordFillOptions = {}): RecordFillResult {
    checkFill(fill, intent);
    const identity = [this.#bot, fill.symbol, fill.id, fill.orderId, intent.clientOrderId];
    const inserted = this.#insert.get({
      bot: this.#bot,
      runId,
      tradeId: fill.id,
      venueOrderId: fill.orderId,
      clientOrderId: intent.clientOrderId,
      strategy: intent.strategy,
      symbol: fill.symbol,
      side: fill.side,
      price: fill.price,
      amount: fill.amount,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency,
      maker: fill.maker === true ? 1 : 0,
      time: fill.timestamp,
      now,
      origin: options.origin ?? 'venue',
      pendingDelivery: options.pendingDelivery === true ? 1 : 0,
    }) as FillRecord | undefined;
    if (inserted !== undefined) return { inserted: true, fill: fillOf(inserted) };
    return { inserted: false, fill: fillOf(this.#identity.get(...identity) as FillRecord) };
  }

  /** The fills of a client order id, in recording order. */
  ofOrder(clientOrderId: string): FillRow[] {
    return (this.#ofOrder.all(clientOrderId, this.#bot) as FillRecord[]).map(fillOf);
  }

  /** The bot's fills after `afterSeq`, at most `limit`. */
  list(afterSeq: number, limit: number): FillRow[] {
    return (this.#all.all(this.#bot, afterSeq, limit) as FillRecord[]).map(fillOf);
  }

  /** Net position per symbol of the bot's own fills (of one strategy, if given), by symbol. */
  net(strategy: string | undefined): NetPosition[] {
    const rows = this.#net.all({ bot: this.#bot, strategy: strategy ?? null }) as Omit<NetPosition, 'amount'>[];
    return rows.map((r) => {
      const amount = r.bought - r.sold;
      // A round trip leaves rounding dust (0.1 + 0.2 - 0.3): below a millionth of a millionth of the volume traded, it is flat.
      return {
        symbol: r.symbol,
        amount: Math.abs(amount) <= 1e-12 * (r.bought + r.sold) ? 0 : amount,
        bought: r.bought,
        sold: r.sold,
        fills: r.fills,
        lastFillTime: r.lastFillTime,
      };
    });
  }

  /** The fills recorded with `pendingDelivery` that no strategy was handed yet, by (time, symbol, seq). */
  pending(): FillRow[] {
    return (this.#pending.all(this.#bot) as FillRecord[]).map(fillOf);
  }

  /** Clears the pending delivery of fill `seq`; true when it was pending. */
  markDelivered(seq: number): boolean {
    return this.#delivered.run(this.#bot, seq).changes > 0;
  }

  /** Time of the bot's latest fill (in `symbol`, if given). */
  lastTime(symbol: string | undefined): number | undefined {
    const row = this.#lastTime.get({ bot: this.#bot, symbol: symbol ?? null }) as { time: number | null };
    return row.time ?? undefined;
  }
}
