import type { Clock } from '@bt/core';
import { type Db, DEFAULT_BUSY_TIMEOUT_MS, guarded, openConnection, writeTransaction } from './db.js';
import { JournalError } from './errors.js';
import { EventLog } from './events.js';
import { acquireLock, currentProcess, readLock } from './lock.js';
import { interruptRuns, type RunStart, registerBot, startRun } from './runs.js';
import { checkReadable, migrate } from './schema.js';
import type { LockOwner, OpenReport, RunMode, RunRow } from './types.js';

/** Where a journal is, and whose. */
export interface JournalLocation {
  /** Path of the SQLite file (created when missing, unless read-only). */
  readonly file: string;
  /** The bot: its lock, its client order ids and every query are its own. */
  readonly botName: string;
  /** How long a write waits for another process's write (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** Options of {@link SqliteJournal.open}. */
export interface JournalOptions extends JournalLocation {
  /** Where every time the journal writes comes from (integer ms). */
  readonly clock: Pick<Clock, 'now'>;
  /** How this run trades. Default `live`. */
  readonly mode?: RunMode;
  /** Hash of the run's configuration, kept with the run. */
  readonly configHash?: string;
  /**
   * Prefix of the bot's client order ids, 1 to 12 ASCII letters and digits; fixed at the bot's
   * first open. Default: the letters and digits of the bot name, at most 12.
   */
  readonly clientIdPrefix?: string;
}

/** What a writer's open did, inside one transaction. */
export interface Opened {
  readonly db: Db;
  readonly prefix: string;
  readonly token: string;
  readonly run: RunRow;
  readonly report: OpenReport;
}

function checkBotName(botName: unknown): void {
  if (typeof botName !== 'string' || botName.length === 0) {
    throw new JournalError('INVALID_INPUT', `a journal needs a bot name, got ${JSON.stringify(botName)}`);
  }
}

/**
 * Opens `file` for writing as `botName`: migrates the schema, then in one IMMEDIATE transaction
 * registers the bot, takes its lock (or refuses), marks its runs left running as interrupted, and
 * starts a run. Closes the file again when any step fails.
 */
export function openForWriting(location: JournalLocation, run: RunStart, prefix: string | undefined, now: number): Opened {
  checkBotName(location.botName);
  const { file, botName } = location;
  const db = openConnection(file, { readOnly: false, busyTimeoutMs: location.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    const schema = guarded(file, () => migrate(db, file));
    const self = currentProcess();
    return writeTransaction(db, file, () => {
      const chosen = registerBot(db, file, botName, prefix, now);
      const claim = acquireLock(db, file, botName, self, now);
      const interruptedRuns = interruptRuns(db, botName, claim.tookOverFrom?.heartbeatAt);
      const started = startRun(db, botName, run, self, now);
      db.prepare('UPDATE locks SET run_id = ? WHERE bot = ?').run(started.id, botName);
      const events = new EventLog(db, botName);
      if (claim.tookOverFrom !== undefined) events.append('lock.taken-over', { from: claim.tookOverFrom }, started.id, now);
      for (const r of interruptedRuns) events.append('run.interrupted', { runId: r.id, pid: r.pid, lastSeen: r.endedAt }, started.id, now);
      events.append(
        'run.started',
        { runId: started.id, mode: started.mode, pid: self.pid, host: self.host, schemaFrom: schema.from, schemaTo: schema.to },
        started.id,
        now,
      );
      const report: OpenReport = {
        schemaFrom: schema.from,
        schemaTo: schema.to,
        ...(claim.tookOverFrom === undefined ? {} : { tookOverFrom: claim.tookOverFrom }),
        interruptedRuns,
      };
      return { db, prefix: chosen, token: claim.token, run: started, report };
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Opens an existing `file` read-only: no lock, no run, no migration (its schema must be the code's). */
export function openForReading(location: JournalLocation): Db {
  checkBotName(location.botName);
  const db = openConnection(location.file, { readOnly: true, busyTimeoutMs: location.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    guarded(location.file, () => checkReadable(db, location.file));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Removes `botName`'s lock whoever holds it, and logs it: for an operator who knows the holder is
 * gone (e.g. on another host). Returns the owner it removed, if any.
 */
export function breakLock(location: JournalLocation, now: number): LockOwner | undefined {
  checkBotName(location.botName);
  const { file, botName } = location;
  const db = openConnection(file, { readOnly: false, busyTimeoutMs: location.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    guarded(file, () => migrate(db, file));
    return writeTransaction(db, file, () => {
      const owner = readLock(db, botName);
      if (owner === undefined) return undefined;
      db.prepare('DELETE FROM locks WHERE bot = ?').run(botName);
      new EventLog(db, botName).append('lock.broken', { owner, by: currentProcess() }, undefined, now);
      return owner;
    });
  } finally {
    db.close();
  }
}
