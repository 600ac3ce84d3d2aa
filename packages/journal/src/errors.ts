import { BtError, type BtErrorCode, isBtError } from '@bt/core';

/**
 * What went wrong in the journal, finer than core's code. Each kind maps to one
 * {@link BtErrorCode}, so callers that only know core's codes still branch correctly.
 */
export type JournalErrorKind =
  /** The file's schema is newer than this version of @bt/journal knows. */
  | 'SCHEMA_TOO_NEW'
  /** The file's schema is older than the code and the journal was opened read-only, so it cannot be migrated. */
  | 'SCHEMA_TOO_OLD'
  /** The file is not a SQLite database, or is one that is not a @bt journal. */
  | 'NOT_A_JOURNAL'
  /** Another live instance of the same bot holds the journal's lock. */
  | 'LOCKED'
  /** This instance no longer holds its lock (another process broke or took it). */
  | 'LOCK_LOST'
  /** A lifecycle update that the transition function forbids (e.g. `filled` → `open`). */
  | 'ILLEGAL_TRANSITION'
  /** No intent of this bot has that client order id (or venue order id). */
  | 'UNKNOWN_ORDER'
  /** An argument that cannot be journaled (non-positive amount, mismatched fill, bad id...). */
  | 'INVALID_INPUT'
  /** The journal was closed, or opened read-only, and cannot take this call. */
  | 'CLOSED'
  /** SQLite stayed busy (another writer) past the busy timeout: the call may succeed if tried again. */
  | 'BUSY'
  /** Any other SQLite failure (disk full, I/O error, constraint...). */
  | 'SQLITE'
  /** At start, the bot's positions (the net of its own fills) disagree with what the venue holds: it refuses to trade. */
  | 'POSITION_MISMATCH';

const CODE_OF: Readonly<Record<JournalErrorKind, BtErrorCode>> = {
  SCHEMA_TOO_NEW: 'CONFIG',
  SCHEMA_TOO_OLD: 'CONFIG',
  NOT_A_JOURNAL: 'CONFIG',
  LOCKED: 'STATE',
  LOCK_LOST: 'STATE',
  ILLEGAL_TRANSITION: 'STATE',
  UNKNOWN_ORDER: 'ORDER_NOT_FOUND',
  INVALID_INPUT: 'INVALID_ORDER',
  CLOSED: 'STATE',
  BUSY: 'INTERNAL',
  SQLITE: 'INTERNAL',
  POSITION_MISMATCH: 'STATE',
};

/** Options of {@link JournalError}. */
export interface JournalErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The journal's error: a {@link BtError} (code from core, `retryable`) that also says which
 * journal failure it is as `kind`.
 *
 * @example
 * ```ts
 * try { SqliteJournal.open({ file, botName, clock }); }
 * catch (e) { if (isJournalError(e, 'LOCKED')) console.error(e.message, e.details.ownerPid); }
 * ```
 */
export class JournalError extends BtError {
  /** Which journal failure this is. */
  readonly kind: JournalErrorKind;

  constructor(kind: JournalErrorKind, message: string, options: JournalErrorOptions = {}) {
    super(CODE_OF[kind], message, {
      retryable: kind === 'BUSY',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: { kind, ...options.details },
    });
    this.name = 'JournalError';
    this.kind = kind;
  }
}

/**
 * True when `value` is a {@link JournalError}, optionally of the given kind. Like core's
 * `isBtError`, it recognises one made by any copy of @bt/journal (ESM or CommonJS build).
 */
export function isJournalError(value: unknown, kind?: JournalErrorKind): value is JournalError {
  if (!isBtError(value) || value.name !== 'JournalError') return false;
  const own = (value as { kind?: unknown }).kind;
  return typeof own === 'string' && own in CODE_OF && (kind === undefined || own === kind);
}

/** A SQLite error as better-sqlite3 throws it: an Error with a `code` such as `SQLITE_BUSY`. */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Wraps what a SQLite call threw as a {@link JournalError}, keeping a JournalError as it is. */
export function toJournalError(error: unknown, file: string): JournalError {
  if (error instanceof JournalError) return error;
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = { file, sqliteCode: code };
  if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new JournalError('BUSY', `journal ${file} is busy (another writer): ${message}`, { cause: error, details });
  }
  if (code === 'SQLITE_NOTADB') {
    return new JournalError('NOT_A_JOURNAL', `${file} is not a SQLite database: ${message}`, { cause: error, details });
  }
  return new JournalError('SQLITE', `journal ${file}: ${message}`, { cause: error, details });
}
