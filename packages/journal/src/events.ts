import type { Db, Statement } from './db.js';
import { JournalError } from './errors.js';
import type { EventRow } from './types.js';

interface EventRecord {
  seq: number;
  bot: string;
  run_id: number | null;
  time: number;
  kind: string;
  payload: string;
}

function eventOf(r: EventRecord): EventRow {
  return {
    seq: r.seq,
    time: r.time,
    kind: r.kind,
    payload: JSON.parse(r.payload) as unknown,
    ...(r.run_id === null ? {} : { runId: r.run_id }),
  };
}

/** Which events {@link EventLog.list} reads. */
export interface EventQuery {
  /** Only events after this sequence number (default 0: from the start). */
  readonly afterSeq?: number;
  /** Only events of this kind. */
  readonly kind?: string;
  /** At most this many (default 1000). */
  readonly limit?: number;
}

/** The bot's append-only log of events (SQL triggers refuse updates and deletes). */
export class EventLog {
  readonly #bot: string;
  readonly #append: Statement;
  readonly #list: Statement;

  constructor(db: Db, botName: string) {
    this.#bot = botName;
    this.#append = db.prepare('INSERT INTO events (bot, run_id, time, kind, payload) VALUES (?, ?, ?, ?, ?) RETURNING *');
    this.#list = db.prepare(
      'SELECT * FROM events WHERE bot = @bot AND seq > @afterSeq AND (@kind IS NULL OR kind = @kind) ORDER BY seq LIMIT @limit',
    );
  }

  /** Appends an event; `payload` must be JSON (plain data). Call inside a write transaction. */
  append(kind: string, payload: unknown, runId: number | undefined, time: number): EventRow {
    if (typeof kind !== 'string' || kind.length === 0) throw new JournalError('INVALID_INPUT', 'an event needs a kind');
    const json = JSON.stringify(payload ?? null);
    if (json === undefined) throw new JournalError('INVALID_INPUT', `event ${kind}: payload is not JSON data`, { details: { kind } });
    return eventOf(this.#append.get(this.#bot, runId ?? null, time, kind, json) as EventRecord);
  }

  /** The bot's events, oldest first. */
  list(query: EventQuery = {}): EventRow[] {
    const records = this.#list.all({
      bot: this.#bot,
      afterSeq: query.afterSeq ?? 0,
      kind: query.kind ?? null,
      limit: query.limit ?? 1000,
    }) as EventRecord[];
    return records.map(eventOf);
  }
}
