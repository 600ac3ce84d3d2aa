import type { Broker, Clock, Fill, Logger, TradingController } from '@bt/core';
import {
  isJournalError,
  type PositionCheck,
  type RecoveryOptions,
  type RecoveryReport,
  recoverFromVenue,
  type SqliteJournal,
} from '@bt/journal';
import { stateRefusal } from './refusal.js';

/** What recovery at start did, for the log and results.json. */
export interface StartRecovery {
  /** The journal's one line of what was compared. */
  readonly summary: string;
  readonly settled: number;
  readonly orphans: number;
  /** Missed fills handed to the strategies and the trade manager (new ones). */
  readonly replayedFills: number;
  /** Open positions whose exit rules were re-armed. */
  readonly restoredTrades: number;
  /** Orders of earlier runs still in flight (open at the venue, or of unsettled outcome), back in `ctx.pendingOrders`. */
  readonly resumedOrders: number;
  readonly positions: readonly PositionCheck[];
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
  readonly recover?: (options: RecoveryOptions) => Promise<RecoveryReport>;
}

/**
 * Recovery at start, after `controller.initialize()` and before `start()`: settles the journal's
 * unfinished intents and compares positions with the venue (`recoverFromVenue`), logs what was
 * compared, re-arms the exit rules of open positions (`restoreTrades`), puts the orders still in
 * flight back in the strategies' view (`resumeOrders`) and hands the missed fills to the
 * strategies and the trade manager (`replayFills`).
 *
 * @throws BtError `STATE` (a refusal, exit code 3) when the bot's positions disagree with the
 *   venue's: the message says what differs and how to accept the venue's state.
 */
export async function recoverAtStart(options: RecoverAtStartOptions): Promise<StartRecovery> {
  const { journal, broker, controller, symbols, clock, logger, acceptVenue } = options;
  const recover = options.recover ?? recoverFromVenue;
  let report: RecoveryReport;
  try {
    report = await recover({ journal, broker, symbols, clock, logger: logger.child({ component: 'recovery' }), acceptVenue });
  } catch (error) {
    if (!isJournalError(error, 'POSITION_MISMATCH')) throw error;
    throw stateRefusal(`${error.message}\nNothing was sent.`, { ...error.details }, error);
  }
  logger.info(`recovery: ${report.summary}`);
  for (const s of report.settled) logger.info(`recovery: ${s.clientOrderId} (${s.symbol}) ${s.from} -> ${s.to}`);
  if (report.orphans.length > 0)
    logger.warn(`recovery: adopted orders found at the venue with no journal row: ${report.orphans.join(', ')}`);
  for (const p of report.positions) {
    if (p.heldBefore !== 0)
      logger.info(`recovery: ${p.symbol}: ${p.heldBefore} held at the venue is not the bot's: reported, never traded`);
  }
  const restored = controller.restoreTrades();
  if (restored.length > 0)
    logger.info(`recovery: re-armed the exit rules of ${restored.length} open position${restored.length === 1 ? '' : 's'}`);
  const resumed = controller.resumeOrders();
  if (resumed.length > 0) {
    const ids = resumed.map((o) => `${o.request.clientOrderId} (${o.status})`).join(', ');
    logger.info(`recovery: ${resumed.length} order${resumed.length === 1 ? '' : 's'} of earlier runs still in flight: ${ids}`);
  }
  const replayed = replayMissedFills(controller, report.missedFills, logger);
  return {
    summary: report.summary,
    settled: report.settled.length,
    orphans: report.orphans.length,
    replayedFills: replayed,
    restoredTrades: restored.length,
    resumedOrders: resumed.length,
    positions: report.positions,
  };
}

/** Hands the missed fills to `controller.replayFills`; returns how many were new. */
function replayMissedFills(controller: TradingController, missed: readonly Fill[], logger: Logger): number {
  if (missed.length === 0) return 0;
  const replayed = controller.replayFills(missed);
  logger.info(`recovery: ${replayed} missed fill${replayed === 1 ? '' : 's'} delivered to the strategies and the trade manager`);
  return replayed;
}
