import type { Clock, Fill, Order, OrderAck } from '@bt/core';
import { type Db, guarded, writeTransaction } from './db.js';
import { JournalError } from './errors.js';
import { type EventQuery, EventLog } from './events.js';
import { FillStore } from './fills.js';
import { IntentStore } from './intents.js';
import { checkLock, readLock } from './lock.js';
import { breakLock, type JournalLocation, type JournalOptions, openForReading, openForWriting } from './open.js';
import { botPrefix, endRun, listRuns } from './runs.js';
import { exitColumns, TradeStore } from './trades.js';
import type {
  EventRow,
  ExitInFlight,
  FillRow,
  IntentInput,
  IntentRow,
  IntentUpdate,
  LockOwner,
  NetPosition,
  OpenReport,
  RecordFillOptions,
  RecordFillResult,
  RunRow,
  TradeInput,
  TradeRow,
} from './types.js';
import { ackUpdate, orderUpdate } from './venue-updates.js';
import type { JournalView, SeqQuery } from './view.js';
import type { Parts, Writer } from './journal-parts.js';

/**
 * The durable journal of one bot on one account, in one SQLite file: runs, order intents and
 * their lifecycle, fills, the trade manager's state and an append-only event log. Every write
 * is one transaction, on disk (WAL, `synchronous=FULL`) when the call returns; one instance per
 * bot holds the file's lock for that bot. All methods are synchronous.
 *
 * @example
 * ```ts
 * const journal = SqliteJournal.open({ file: 'bot.journal', botName: 'grid', clock: new LiveClock() });
 * const intent = journal.recordIntent({ strategy: 'grid', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 });
 * const ack = await broker.submitOrder(requestOf(journal.markSent(intent.clientOrderId)));
 * journal.recordAck(intent.clientOrderId, ack);
 * ```
 */
export class SqliteJournal implements JournalView {
  readonly #parts: Parts;
  readonly #writer: Writer | undefined;
  #closed = false;

  private constructor(parts: Parts, writer: Writer | undefined) {
    this.#parts = parts;
    this.#writer = writer;
  }

  /**
   * Opens (creating and migrating as needed) the journal `file` for bot `botName`, takes the
   * bot's lock and starts a run. Throws a {@link JournalError}: `LOCKED` when another live
   * instance holds the lock (naming its pid and the file), `SCHEMA_TOO_NEW` for a file written
   * by a newer @bt/journal, `NOT_A_JOURNAL` for another kind of file. A lock whose process is
   * dead on this host is taken over, and {@link SqliteJournal.opened} says so.
   */
  static open(options: JournalOptions): SqliteJournal {
    const now = Math.round(options.clock.now());
    const opened = openForWriting(
      options,
      { mode: options.mode ?? 'live', ...(options.configHash === undefined ? {} : { configHash: options.configHash }) },
      options.clientIdPrefix,
      now,
    );
    const parts = SqliteJournal.#partsOf(opened.db, options);
    return new SqliteJournal(parts, {
      clock: options.clock,
      prefix: opened.prefix,
      token: opened.token,
      run: opened.run,
      report: opened.report,
    });
  }

  /** Opens an existing journal to read it (`bt report`): takes no lock, starts no run, writes nothing. */
  static openReadOnly(location: JournalLocation): JournalView {
    return new SqliteJournal(SqliteJournal.#partsOf(openForReading(location), location), undefined);
  }

  /**
   * Removes the bot's lock whoever holds it, for an operator who knows its holder is gone (a
   * lock of another host is never taken over by {@link SqliteJournal.open}). Returns the removed owner.
   */
  static breakLock(location: JournalLocation & { readonly clock: Pick<Clock, 'now'> }): LockOwner | undefined {
    return breakLock(location, Math.round(location.clock.now()));
  }

  static #partsOf(db: Db, location: JournalLocation): Parts {
    const { file, botName } = location;
    try {
      return guarded(file, () => ({
        db,
        file,
        botName,
        intents: new IntentStore(db, file, botName),
        fills: new FillStore(db, botName),
        trades: new TradeStore(db, botName),
        events: new EventLog(db, botName),
      }));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get file(): string {
    return this.#parts.file;
  }

  get botName(): string {
    return this.#parts.botName;
  }

  get clientIdPrefix(): string | undefined {
    return this.#writer?.prefix ?? this.#read(() => botPrefix(this.#parts.db, this.#parts.botName));
  }

  /** This instance's run. */
  get run(): RunRow {
    return this.#need().run;
  }

  /** What the open found: schema versions, a lock taken over from a dead owner, runs that had crashed. */
  get opened(): OpenReport {
    return this.#need().report;
  }

  /**
   * Write-ahead: records an order the bot means to send, under the next client order id of the
   * bot's sequence (`<prefix>-<symbolTag>-<seq>`), committed before it returns. Send it after.
   */
  recordIntent(input: IntentInput): IntentRow {
    return this.#write((now, w) => this.#parts.intents.insert(input, w.prefix, w.run.id, now));
  }

  /** Records that the intent is being handed to the venue (`intent` or `unknown` → `sent`). */
  markSent(clientOrderId: string): IntentRow {
    return this.updateIntent(clientOrderId, { status: 'sent' });
  }

  /** Records the venue's answer to the submission: its status and order id, or a rejection with its reason. */
  recordAck(clientOrderId: string, ack: OrderAck): IntentRow {
    return this.updateIntent(clientOrderId, ackUpdate(clientOrderId, ack));
  }

  /** Records that the submission's outcome is unknown (a timeout, a network error): recovery must ask the venue. */
  markUnknown(clientOrderId: string, error: string): IntentRow {
    return this.updateIntent(clientOrderId, { status: 'unknown', error });
  }

  /** Records that the venue proved not to have the order (from `intent`, `sent` or `unknown`). */
  markAbsent(clientOrderId: string, reason = 'not at the venue'): IntentRow {
    return this.updateIntent(clientOrderId, { status: 'absent', error: reason });
  }

  /**
   * Records the venue's view of one of the bot's orders (an update or a poll): its status (`open`
   * with fills counts as `partially-filled`), filled amount and average price. Throws
   * `UNKNOWN_ORDER` for an order that is not the bot's, `ILLEGAL_TRANSITION` for a report
   * older than what is journaled.
   */
  recordOrder(order: Order): IntentRow {
    return this.#write((now, w) => {
      const intent =
        order.clientOrderId !== undefined
          ? this.#parts.intents.require(order.clientOrderId)
          : this.#parts.intents.requireByVenueId(order.id);
      return this.#update(intent.clientOrderId, orderUpdate(order), now, w);
    });
  }

  /**
   * Adopts an order found at the venue under one of the bot's client order ids with no row (an
   * orphan): records it with that id and the venue's status, and logs `intent.adopted`.
   */
  adoptOrder(order: Order & { readonly clientOrderId: string }, idSeq: number): IntentRow {
    return this.#write((now, w) => {
      const row = this.#parts.intents.adopt(order, idSeq, w.run.id, now);
      this.#parts.events.append('intent.adopted', { clientOrderId: row.clientOrderId, venueOrderId: order.id }, w.run.id, now);
      return this.#update(row.clientOrderId, orderUpdate(order), now, w);
    });
  }

  /** Moves an intent to `update.status` through the lifecycle's one transition function, with what came with it. */
  updateIntent(clientOrderId: string, update: IntentUpdate): IntentRow {
    return this.#write((now, w) => this.#update(clientOrderId, update, now, w));
  }

  intent(clientOrderId: string): IntentRow | undefined {
    return this.#read(() => this.#parts.intents.get(clientOrderId));
  }

  intentByVenueOrderId(venueOrderId: string): IntentRow | undefined {
    return this.#read(() => this.#parts.intents.byVenueId(venueOrderId));
  }

  openIntents(): IntentRow[] {
    return this.#read(() => this.#parts.intents.open());
  }

  intents(query: SeqQuery = {}): IntentRow[] {
    return this.#read(() => this.#parts.intents.list(query.afterSeq ?? 0, query.limit ?? 1000));
  }

  /**
   * Journals a fill of one of the bot's orders (found by client order id, else by venue order
   * id). A fill already journaled — same trade id, venue order id and client order id (and
   * symbol) — is not added twice: `inserted` is then false. Throws `UNKNOWN_ORDER` for a fill
   * of an order that is not the bot's.
   */
  recordFill(fill: Fill, options?: RecordFillOptions): RecordFillResult {
    return this.#write((now, w) => {
      const intent =
        fill.clientOrderId !== undefined
          ? this.#parts.intents.require(fill.clientOrderId)
          : this.#parts.intents.requireByVenueId(fill.orderId);
      const result = this.#parts.fills.record(fill, intent, w.run.id, now, options);
      if (result.inserted && intent.status === 'absent') {
        // The venue's fill is the fact: keep it, and say that the intent was wrongly proven absent.
        this.#parts.events.append(
          'anomaly.fill-of-absent-intent',
          { clientOrderId: intent.clientOrderId, tradeId: fill.id },
          w.run.id,
          now,
        );
      }
      return result;
    });
  }

  /** Fills recovery recorded that no strategy was handed yet, in time order. */
  pendingFills(): FillRow[] {
    return this.#read(() => this.#parts.fills.pending());
  }

  /** Records that fill `seq` was handed to the strategies; true when it was pending. */
  markFillDelivered(seq: number): boolean {
    return this.#write(() => this.#parts.fills.markDelivered(seq));
  }

  fillsOf(clientOrderId: string): FillRow[] {
    return this.#read(() => this.#parts.fills.ofOrder(clientOrderId));
  }

  fills(query: SeqQuery = {}): FillRow[] {
    return this.#read(() => this.#parts.fills.list(query.afterSeq ?? 0, query.limit ?? 1000));
  }

  netPositions(options: { readonly strategy?: string } = {}): NetPosition[] {
    return this.#read(() => this.#parts.fills.net(options.strategy));
  }

  netPosition(symbol: string, options: { readonly strategy?: string } = {}): number {
    return this.netPositions(options).find((p) => p.symbol === symbol)?.amount ?? 0;
  }

  lastFillTime(symbol?: string): number | undefined {
    return this.#read(() => this.#parts.fills.lastTime(symbol));
  }

  /** Writes the trade manager's whole state of one position (created or replaced). */
  saveTrade(trade: TradeInput): TradeRow {
    return this.#write((now) => {
      if (trade.exit !== undefined) this.#exitIntent(trade.exit, trade);
      return this.#parts.trades.save(trade, now);
    });
  }

  /** Sets the exit in flight of an open trade; `UNKNOWN_ORDER` when its client order id is not one of the bot's intents. */
  setTradeExit(symbol: string, strategy: string, exit: ExitInFlight): TradeRow {
    return this.#write((now) => {
      this.#exitIntent(exit, { symbol, strategy });
      const row = this.#parts.trades.setExit(symbol, strategy, exit, now);
      if (row === undefined) {
        throw new JournalError('INVALID_INPUT', `no open trade of ${strategy} in ${symbol} to set an exit on`, {
          details: { symbol, strategy },
        });
      }
      return row;
    });
  }

  /** Forgets a trade that closed; true when there was one. */
  removeTrade(symbol: string, strategy: string): boolean {
    return this.#write(() => this.#parts.trades.remove(symbol, strategy));
  }

  openTrades(): TradeRow[] {
    return this.#read(() => this.#parts.trades.all());
  }

  trade(symbol: string, strategy: string): TradeRow | undefined {
    return this.#read(() => this.#parts.trades.get(symbol, strategy));
  }

  /** Appends an event to the bot's log; `payload` must be JSON data. */
  appendEvent(kind: string, payload: unknown): EventRow {
    return this.#write((now, w) => this.#parts.events.append(kind, payload, w.run.id, now));
  }

  events(query: EventQuery = {}): EventRow[] {
    return this.#read(() => this.#parts.events.list(query));
  }

  runs(): RunRow[] {
    return this.#read(() => listRuns(this.#parts.db, this.#parts.botName));
  }

  lockOwner(): LockOwner | undefined {
    return this.#read(() => readLock(this.#parts.db, this.#parts.botName));
  }

  /**
   * Runs `fn` (synchronous) as one transaction: the journal writes it makes commit together, or
   * not at all if it throws. E.g. an exit's intent and the trade's `submitting` state.
   */
  transaction<T>(fn: () => T): T {
    return this.#write(() => fn());
  }

  /** Proves this instance alive: updates its lock's heartbeat. Throws `LOCK_LOST` when another process took the lock. */
  heartbeat(): LockOwner {
    return this.#write((now, w) => {
      this.#parts.db.prepare('UPDATE locks SET heartbeat_at = ? WHERE bot = ? AND token = ?').run(now, this.#parts.botName, w.token);
      return readLock(this.#parts.db, this.#parts.botName) as LockOwner;
    });
  }

  /** Ends the run (with `reason`), releases the lock and closes the file. Calling it again does nothing. */
  close(reason?: string): void {
    if (this.#closed) return;
    try {
      if (this.#writer !== undefined) {
        this.#write((now, w) => {
          endRun(this.#parts.db, w.run.id, now, reason);
          this.#parts.events.append('run.ended', { runId: w.run.id, ...(reason === undefined ? {} : { reason }) }, w.run.id, now);
          this.#parts.db.prepare('DELETE FROM locks WHERE bot = ? AND token = ?').run(this.#parts.botName, w.token);
        });
      }
    } finally {
      this.#closed = true;
      this.#parts.db.close();
    }
  }

  #need(): Writer {
    if (this.#writer === undefined) throw new JournalError('CLOSED', `journal ${this.#parts.file} was opened read-only`);
    return this.#writer;
  }

  /** The one update path of intents: the transition, then an event when the status changed. */
  #update(clientOrderId: string, update: IntentUpdate, now: number, w: Writer): IntentRow {
    const { from, row } = this.#parts.intents.update(clientOrderId, update, now);
    if (from !== row.status) this.#parts.events.append('intent.status', { clientOrderId, from, to: row.status }, w.run.id, now);
    return row;
  }

  /** Checks an exit in flight, and that its client order id is one of the bot's intents. */
  #exitIntent(exit: ExitInFlight, trade: { symbol: string; strategy: string }): void {
    exitColumns(exit, trade);
    if (exit.kind !== 'none') this.#parts.intents.require(exit.clientOrderId);
  }

  #read<T>(fn: () => T): T {
    if (this.#closed) throw new JournalError('CLOSED', `journal ${this.#parts.file} is closed`);
    return guarded(this.#parts.file, fn);
  }

  /** Runs `fn` as one write transaction that first checks this instance still holds the lock. */
  #write<T>(fn: (now: number, writer: Writer) => T): T {
    const writer = this.#need();
    if (this.#closed) throw new JournalError('CLOSED', `journal ${this.#parts.file} is closed`);
    return writeTransaction(this.#parts.db, this.#parts.file, () => {
      checkLock(this.#parts.db, this.#parts.file, this.#parts.botName, writer.token);
      return fn(Math.round(writer.clock.now()), writer);
    });
  }
}
