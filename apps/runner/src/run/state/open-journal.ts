import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Logger } from '@bt/core';
import { formatIsoTime } from '@bt/core';
import { isJournalError, type RunMode, SqliteJournal } from '@bt/journal';
import type { StateLocation } from './location.js';
import { stateRefusal } from './refusal.js';

/** The command that removes a stale lock, for messages. */
export function unlockCommand(configSource: string): string {
  return `bt unlock -c ${configSource}`;
}

/**
 * Opens the bot's journal for a paper or live run (creating its folder and file when missing),
 * takes the bot's lock and starts a run, and logs where the file is and what the open found (a
 * lock taken over from a dead process, runs that had crashed).
 *
 * @throws BtError `STATE` (a refusal, exit code 3) when another live instance holds the lock: the
 *   message names its pid and host and how to break a stale lock. Other journal errors as they are.
 */
export function openRunJournal(
  location: StateLocation,
  options: { readonly clock: Pick<Clock, 'now'>; readonly mode: RunMode; readonly logger: Logger; readonly configSource: string },
): SqliteJournal {
  mkdirSync(dirname(location.file), { recursive: true });
  let journal: SqliteJournal;
  try {
    journal = SqliteJournal.open({
      file: location.file,
      botName: location.botName,
      clock: options.clock,
      mode: options.mode,
      ...(location.clientIdPrefix === undefined ? {} : { clientIdPrefix: location.clientIdPrefix }),
    });
  } catch (error) {
    if (!isJournalError(error, 'LOCKED')) throw error;
    const d = error.details as { ownerPid?: number; ownerHost?: string; heartbeatAt?: number };
    throw stateRefusal(
      `bot "${location.botName}" is already running: pid ${d.ownerPid} on host ${d.ownerHost} holds the lock of ${location.file}` +
        `${d.heartbeatAt === undefined ? '' : ` (last heartbeat ${formatIsoTime(d.heartbeatAt)})`}. One instance per bot: ` +
        `stop that process first. If it is gone (another host, a replaced container), break the stale lock with: ${unlockCommand(options.configSource)}`,
      { file: location.file, botName: location.botName, ownerPid: d.ownerPid, ownerHost: d.ownerHost },
      error,
    );
  }
  const opened = journal.opened;
  options.logger.info(
    `state: bot "${location.botName}", journal ${location.file} (run ${journal.run.id}, client order ids ${journal.clientIdPrefix}-…)`,
    { stateFile: location.file, botName: location.botName, runId: journal.run.id },
  );
  if (opened.tookOverFrom !== undefined) {
    options.logger.warn(
      `state: took over the lock of pid ${opened.tookOverFrom.pid} on ${opened.tookOverFrom.host}, which is no longer running`,
    );
  }
  for (const run of opened.interruptedRuns) {
    options.logger.warn(
      `state: run ${run.id} (pid ${run.pid}) ended without a stop${run.endedAt === undefined ? '' : `, last seen ${formatIsoTime(run.endedAt)}`}: recovery settles what it left`,
    );
  }
  return journal;
}
