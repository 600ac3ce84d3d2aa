import type { Db } from './db.js';
import { JournalError } from './errors.js';

/** One step of the schema: applied once, in its own transaction, to a file at `version - 1`. */
export interface Migration {
  /** The schema version after it (`PRAGMA user_version`), from 1. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** `PRAGMA application_id` of a journal file: 'btjl'. */
export const APPLICATION_ID = 0x62746a6c;

/**
 * The schema, as an ordered list of migrations (version `i + 1` at index `i`). Never edit one that
 * shipped: append another. Their SQL is literal text, so that changing a constant elsewhere cannot
 * change what an old migration did.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'bots, runs, lock, order intents, fills, event log',
    sql: `
      CREATE TABLE bots (
        name TEXT PRIMARY KEY,
        prefix TEXT NOT NULL UNIQUE,
        next_seq INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1),
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bot TEXT NOT NULL REFERENCES bots(name),
        mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
        config_hash TEXT,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'interrupted')),
        end_reason TEXT
      ) STRICT;
      CREATE INDEX runs_by_bot ON runs (bot, status);

      CREATE TABLE locks (
        bot TEXT PRIMARY KEY REFERENCES bots(name),
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        process_start TEXT,
        host TEXT NOT NULL,
        run_id INTEGER,
        acquired_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE intents (
        client_order_id TEXT PRIMARY KEY,
        bot TEXT NOT NULL REFERENCES bots(name),
        seq INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        strategy TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop-limit')),
        amount REAL NOT NULL CHECK (amount > 0),
        price REAL,
        stop_price REAL,
        time_in_force TEXT NOT NULL CHECK (time_in_force IN ('GTC', 'IOC')),
        reduce_only INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),
        tag TEXT,
        source TEXT NOT NULL CHECK (source IN ('strategy', 'trade-manager')),
        reason TEXT,
        venue_order_id TEXT,
        status TEXT NOT NULL CHECK (
          status IN ('intent', 'sent', 'unknown', 'open', 'partially-filled', 'filled', 'canceled', 'rejected', 'expired', 'absent')
        ),
        filled REAL NOT NULL DEFAULT 0 CHECK (filled >= 0),
        average_price REAL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        acked_at INTEGER,
        updated_at INTEGER NOT NULL,
        final_at INTEGER,
        last_error TEXT,
        UNIQUE (bot, seq)
      ) STRICT;
      CREATE INDEX intents_by_venue_id ON intents (bot, venue_order_id) WHERE venue_order_id IS NOT NULL;

      CREATE TABLE fills (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        bot TEXT NOT NULL REFERENCES bots(name),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        trade_id TEXT NOT NULL,
        venue_order_id TEXT NOT NULL,
        client_order_id TEXT NOT NULL REFERENCES intents(client_order_id),
        strategy TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        price REAL NOT NULL,
        amount REAL NOT NULL CHECK (amount > 0),
        fee REAL NOT NULL,
        fee_currency TEXT NOT NULL,
        maker INTEGER NOT NULL CHECK (maker IN (0, 1)),
        time INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        UNIQUE (bot, symbol, trade_id, venue_order_id, client_order_id)
      ) STRICT;
      CREATE INDEX fills_by_order ON fills (client_order_id);
      CREATE INDEX fills_by_symbol ON fills (bot, symbol);

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        bot TEXT NOT NULL,
        run_id INTEGER,
        time INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL CHECK (json_valid(payload))
      ) STRICT;
      CREATE INDEX events_by_bot ON events (bot, seq);
      CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `,
  },
  {
    version: 2,
    description: "the trade manager's state per position, with the exit in flight as typed state; an index of open intents",
    sql: `
      CREATE TABLE trades (
        bot TEXT NOT NULL REFERENCES bots(name),
        symbol TEXT NOT NULL,
        strategy TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('long', 'short')),
        amount REAL NOT NULL CHECK (amount > 0),
        entry_price REAL NOT NULL,
        entry_time INTEGER NOT NULL,
        best_price REAL NOT NULL,
        exits TEXT NOT NULL CHECK (json_valid(exits)),
        exit_kind TEXT NOT NULL CHECK (exit_kind IN ('none', 'submitting', 'working')),
        exit_client_order_id TEXT REFERENCES intents(client_order_id),
        exit_reason TEXT,
        exit_attempts INTEGER,
        exit_next_attempt_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (bot, symbol, strategy),
        CHECK (
          (exit_kind = 'none' AND exit_client_order_id IS NULL AND exit_reason IS NULL AND exit_attempts IS NULL
            AND exit_next_attempt_at IS NULL)
          OR (exit_kind = 'submitting' AND exit_client_order_id IS NOT NULL AND exit_reason IS NOT NULL
            AND exit_attempts >= 1 AND exit_next_attempt_at IS NOT NULL)
          OR (exit_kind = 'working' AND exit_client_order_id IS NOT NULL AND exit_reason IS NULL AND exit_attempts IS NULL
            AND exit_next_attempt_at IS NULL)
        )
      ) STRICT;
      CREATE INDEX intents_open ON intents (bot, seq) WHERE status NOT IN ('filled', 'canceled', 'rejected', 'expired', 'absent');
    `,
  },
  {
    version: 3,
    description:
      "where a fill came from (the venue, rebuilt from an order's filled amount, or an accepted adjustment), and fills recovery recorded that no strategy was handed yet",
    sql: `
      ALTER TABLE fills ADD COLUMN origin TEXT NOT NULL DEFAULT 'venue' CHECK (origin IN ('venue', 'reconstructed', 'adjustment'));
      ALTER TABLE fills ADD COLUMN pending_delivery INTEGER NOT NULL DEFAULT 0 CHECK (pending_delivery IN (0, 1));
      CREATE INDEX fills_pending_delivery ON fills (bot, time) WHERE pending_delivery = 1;
    `,
  },
];

/** The schema version this code writes: the last migration's. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The file's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a file that is another application's database, or a journal newer than this code. */
function checkFile(db: Db, file: string, known: number): number {
  const version = schemaVersion(db);
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number };
  if (applicationId !== APPLICATION_ID && (applicationId !== 0 || version !== 0 || tables.n > 0)) {
    throw new JournalError('NOT_A_JOURNAL', `${file} is a SQLite database but not a @bt journal (application_id ${applicationId})`, {
      details: { file, applicationId, version },
    });
  }
  if (version > known) {
    throw new JournalError(
      'SCHEMA_TOO_NEW',
      `journal ${file} has schema version ${version}, newer than the ${known} this @bt/journal knows: upgrade @bt/journal to open it`,
      { details: { file, version, known } },
    );
  }
  return version;
}

/** What {@link migrate} did. */
export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the file's schema to the last of `migrations`: applies each one it lacks, in order, each
 * in one IMMEDIATE transaction that also sets `user_version`, so a crash leaves the file at a
 * version it fully has. Another process migrating at the same time is waited for, not repeated.
 */
export function migrate(db: Db, file: string, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const target = migrations.length;
  const from = checkFile(db, file, SCHEMA_VERSION);
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      // Read again under the write lock: another process may have applied it since.
      if (checkFile(db, file, SCHEMA_VERSION) >= migration.version) return;
      if (migration.version === 1) db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, target) };
}

/** Refuses, for a read-only open, a file whose schema is not the code's (it cannot be migrated without writing). */
export function checkReadable(db: Db, file: string): number {
  const version = checkFile(db, file, SCHEMA_VERSION);
  if (version < SCHEMA_VERSION) {
    throw new JournalError(
      'SCHEMA_TOO_OLD',
      `journal ${file} has schema version ${version}, older than this @bt/journal's ${SCHEMA_VERSION}: open it once read-write to migrate it`,
      { details: { file, version, known: SCHEMA_VERSION } },
    );
  }
  return version;
}
