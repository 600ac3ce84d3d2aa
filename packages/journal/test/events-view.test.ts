import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isJournalError, SqliteJournal } from '../src/index.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();

describe('the event log', () => {
  it('appends JSON events in order and reads them back by kind and sequence', () => {
    const journal = s.open();
    const started = journal.events();
    expect(started.map((e) => e.kind)).toEqual(['run.started']);
    const a = journal.appendEvent('recovery.done', { settled: 3, positions: { 'BTC/USDT': 0.5 } });
    const b = journal.appendEvent('note', 'a string');
    expect(a).toEqual({
      seq: 2,
      time: s.clock.now(),
      kind: 'recovery.done',
      payload: { settled: 3, positions: { 'BTC/USDT': 0.5 } },
      runId: journal.run.id,
    });
    expect(journal.events({ afterSeq: a.seq })).toEqual([b]);
    expect(journal.events({ kind: 'recovery.done' })).toEqual([a]);
    expect(journal.events({ limit: 1 })).toHaveLength(1);
    expect(
      isJournalError(
        thrown(() => journal.appendEvent('bad', () => 1)),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    expect(
      isJournalError(
        thrown(() => journal.appendEvent('', {})),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });

  it('is append-only, in the file itself', () => {
    s.open().appendEvent('x', {});
    const db = new Database(s.file());
    expect(() => db.prepare('UPDATE events SET kind = ?').run('y')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    db.close();
  });
});

describe('a read-only view', () => {
  it('reads what a live writer journals, takes no lock and writes nothing', () => {
    const writer = s.open();
    const intent = writer.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 });
    const view = SqliteJournal.openReadOnly({ file: s.file(), botName: 'grid-bot' });
    expect(view.clientIdPrefix).toBe('gridbot');
    expect(view.openIntents()).toEqual([intent]);
    expect(view.lockOwner()?.pid).toBe(process.pid);
    writer.markSent(intent.clientOrderId);
    expect(view.intent(intent.clientOrderId)?.status).toBe('sent');
    expect(view.runs()).toHaveLength(1);
    // The view's type has no writes; the object refuses them all the same.
    expect(
      isJournalError(
        thrown(() => (view as SqliteJournal).appendEvent('x', {})),
        'CLOSED',
      ),
    ).toBe(true);
    view.close();
    view.close();
    expect(
      isJournalError(
        thrown(() => view.runs()),
        'CLOSED',
      ),
    ).toBe(true);
    expect(writer.events().map((e) => e.kind)).toEqual(['run.started', 'intent.status']);
  });

  it('of a bot that never wrote is empty', () => {
    s.open().close();
    const view = SqliteJournal.openReadOnly({ file: s.file(), botName: 'nobody' });
    expect([view.clientIdPrefix, view.runs(), view.intents(), view.netPositions(), view.openTrades(), view.lockOwner()]).toEqual([
      undefined,
      [],
      [],
      [],
      [],
      undefined,
    ]);
    view.close();
  });

  it('needs an existing file', () => {
    expect(
      isJournalError(
        thrown(() => SqliteJournal.openReadOnly({ file: s.file('missing.journal'), botName: 'x' })),
        'SQLITE',
      ),
    ).toBe(true);
  });
});

describe('closing', () => {
  it('ends the run, releases the lock, and refuses later calls', () => {
    const journal = s.open();
    journal.close('done for the day');
    journal.close();
    expect(
      isJournalError(
        thrown(() => journal.recordIntent({ strategy: 's', symbol: 'X', side: 'buy', type: 'market', amount: 1 })),
        'CLOSED',
      ),
    ).toBe(true);
    const view = SqliteJournal.openReadOnly({ file: s.file(), botName: 'grid-bot' });
    expect(view.lockOwner()).toBeUndefined();
    expect(view.runs()[0]).toMatchObject({ status: 'stopped', endReason: 'done for the day', endedAt: s.clock.now() });
    expect(view.events().map((e) => e.kind)).toEqual(['run.started', 'run.ended']);
    view.close();
  });
});
