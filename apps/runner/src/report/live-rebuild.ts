import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { BtError } from '@bt/core';
import { SqliteJournal } from '@bt/journal';
import { type JournalReference, type LiveResultsHeader, writeLiveResults } from '../run/live-results.js';

/** What {@link rebuildLiveResults} did. */
export interface LiveRebuild {
  /** The journal it read. */
  readonly journal: string;
  /** The run's status as results.json now says it (`interrupted` for a run that was killed). */
  readonly status: string;
}

/**
 * Rebuilds the results of a paper or live run folder (orders.csv, fills.csv, trades.csv,
 * equity.csv, results.json) from its bot's journal, read-only: the journal named in results.json,
 * or `stateFile`. A run whose process was killed (results.json still says `running`, the journal
 * has no stop) gets status `interrupted`. Returns undefined for a backtest's folder (nothing to do).
 *
 * @throws BtError `CONFIG` when the folder has no results.json or names no journal (and no `stateFile`).
 */
export async function rebuildLiveResults(dir: string, stateFile?: string): Promise<LiveRebuild | undefined> {
  const resultsFile = join(dir, 'results.json');
  if (!existsSync(resultsFile)) {
    throw new BtError('CONFIG', `${dir} is not a results folder: results.json is missing`, { details: { file: dir } });
  }
  const summary = JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, unknown>;
  if (summary.mode !== 'paper' && summary.mode !== 'ccxt') return undefined;
  const reference = summary.journal as Partial<JournalReference> | undefined;
  if (reference?.botName === undefined || reference.runId === undefined || (reference.file === undefined && stateFile === undefined)) {
    throw new BtError('CONFIG', `${resultsFile} names no journal (results.json "journal"): give it with --state <file>`, {
      details: { file: resultsFile },
    });
  }
  const file = stateFile === undefined ? (reference.file as string) : resolve(stateFile);
  const journal = SqliteJournal.openReadOnly({ file, botName: reference.botName });
  try {
    const run = journal.runs().find((r) => r.id === reference.runId);
    const owner = journal.lockOwner();
    // Still running: its run is open in the journal and its process holds the lock (on another host, it cannot be told).
    const running = run?.status === 'running' && owner?.runId === run.id && (owner.host !== hostname() || processExists(owner.pid));
    const status = summary.status !== 'running' ? String(summary.status) : running ? 'running' : 'interrupted';
    const header = {
      ...summary,
      status,
      journal: { file, botName: reference.botName, runId: reference.runId },
      ...(run?.endedAt === undefined || summary.stoppedAt !== undefined ? {} : { stoppedAt: new Date(run.endedAt).toISOString() }),
      initialEquity: typeof summary.initialEquity === 'number' ? summary.initialEquity : 0,
      currency: typeof summary.currency === 'string' ? summary.currency : '',
      rebuiltFromJournal: true,
    } satisfies LiveResultsHeader;
    await writeLiveResults(dir, journal, header);
    return { journal: file, status };
  } finally {
    journal.close();
  }
}

/** Whether a process `pid` exists on this host. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
