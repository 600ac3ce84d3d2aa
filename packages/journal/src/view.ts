import type { EventQuery } from './events.js';
import type { EventRow, FillRow, IntentRow, LockOwner, NetPosition, RunRow, TradeRow } from './types.js';

/** A page of rows by sequence number. */
export interface SeqQuery {
  /** Only rows after this sequence number (default 0: from the first). */
  readonly afterSeq?: number;
  /** At most this many (default 1000). */
  readonly limit?: number;
}

/**
 * What can be read from a journal: the queries of the recovery step and of `bt report`. A
 * {@link SqliteJournal} is one; {@link SqliteJournal.openReadOnly} gives one that takes no lock.
 * Every query is of the one bot the journal was opened for.
 */
export interface JournalView {
  /** The journal file. */
  readonly file: string;
  /** The bot whose records this reads. */
  readonly botName: string;
  /** The bot's client order id prefix; undefined when the bot never opened this file for writing. */
  readonly clientIdPrefix: string | undefined;

  /** The bot's runs, oldest first. */
  runs(): RunRow[];
  /** Who holds the bot's lock, if anyone. */
  lockOwner(): LockOwner | undefined;

  /** The intent of a client order id, if it is the bot's. */
  intent(clientOrderId: string): IntentRow | undefined;
  /** The intent the venue knows as `venueOrderId`, if it is the bot's. */
  intentByVenueOrderId(venueOrderId: string): IntentRow | undefined;
  /** Every intent not in a final status (`intent`, `sent`, `unknown`, `open`, `partially-filled`), by sequence: what recovery must settle. */
  openIntents(): IntentRow[];
  /** The bot's intents, by sequence. */
  intents(query?: SeqQuery): IntentRow[];

  /** The fills of a client order id, in recording order. */
  fillsOf(clientOrderId: string): FillRow[];
  /** The bot's fills, in recording order. */
  fills(query?: SeqQuery): FillRow[];
  /**
   * The bot's net position per symbol: the net of its own journaled fills (bought minus sold,
   * base units), never the account's balance. Symbols with fills only, by symbol.
   */
  netPositions(options?: { readonly strategy?: string }): NetPosition[];
  /** The bot's net position in `symbol` from its own fills (0 without fills). */
  netPosition(symbol: string, options?: { readonly strategy?: string }): number;
  /** Venue time of the bot's latest fill (in `symbol`, if given); undefined without fills. */
  lastFillTime(symbol?: string): number | undefined;

  /** The trade manager's state of every open position, by symbol then strategy. */
  openTrades(): TradeRow[];
  /** The trade manager's state of one position, if open. */
  trade(symbol: string, strategy: string): TradeRow | undefined;

  /** The bot's event log, oldest first. */
  events(query?: EventQuery): EventRow[];

  /** Closes the file (and, for a writer, ends the run and releases the lock). Calling it again does nothing. */
  close(): void;
}
