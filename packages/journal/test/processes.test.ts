import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJournalError, SqliteJournal } from '../src/index.js';
import { scratch } from './support/journal.js';
import { bundleChild, startChild } from './support/processes.js';

/** Two real processes: a child `node` holds the journal, the parent's open is refused until the child is killed with SIGKILL. */
const s = scratch();
let bundle: { path: string; remove: () => void };

beforeAll(async () => {
  bundle = await bundleChild('processes');
});
afterAll(() => bundle?.remove());

describe('one instance per bot, across processes', () => {
  it("refuses a second process's open while the first lives, and takes over once it is killed", async () => {
    const file = s.file();
    const child = await startChild(bundle.path, ['hold', file, 'grid-bot']);
    try {
      let refused: unknown;
      try {
        SqliteJournal.open({ file, botName: 'grid-bot', clock: s.clock });
      } catch (error) {
        refused = error;
      }
      expect(isJournalError(refused, 'LOCKED')).toBe(true);
      const message = (refused as Error).message;
      expect(message).toContain(`pid ${child.pid}`);
      expect(message).toContain(file);
      expect((refused as { details: Record<string, unknown> }).details).toMatchObject({ ownerPid: child.pid, file });
      // Another bot in the same file is not locked out.
      s.open({ file, botName: 'other-bot' }).close();
    } finally {
      await child.kill9();
    }

    const journal = s.open({ file });
    expect(journal.opened.tookOverFrom).toMatchObject({ pid: child.pid, botName: 'grid-bot' });
    expect(journal.opened.interruptedRuns.map((r) => r.pid)).toEqual([child.pid]);
    expect(journal.runs().map((r) => r.status)).toEqual(['interrupted', 'running']);
    expect(journal.events({ kind: 'lock.taken-over' })).toHaveLength(1);
    expect(journal.lockOwner()?.pid).toBe(process.pid);
  });

  it('lets two bots write one file from two processes at once', async () => {
    const file = s.file('shared.journal');
    const child = await startChild(bundle.path, ['write', file, 'grid-bot']);
    try {
      const journal = s.open({ file, botName: 'other-bot' });
      await child.waitForLines(20);
      for (let i = 0; i < 40; i++) journal.recordIntent({ strategy: 's', symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1 });
      expect(journal.intents().map((intent) => intent.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // The other bot goes on writing to the file the parent has open (how far it got meanwhile is timing).
      const seen = child.lines.length;
      await child.waitForLines(seen + 5);
    } finally {
      await child.kill9();
    }
    expect(child.lines.length).toBeGreaterThan(20);
  });

  it('a file written by a killed process passes integrity_check', async () => {
    const file = s.file('held.journal');
    const child = await startChild(bundle.path, ['hold', file, 'grid-bot']);
    await child.kill9();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
