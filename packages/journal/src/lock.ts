import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { formatIsoTime } from '@bt/core';
import type { Db } from './db.js';
import { JournalError } from './errors.js';
import type { LockOwner } from './types.js';

/** A process as the lock knows it: its pid and host, and its start (to tell a reused pid apart). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** `<boot id>:<start time in clock ticks>` on Linux; undefined where /proc does not tell. */
  readonly start?: string;
}

interface LockRecord {
  bot: string;
  token: string;
  pid: number;
  process_start: string | null;
  host: string;
  run_id: number | null;
  acquired_at: number;
  heartbeat_at: number;
}

/** What `/proc/<pid>/stat` says of a process: its state letter and start time; undefined without /proc or without the process. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so read after the last `)`.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 3 of the file is the state, field 22 the start time.
    const state = fields[0];
    const startTicks = fields[19];
    return state === undefined || startTicks === undefined ? undefined : { state, startTicks };
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The start of process `pid` as {@link ProcessIdentity.start} has it, or undefined. */
export function processStart(pid: number): string | undefined {
  const stat = procStat(pid);
  const boot = bootId();
  return stat === undefined || boot === undefined ? undefined : `${boot}:${stat.startTicks}`;
}

/** This process. */
export function currentProcess(): ProcessIdentity {
  const start = processStart(process.pid);
  return { pid: process.pid, host: hostname(), ...(start === undefined ? {} : { start }) };
}

/**
 * Whether the process that took a lock still runs: `elsewhere` when it is on another host (it
 * cannot be told from here). On this host, a pid that no longer exists, a zombie, or a pid now
 * held by a process that started later (a reused pid, e.g. pid 1 of a restarted container) is dead.
 */
export function ownerLiveness(owner: ProcessIdentity, self: ProcessIdentity): 'alive' | 'dead' | 'elsewhere' {
  if (owner.host !== self.host) return 'elsewhere';
  if (owner.pid === self.pid) {
    // This very process, unless it is an earlier process that had the same pid.
    return owner.start !== undefined && self.start !== undefined && owner.start !== self.start ? 'dead' : 'alive';
  }
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as { code?: string }).code === 'ESRCH') return 'dead';
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return 'alive';
  if (stat.state === 'Z' || stat.state === 'X') return 'dead';
  const now = processStart(owner.pid);
  return owner.start !== undefined && now !== undefined && owner.start !== now ? 'dead' : 'alive';
}

function ownerOf(record: LockRecord): LockOwner {
  return {
    botName: record.bot,
    pid: record.pid,
    host: record.host,
    ...(record.run_id === null ? {} : { runId: record.run_id }),
    acquiredAt: record.acquired_at,
    heartbeatAt: record.heartbeat_at,
  };
}

/** The lock row of `botName`, if any. */
export function readLock(db: Db, botName: string): LockOwner | undefined {
  const record = db.prepare('SELECT * FROM locks WHERE bot = ?').get(botName) as LockRecord | undefined;
  return record === undefined ? undefined : ownerOf(record);
}

/** What {@link acquireLock} got. */
export interface LockClaim {
  /** This instance's token: the lock is ours while the row carries it. */
  readonly token: string;
  readonly tookOverFrom?: LockOwner;
}

/**
 * Takes `botName`'s lock for `self`; run inside the IMMEDIATE transaction of the open. Refuses
 * with `LOCKED` when a live process (or one on another host) holds it; takes over from a dead one.
 */
export function acquireLock(db: Db, file: string, botName: string, self: ProcessIdentity, now: number): LockClaim {
  const record = db.prepare('SELECT * FROM locks WHERE bot = ?').get(botName) as LockRecord | undefined;
  let tookOverFrom: LockOwner | undefined;
  if (record !== undefined) {
    const owner: ProcessIdentity = {
      pid: record.pid,
      host: record.host,
      ...(record.process_start === null ? {} : { start: record.process_start }),
    };
    const liveness = ownerLiveness(owner, self);
    if (liveness !== 'dead') {
      const where = liveness === 'elsewhere' ? `on host ${record.host}` : `on this host (${record.host})`;
      throw new JournalError(
        'LOCKED',
        `journal ${file} is locked for bot ${JSON.stringify(botName)} by pid ${record.pid} ${where}, ` +
          `last heartbeat ${formatIsoTime(record.heartbeat_at)}: one instance per bot. ` +
          (liveness === 'elsewhere' ? 'If that process is gone, break the lock with SqliteJournal.breakLock.' : 'Stop that process first.'),
        { details: { file, botName, ownerPid: record.pid, ownerHost: record.host, heartbeatAt: record.heartbeat_at } },
      );
    }
    tookOverFrom = ownerOf(record);
  }
  const token = randomUUID();
  db.prepare(
    `INSERT INTO locks (bot, token, pid, process_start, host, run_id, acquired_at, heartbeat_at)
     VALUES (@bot, @token, @pid, @start, @host, NULL, @now, @now)
     ON CONFLICT (bot) DO UPDATE SET token = @token, pid = @pid, process_start = @start, host = @host, run_id = NULL,
       acquired_at = @now, heartbeat_at = @now`,
  ).run({ bot: botName, token, pid: self.pid, start: self.start ?? null, host: self.host, now });
  return tookOverFrom === undefined ? { token } : { token, tookOverFrom };
}

/** Throws `LOCK_LOST` unless `token` still holds `botName`'s lock. */
export function checkLock(db: Db, file: string, botName: string, token: string): void {
  const row = db.prepare('SELECT token, pid, host FROM locks WHERE bot = ?').get(botName) as
    | Pick<LockRecord, 'token' | 'pid' | 'host'>
    | undefined;
  if (row?.token === token) return;
  const now = row === undefined ? 'nobody holds it now' : `pid ${row.pid} on ${row.host} holds it now`;
  throw new JournalError('LOCK_LOST', `this instance of bot ${JSON.stringify(botName)} lost the lock of journal ${file}: ${now}`, {
    details: { file, botName, ...(row === undefined ? {} : { ownerPid: row.pid, ownerHost: row.host }) },
  });
}
