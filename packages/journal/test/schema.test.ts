import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../src/db.js';
import { isJournalError, SCHEMA_VERSION, SqliteJournal } from '../src/index.js';
import { APPLICATION_ID, MIGRATIONS, migrate, schemaVersion } from '../src/schema.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();

describe('the file', () => {
  it('is in WAL mode with synchronous=FULL and foreign keys on', () => {
    s.open().close();
    const db = openConnection(s.file(), { readOnly: false, busyTimeoutMs: 100 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('has its migrations as an ordered list, version i + 1 at index i', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });
});

describe('migrations', () => {
  it('bring a v1 file to the current version, keeping its records', () => {
    const file = s.file('v1.journal');
    // A file as the first version of @bt/journal left it.
    const db = new Database(file);
    expect(migrate(db, file, MIGRATIONS.slice(0, 1))).toEqual({ from: 0, to: 1 });
    db.exec(`
      INSERT INTO bots (name, prefix, next_seq, created_at) VALUES ('grid-bot', 'gridbot', 2, 1);
      INSERT INTO runs (bot, mode, pid, host, started_at, status) VALUES ('grid-bot', 'live', 1, 'h', 1, 'stopped');
      INSERT INTO intents (client_order_id, bot, seq, run_id, strategy, symbol, side, type, amount, time_in_force, reduce_only,
        source, status, filled, created_at, updated_at, venue_order_id)
        VALUES ('gridbot-BTCUSDT-1', 'grid-bot', 1, 1, 'sma', 'BTC/USDT', 'buy', 'market', 2, 'GTC', 0, 'strategy', 'filled', 2, 1, 1, 'v1');
      INSERT INTO fills (bot, run_id, trade_id, venue_order_id, client_order_id, strategy, symbol, side, price, amount, fee,
        fee_currency, maker, time, recorded_at)
        VALUES ('grid-bot', 1, 't1', 'v1', 'gridbot-BTCUSDT-1', 'sma', 'BTC/USDT', 'buy', 100, 2, 0, 'USDT', 0, 5, 5);
    `);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'trades'`).get()).toBeUndefined();
    db.close();

    const journal = s.open({ file });
    expect(journal.opened).toMatchObject({ schemaFrom: 1, schemaTo: SCHEMA_VERSION });
    expect(journal.intent('gridbot-BTCUSDT-1')).toMatchObject({ status: 'filled', filled: 2 });
    expect(journal.netPosition('BTC/USDT')).toBe(2);
    // What v2 added works, and the sequence goes on from where v1 left it.
    const exit = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 2, reduceOnly: true });
    expect(exit.clientOrderId).toBe('gridbot-BTCUSDT-2');
    journal.saveTrade({
      symbol: 'BTC/USDT',
      strategy: 'sma',
      side: 'long',
      amount: 2,
      entryPrice: 100,
      entryTime: 5,
      bestPrice: 100,
      exits: { stopLoss: 0.05 },
      exit: { kind: 'working', clientOrderId: exit.clientOrderId },
    });
    expect(journal.openTrades()).toHaveLength(1);
    expect(journal.events({ kind: 'run.started' })[0]?.payload).toMatchObject({ schemaFrom: 1, schemaTo: SCHEMA_VERSION });
  });

  it('apply each migration once, in its own transaction: a failing one leaves the file at the version before', () => {
    const file = s.file('broken.journal');
    const db = new Database(file);
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, description: 'broken', sql: 'CREATE TABLE half (a); SELECT nope FROM nothing;' },
    ];
    expect(() => migrate(db, file, broken)).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'half'`).get()).toBeUndefined();
    // Applying again does nothing for what is there.
    expect(migrate(db, file, MIGRATIONS.slice(0, 1))).toEqual({ from: 1, to: 1 });
    expect(migrate(db, file)).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect(migrate(db, file)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    db.close();
  });

  it('refuse a file newer than the code with a clear typed error', () => {
    s.open().close();
    const db = new Database(s.file());
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = thrown(() => s.open());
    expect(isJournalError(error, 'SCHEMA_TOO_NEW')).toBe(true);
    expect(error).toMatchObject({ code: 'CONFIG', retryable: false, details: { version: SCHEMA_VERSION + 1, known: SCHEMA_VERSION } });
    expect((error as Error).message).toContain(s.file());
    expect((error as Error).message).toContain('upgrade @bt/journal');
    expect(
      isJournalError(
        thrown(() => SqliteJournal.openReadOnly({ file: s.file(), botName: 'grid-bot' })),
        'SCHEMA_TOO_NEW',
      ),
    ).toBe(true);
  });

  it('refuse what is not a journal', () => {
    const text = s.file('notes.txt');
    writeFileSync(text, 'not a database, just some words that are long enough to be a header of sorts, and more.\n'.repeat(20));
    expect(
      isJournalError(
        thrown(() => s.open({ file: text })),
        'NOT_A_JOURNAL',
      ),
    ).toBe(true);
    const other = s.file('other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE mine (a)');
    db.close();
    const error = thrown(() => s.open({ file: other }));
    expect(isJournalError(error, 'NOT_A_JOURNAL')).toBe(true);
    expect((error as Error).message).toContain('not a @bt journal');
  });

  it('are not run by a read-only open, which refuses an old file', () => {
    const file = s.file('old.journal');
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 1));
    db.close();
    expect(
      isJournalError(
        thrown(() => SqliteJournal.openReadOnly({ file, botName: 'grid-bot' })),
        'SCHEMA_TOO_OLD',
      ),
    ).toBe(true);
  });
});
