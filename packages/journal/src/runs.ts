import { checkPrefix, defaultPrefix } from './client-order-id.js';
import type { Db } from './db.js';
import { JournalError } from './errors.js';
import type { ProcessIdentity } from './lock.js';
import type { RunMode, RunRow, RunStatus } from './types.js';

interface RunRecord {
  id: number;
  bot: string;
  mode: RunMode;
  config_hash: string | null;
  pid: number;
  host: string;
  started_at: number;
  ended_at: number | null;
  status: RunStatus;
  end_reason: string | null;
}

function runOf(r: RunRecord): RunRow {
  return {
    id: r.id,
    botName: r.bot,
    mode: r.mode,
    ...(r.config_hash === null ? {} : { configHash: r.config_hash }),
    pid: r.pid,
    host: r.host,
    startedAt: r.started_at,
    ...(r.ended_at === null ? {} : { endedAt: r.ended_at }),
    status: r.status,
    ...(r.end_reason === null ? {} : { endReason: r.end_reason }),
  };
}

/**
 * The client order id prefix of `botName`, registering the bot on its first open. A prefix is
 * the bot's for good (its ids must stay stable) and unique in the file (two bots of one account
 * must not make the same ids).
 */
export function registerBot(db: Db, file: string, botName: string, prefix: string | undefined, now: number): string {
  const known = db.prepare('SELECT prefix FROM bots WHERE name = ?').get(botName) as { prefix: string } | undefined;
  if (known !== undefined) {
    if (prefix !== undefined && prefix !== known.prefix) {
      throw new JournalError(
        'INVALID_INPUT',
        `bot ${JSON.stringify(botName)} makes client order ids with prefix ${known.prefix} in journal ${file}; it cannot change to ${prefix}`,
        { details: { file, botName, prefix: known.prefix, asked: prefix } },
      );
    }
    return known.prefix;
  }
  const chosen = prefix === undefined ? defaultPrefix(botName) : checkPrefix(prefix);
  const other = db.prepare('SELECT name FROM bots WHERE prefix = ?').get(chosen) as { name: string } | undefined;
  if (other !== undefined) {
    throw new JournalError(
      'INVALID_INPUT',
      `client order id prefix ${chosen} is already bot ${JSON.stringify(other.name)}'s in journal ${file}: ` +
        `give bot ${JSON.stringify(botName)} its own clientIdPrefix`,
      { details: { file, botName, prefix: chosen, otherBot: other.name } },
    );
  }
  db.prepare('INSERT INTO bots (name, prefix, next_seq, created_at) VALUES (?, ?, 1, ?)').run(botName, chosen, now);
  return chosen;
}

/** The prefix of a registered bot, or undefined. */
export function botPrefix(db: Db, botName: string): string | undefined {
  return (db.prepare('SELECT prefix FROM bots WHERE name = ?').get(botName) as { prefix: string } | undefined)?.prefix;
}

/** What a new run is. */
export interface RunStart {
  readonly mode: RunMode;
  readonly configHash?: string;
}

/** Marks the bot's runs still `running` as `interrupted`, ended at `lastSeen` (the dead owner's last heartbeat), and returns them. */
export function interruptRuns(db: Db, botName: string, lastSeen: number | undefined): RunRow[] {
  const rows = db
    .prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = COALESCE(?, started_at), end_reason = 'the process stopped without closing the journal'
       WHERE bot = ? AND status = 'running' RETURNING *`,
    )
    .all(lastSeen ?? null, botName) as RunRecord[];
  return rows.map(runOf).sort((a, b) => a.id - b.id);
}

/** Records the start of a run of `botName` by `self`. */
export function startRun(db: Db, botName: string, start: RunStart, self: ProcessIdentity, now: number): RunRow {
  if (start.mode !== 'live' && start.mode !== 'paper' && start.mode !== 'backtest') {
    throw new JournalError('INVALID_INPUT', `run mode must be live, paper or backtest, got ${JSON.stringify(start.mode)}`);
  }
  const row = db
    .prepare(
      `INSERT INTO runs (bot, mode, config_hash, pid, host, started_at, status)
       VALUES (?, ?, ?, ?, ?, ?, 'running') RETURNING *`,
    )
    .get(botName, start.mode, start.configHash ?? null, self.pid, self.host, now) as RunRecord;
  return runOf(row);
}

/** Records the end of run `id`. */
export function endRun(db: Db, id: number, now: number, reason: string | undefined): RunRow {
  const row = db
    .prepare(`UPDATE runs SET status = 'stopped', ended_at = ?, end_reason = ? WHERE id = ? AND status = 'running' RETURNING *`)
    .get(now, reason ?? null, id) as RunRecord | undefined;
  if (row === undefined) throw new JournalError('CLOSED', `run ${id} is not running`);
  return runOf(row);
}

/** The bot's runs, oldest first. */
export function listRuns(db: Db, botName: string): RunRow[] {
  return (db.prepare('SELECT * FROM runs WHERE bot = ? ORDER BY id').all(botName) as RunRecord[]).map(runOf);
}
