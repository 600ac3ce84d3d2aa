import Database from 'better-sqlite3';
import { JournalError, toJournalError } from './errors.js';

/** A better-sqlite3 connection. */
export type Db = Database.Database;

/** A prepared statement. */
export type Statement = Database.Statement;

/** How long a write waits for another process's write to finish before failing with `BUSY` (ms). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** How a journal file is opened. */
export interface ConnectionOptions {
  readonly readOnly: boolean;
  readonly busyTimeoutMs: number;
}

/**
 * Opens `file` for the journal: WAL mode with `synchronous=FULL`, so that a commit is on disk
 * when the call that made it returns, and foreign keys on. A read-only open needs an existing
 * file and changes nothing.
 */
export function openConnection(file: string, options: ConnectionOptions): Db {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: options.readOnly, fileMustExist: options.readOnly, timeout: options.busyTimeoutMs });
    if (!options.readOnly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new JournalError('SQLITE', `journal ${file}: could not enter WAL mode (journal_mode is ${String(mode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db?.close();
    throw toJournalError(error, file);
  }
}

/**
 * Runs `fn` as one write transaction, begun IMMEDIATE (so it takes the write lock at once, and
 * never fails half-way to upgrade a read lock), committed before this returns. Inside another
 * transaction it runs as a savepoint of it. `fn` must be synchronous.
 */
export function writeTransaction<T>(db: Db, file: string, fn: () => T): T {
  try {
    const run = db.transaction(() => {
      const result = fn();
      if (result instanceof Promise) {
        // Thrown inside the transaction, so that it rolls back.
        throw new JournalError('INVALID_INPUT', 'a journal transaction must be synchronous: its function returned a promise');
      }
      return result;
    });
    return db.inTransaction ? run() : run.immediate();
  } catch (error) {
    throw toJournalError(error, file);
  }
}

/** Runs `fn`, turning what SQLite throws into a {@link JournalError}. */
export function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toJournalError(error, file);
  }
}
