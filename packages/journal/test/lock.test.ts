import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isJournalError, SqliteJournal } from '../src/index.js';
import { currentProcess, ownerLiveness, processStart } from '../src/lock.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();

/** A pid that no process has now: that of a child that ran and was reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Rewrites the bot's lock row as if another process had taken it. */
function forgeLock(file: string, owner: { pid: number; host: string; start?: string | null }): void {
  const db = new Database(file);
  db.prepare(`UPDATE locks SET pid = ?, host = ?, process_start = ?, token = 'forged', heartbeat_at = 42 WHERE bot = 'grid-bot'`).run(
    owner.pid,
    owner.host,
    owner.start ?? null,
  );
  db.close();
}

describe('the lock: one instance per bot', () => {
  it('refuses a second open of the same bot in this process, naming the owner pid and the file', () => {
    const first = s.open();
    const error = thrown(() => s.open());
    expect(isJournalError(error, 'LOCKED')).toBe(true);
    expect(error).toMatchObject({
      code: 'STATE',
      retryable: false,
      details: { ownerPid: process.pid, file: s.file(), botName: 'grid-bot' },
    });
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain(s.file());
    expect(first.lockOwner()).toMatchObject({ pid: process.pid, host: hostname(), runId: first.run.id });
    // The refused open changed nothing: still one run, the first's.
    expect(first.runs()).toHaveLength(1);
    first.close();
    expect(
      s
        .open()
        .runs()
        .map((r) => r.status),
    ).toEqual(['stopped', 'running']);
  });

  it('takes over a lock whose pid is dead on this host, and says so', () => {
    s.open().close();
    // As a process that died holding the lock leaves the file: its lock row, its run still running.
    const dead = deadPid();
    const db = new Database(s.file());
    db.prepare(`INSERT INTO locks VALUES ('grid-bot', 'forged', ?, NULL, ?, 1, 10, 42)`).run(dead, hostname());
    db.prepare(`UPDATE runs SET status = 'running', ended_at = NULL WHERE id = 1`).run();
    db.close();
    const next = s.open();
    expect(next.opened.tookOverFrom).toEqual({
      botName: 'grid-bot',
      pid: dead,
      host: hostname(),
      runId: 1,
      acquiredAt: 10,
      heartbeatAt: 42,
    });
    expect(next.opened.interruptedRuns).toHaveLength(1);
    expect(next.opened.interruptedRuns[0]).toMatchObject({ id: 1, status: 'interrupted', endedAt: 42 });
    expect(next.events({ kind: 'lock.taken-over' })[0]?.payload).toMatchObject({ from: { pid: dead } });
    expect(next.events({ kind: 'run.interrupted' })[0]?.payload).toMatchObject({ runId: 1, lastSeen: 42 });
  });

  it('refuses a lock held from another host, until an operator breaks it', () => {
    s.open();
    forgeLock(s.file(), { pid: 1, host: 'elsewhere' });
    const error = thrown(() => SqliteJournal.open({ file: s.file(), botName: 'grid-bot', clock: s.clock }));
    expect(isJournalError(error, 'LOCKED')).toBe(true);
    expect((error as Error).message).toContain('on host elsewhere');
    expect((error as Error).message).toContain('breakLock');
    expect(SqliteJournal.breakLock({ file: s.file(), botName: 'grid-bot', clock: s.clock })).toMatchObject({ pid: 1, host: 'elsewhere' });
    expect(SqliteJournal.breakLock({ file: s.file(), botName: 'grid-bot', clock: s.clock })).toBeUndefined();
    const next = SqliteJournal.open({ file: s.file(), botName: 'grid-bot', clock: s.clock });
    expect(next.events({ kind: 'lock.broken' })).toHaveLength(1);
    next.close();
  });

  it('makes every write of an instance that lost its lock fail with LOCK_LOST', () => {
    const journal = s.open();
    expect(journal.heartbeat()).toMatchObject({ pid: process.pid });
    s.clock.set(s.clock.now() + 1_000);
    expect(journal.heartbeat().heartbeatAt).toBe(s.clock.now());
    SqliteJournal.breakLock({ file: s.file(), botName: 'grid-bot', clock: s.clock });
    for (const write of [
      () => journal.recordIntent({ strategy: 's', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 }),
      () => journal.heartbeat(),
      () => journal.appendEvent('x', {}),
    ]) {
      expect(isJournalError(thrown(write), 'LOCK_LOST')).toBe(true);
    }
    expect(journal.intents()).toEqual([]);
    expect(
      isJournalError(
        thrown(() => journal.close()),
        'LOCK_LOST',
      ),
    ).toBe(true);
    expect(
      isJournalError(
        thrown(() => journal.intents()),
        'CLOSED',
      ),
    ).toBe(true);
  });
});

describe('liveness of a lock owner', () => {
  const self = currentProcess();
  it('tells this process, a dead pid, a reused pid and another host apart', () => {
    expect(self.start).toBeDefined();
    expect(ownerLiveness(self, self)).toBe('alive');
    // Our pid, but an earlier process's start: a restarted container's pid 1.
    expect(ownerLiveness({ ...self, start: 'another-boot:1' }, self)).toBe('dead');
    expect(ownerLiveness({ pid: deadPid(), host: self.host }, self)).toBe('dead');
    // pid 1 lives; with the start it has, it is alive; with another start, its pid was reused.
    expect(ownerLiveness({ pid: 1, host: self.host, start: processStart(1) as string }, self)).toBe('alive');
    expect(ownerLiveness({ pid: 1, host: self.host, start: 'another-boot:1' }, self)).toBe('dead');
    expect(ownerLiveness({ pid: 1, host: 'elsewhere' }, self)).toBe('elsewhere');
  });
});
