import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@bt/core';
import { afterEach } from 'vitest';
import { type JournalOptions, SqliteJournal } from '../../src/index.js';

/** A scratch folder per test, removed after it, and journals opened in it closed after it. */
export function scratch(): {
  dir: () => string;
  file: (name?: string) => string;
  open: (options?: Partial<JournalOptions>) => SqliteJournal;
  clock: ManualClock;
} {
  const dirs: string[] = [];
  const opened: SqliteJournal[] = [];
  const clock = new ManualClock(1_700_000_000_000);
  afterEach(() => {
    for (const journal of opened.splice(0)) {
      try {
        journal.close();
      } catch {
        // Already closed, or its lock was taken on purpose.
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = (): string => {
    if (dirs.length === 0) dirs.push(mkdtempSync(join(tmpdir(), 'bt-journal-')));
    return dirs[0] as string;
  };
  const file = (name = 'bot.journal'): string => join(dir(), name);
  const open = (options: Partial<JournalOptions> = {}): SqliteJournal => {
    const journal = SqliteJournal.open({ file: file(), botName: 'grid-bot', clock, ...options });
    opened.push(journal);
    return journal;
  };
  return { dir, file, open, clock };
}

/** What `fn` throws (and a failure when it throws nothing). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
