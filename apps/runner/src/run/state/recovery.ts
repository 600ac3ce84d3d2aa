import type { Broker, Clock, Fill, Logger, TradingController } from '@bt/core';
import * as journalModule from '@bt/journal';
import { isJournalError, type SqliteJournal } from '@bt/journal';
import { stateRefusal } from './refusal.js';

/** One symbol's position check, as @bt/journal's `recoverFromVenue` reports it. */
export interface PositionCheckLike {
  readonly symbol: string;
  readonly bot: number;
  readonly venue: number;
  readonly heldBefore: number;
  readonly ok: boolean;
}

/** What @bt/journal's `recoverFromVenue` reports (the parts the runner reads). */
export interface RecoveryReportLike {
  readonly settled: readonly { readonly clientOrderId: string; readonly symbol: string; readonly from: string; readonly to: string }[];
  readonly missedFills: readonly Fill[];
  readonly orphans: readonly string[];
  readonly positions: readonly PositionCheckLike[];
  readonly summary: string;
}

/** @bt/journal's `recoverFromVenue`, as the runner calls it. */
export type RecoverFromVenue = (options: {
  readonly journal: SqliteJournal;
  readonly broker: Broker;
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly acceptVenue?: boolean;
}) => Promise<RecoveryReportLike>;

/** What recovery at start did, for the log and results.json. */
export interface StartRecovery {
  /** The journal's one line of what was compared; undefined when no recovery ran. */
  readonly summary?: string;
  readonly settled: number;
  readonly orphans: number;
  /** Missed fills handed to the strategies and the trade manager (new ones). */
  readonly replayedFills: number;
  /** Open positions whose exit rules were re-armed. */
  readonly restoredTrades: number;
  readonly positions: readonly PositionCheckLike[];
}

/** The installed journal's `recoverFromVenue`, when it has one. */
export function installedRecovery(): RecoverFromVenue | undefined {
  const fn = (journalModule as Record<string, unknown>).recoverFromVenue;
  return typeof fn === 'function' ? (fn as RecoverFromVenue) : undefined;
}

/** The installed journal's `journalPositions` decorator over `broker`; `broker` itself when it has none. */
export function ownPositionsBroker(broker: Broker, journal: SqliteJournal, logger: Logger): Broker {
  const fn = (journalModule as Record<string, unknown>).journalPositions;
  if (typeof fn === 'function') return (fn as (b: Broker, j: SqliteJournal) => Broker)(broker, journal);
  logger.warn('state: the installed @bt/journal has no journalPositions: positions are read from the venue');
  return broker;
}

/** Options of {@link recoverAtStart}. */
export interface RecoverAtStartOptions {
  readonly journal: SqliteJournal;
  /** The broker the controller trades through (positions the bot's own). */
  readonly broker: Broker;
  /** Initialized, not started. */
  readonly controller: TradingController;
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** `bt run --accept-venue-state`: take the venue's positions instead of failing closed. */
  readonly acceptVenue: boolean;
  /** Replaces @bt/journal's `recoverFromVenue` (tests). */
  readonly recover?: RecoverFromVenue;
}

/**
 * Recovery at start, after `controller.initialize()` and before `start()`: settles the journal's
 * unfinished intents and compares positions with the venue (`recoverFromVenue`), logs what was
 * compared, re-arms the exit rules of open positions (`restoreTrades`) and hands the missed fills
 * to the strategies and the trade manager (`replayFills`).
 *
 * @throws BtError `STATE` (a refusal, exit code 3) when the bot's positions disagree with the
 *   venue's: the message says what differs and how to accept the venue's state.
 */
export async function recoverAtStart(options: RecoverAtStartOptions): Promise<StartRecovery> {
  const { journal, broker, controller, symbols, clock, logger, acceptVenue } = options;
  const recover = options.recover ?? installedRecovery();
  let report: RecoveryReportLike | undefined;
  if (recover === undefined) {
    logger.warn('state: the installed @bt/journal cannot recover from the venue: nothing was compared at start');
  } else {
    try {
      report = await recover({ journal, broker, symbols, clock, logger: logger.child({ component: 'recovery' }), acceptVenue });
    } catch (error) {
      if (!isJournalError(error) || (error as { kind: string }).kind !== 'POSITION_MISMATCH') throw error;
      throw stateRefusal(
        `refusing to trade: ${error.message}\nNothing was sent. Check the account; to take the venue's positions as the bot's, run again with: bt run --accept-venue-state`,
        { ...error.details },
        error,
      );
    }
    logger.info(`recovery: ${report.summary}`);
    for (const s of report.settled) logger.info(`recovery: ${s.clientOrderId} (${s.symbol}) ${s.from} -> ${s.to}`);
    if (report.orphans.length > 0)
      logger.warn(`recovery: adopted orders found at the venue with no journal row: ${report.orphans.join(', ')}`);
    for (const p of report.positions) {
      if (p.heldBefore !== 0)
        logger.info(`recovery: ${p.symbol}: ${p.heldBefore} held at the venue is not the bot's: reported, never traded`);
      if (!p.ok && acceptVenue)
        logger.warn(`recovery: ${p.symbol}: bot ${p.bot}, venue ${p.venue}: the venue's state accepted (--accept-venue-state)`);
    }
  }
  const restored = controller.restoreTrades();
  if (restored.length > 0)
    logger.info(`recovery: re-armed the exit rules of ${restored.length} open position${restored.length === 1 ? '' : 's'}`);
  const replay = (controller as { replayFills?: (fills: readonly Fill[]) => number }).replayFills;
  const missed = report?.missedFills ?? [];
  let replayed = 0;
  if (missed.length > 0) {
    if (typeof replay === 'function') replayed = replay.call(controller, missed);
    else logger.warn(`recovery: ${missed.length} missed fills are journaled, but this @bt/core cannot replay them to the strategies`);
    logger.info(`recovery: ${replayed} missed fill${replayed === 1 ? '' : 's'} delivered to the strategies and the trade manager`);
  }
  return {
    ...(report === undefined ? {} : { summary: report.summary }),
    settled: report?.settled.length ?? 0,
    orphans: report?.orphans.length ?? 0,
    replayedFills: replayed,
    restoredTrades: restored.length,
    positions: report?.positions ?? [],
  };
}
