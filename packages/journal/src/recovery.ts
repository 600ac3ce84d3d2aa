import { type Broker, type Clock, type Fill, type Logger, type Order, silentLogger } from '@bt/core';
import { fillOf } from './fill-of.js';
import type { SqliteJournal } from './journal.js';
import { isFinalStatus } from './lifecycle.js';
import { acceptVenueState, comparePositions, figure, mismatchError, type PositionCheck } from './recovery-positions.js';
import {
  adoptOrphans,
  applyOrder,
  lookUp,
  reconstructFill,
  recordVenueFills,
  type SettledIntent,
  settleMissing,
} from './recovery-settle.js';
import { VenueReader } from './recovery-venue.js';
import type { IntentRow } from './types.js';
import type { RetryPolicy } from './venue-retry.js';

export type { PositionCheck } from './recovery-positions.js';
export type { SettledIntent } from './recovery-settle.js';

/** How far before the journal's last fill (or oldest open intent) the venue's fills are read again: venue and bot clocks differ. */
export const FILL_LOOKBACK_MS = 60_000;

/** What {@link recoverFromVenue} takes. */
export interface RecoveryOptions {
  readonly journal: SqliteJournal;
  readonly broker: Broker;
  /** The symbols the bot trades; symbols of open intents and of the bot's positions are added. */
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly logger?: Logger;
  /** How long a request may take to reach the venue and still be taken (Binance's `recvWindow`). Default 5000 ms. */
  readonly receiveWindowMs?: number;
  /** Record an adjustment so the bot's positions equal the venue's, instead of refusing to trade. */
  readonly acceptVenue?: boolean;
  /** How venue calls are retried (network errors, 429, 5xx). Default: 8 tries, 500 ms doubling to 8 s. */
  readonly retry?: RetryPolicy;
}

/** What {@link recoverFromVenue} found and did. */
export interface RecoveryReport {
  /** Every intent that was not final, with the status the venue's answer gave it. */
  readonly settled: readonly SettledIntent[];
  /** Fills recorded by recovery that no strategy was handed yet, in time order: hand them to `controller.replayFills`. */
  readonly missedFills: readonly Fill[];
  /** Client order ids of orders adopted: open at the venue with this bot's prefix and no journal row. */
  readonly orphans: readonly string[];
  readonly positions: readonly PositionCheck[];
  /** One log line saying what was compared. */
  readonly summary: string;
}

/** Where to start reading the venue's fills of `symbol`: before the last journaled fill and before every open intent. */
function fillsSince(journal: SqliteJournal, symbol: string, open: readonly IntentRow[]): number {
  const times = open.filter((i) => i.symbol === symbol).map((i) => i.createdAt);
  const last = journal.lastFillTime(symbol);
  if (last !== undefined) times.push(last);
  if (times.length === 0) times.push(journal.runs()[0]?.startedAt ?? 0);
  return Math.max(0, Math.min(...times) - FILL_LOOKBACK_MS);
}

function summaryOf(
  settled: readonly SettledIntent[],
  newFills: number,
  orphans: readonly string[],
  checks: readonly PositionCheck[],
  adjusted: ReadonlyMap<string, number>,
): string {
  const counts = new Map<string, number>();
  const words: Record<string, string> = { 'partially-filled': 'partially filled', absent: 'proven absent', open: 'still open' };
  for (const s of settled) counts.set(words[s.to] ?? s.to, (counts.get(words[s.to] ?? s.to) ?? 0) + 1);
  const detail = settled.length === 0 ? '' : ` (${[...counts].map(([w, n]) => `${n} ${w}`).join(', ')})`;
  const positions = checks.map((c) => {
    const held = c.heldBefore > 0 ? ` (${figure(c.heldBefore)} held before the bot, not traded)` : '';
    const delta = adjusted.get(c.symbol);
    const accepted = delta === undefined ? '' : ` (the venue's state accepted: the bot's position adjusted by ${figure(delta)})`;
    return `${c.symbol} bot ${figure(c.bot)} ${c.ok ? '=' : '!='} venue ${figure(c.venue)}${held}${accepted}`;
  });
  return (
    `reconciled with the venue: ${settled.length} open intent${settled.length === 1 ? '' : 's'} looked up${detail}, ` +
    `${newFills} missed fill${newFills === 1 ? '' : 's'} recorded, ${orphans.length} orphan${orphans.length === 1 ? '' : 's'}, ` +
    `positions ${positions.length === 0 ? 'none' : positions.join(', ')}`
  );
}

/**
 * Reconciles the journal with the venue at start, before any strategy runs:
 *
 * 1. looks every intent that is not final up by client order id, and reads the venue's open
 *    orders and (with `broker.fetchFills`) its fills since the journal's last fill of each symbol;
 * 2. settles each intent as filled, partially filled, open, canceled, or proven absent (only
 *    after look-ups spanning more than `receiveWindowMs`); it never sends an order;
 * 3. journals every fill of the bot's orders once (without `fetchFills`, rebuilt from the
 *    order's filled amount) and returns those no strategy was handed yet as `missedFills`;
 * 4. adopts open orders with the bot's client order id prefix and no journal row (orphans);
 * 5. compares the bot's positions (the net of its own fills) with the venue's, and throws a
 *    `JournalError` of kind `POSITION_MISMATCH` when they disagree, unless `acceptVenue`.
 *
 * Venue calls retry network errors, 429s and 5xxs with bounded backoff on `clock`; any other
 * failure stops recovery with a {@link BtError} naming the call. What it did is in the journal's
 * event log (`recovery.*`).
 */
export async function recoverFromVenue(options: RecoveryOptions): Promise<RecoveryReport> {
  const { journal, clock } = options;
  const logger = options.logger ?? silentLogger;
  const receiveWindowMs = options.receiveWindowMs ?? 5000;
  const venue = new VenueReader(options.broker, clock, logger, options.retry);
  const open = journal.openIntents();
  const held = journal.netPositions().filter((p) => p.amount !== 0);
  const symbols = [...new Set([...options.symbols, ...open.map((i) => i.symbol), ...held.map((p) => p.symbol)])];
  journal.appendEvent('recovery.started', { symbols, openIntents: open.map((i) => i.clientOrderId), receiveWindowMs });

  const openOrders = new Map<string, Order>();
  for (const symbol of symbols) {
    for (const order of await venue.openOrders(symbol)) if (order.clientOrderId !== undefined) openOrders.set(order.clientOrderId, order);
  }
  const since = new Map(symbols.map((s) => [s, fillsSince(journal, s, open)] as const));
  const { found, missing } = await lookUp(open, openOrders, venue, clock, receiveWindowMs);
  const venueFills: Fill[] = [];
  for (const symbol of symbols) venueFills.push(...(await venue.fills(symbol, since.get(symbol) as number)));
  venueFills.sort((a, b) => a.timestamp - b.timestamp || a.symbol.localeCompare(b.symbol) || a.id.localeCompare(b.id));

  for (const intent of open) {
    const order = found.get(intent.clientOrderId);
    if (order !== undefined) applyOrder(journal, intent, order);
  }
  const orphans = adoptOrphans(journal, openOrders.values());
  let newFills = recordVenueFills(journal, venueFills, FILL_LOOKBACK_MS);
  const settled: SettledIntent[] = [];
  for (const intent of open) {
    const order = found.get(intent.clientOrderId);
    let row: IntentRow | undefined;
    if (order === undefined) {
      const evidence = missing.get(intent.clientOrderId) ?? { lookups: 0, spanMs: 0 };
      row = settleMissing(journal, intent, evidence, receiveWindowMs, venue.looksUpByClientOrderId);
    } else {
      if (!venue.listsFills && reconstructFill(journal, intent, order)) newFills++;
      row = journal.intent(intent.clientOrderId);
    }
    settled.push({ clientOrderId: intent.clientOrderId, symbol: intent.symbol, from: intent.status, to: row?.status ?? intent.status });
  }
  const unresolved = settled.filter((s) => !isFinalStatus(s.to) && s.to !== 'open' && s.to !== 'partially-filled');
  if (!venue.listsFills)
    logger.warn('recovery: the broker cannot list fills (fetchFills); fills of settled orders are rebuilt from their filled amounts');
  for (const s of unresolved) logger.warn(`recovery: ${s.clientOrderId} could not be settled with the venue; it stays ${s.to}`, { ...s });
  journal.appendEvent('recovery.settled', { settled, orphans, newFills, lookups: venue.lookups });

  const compared = await comparePositions(journal, venue, symbols);
  let checks = compared.checks;
  const adjusted = new Map<string, number>();
  journal.appendEvent('recovery.positions', { checks });
  if (checks.some((c) => !c.ok)) {
    if (options.acceptVenue !== true) {
      const error = mismatchError(checks, compared.markets, journal.file);
      journal.appendEvent('recovery.refused', { message: error.message });
      throw error;
    }
    checks = await acceptVenueState(journal, venue, checks, compared.markets, clock, logger);
    for (const [i, before] of compared.checks.entries()) {
      if (!before.ok) adjusted.set(before.symbol, (checks[i] as PositionCheck).bot - before.bot);
    }
  }

  const tags = new Map<string, string | undefined>();
  const missedFills = journal.pendingFills().map((row) => {
    if (!tags.has(row.clientOrderId)) tags.set(row.clientOrderId, journal.intent(row.clientOrderId)?.tag);
    return fillOf(row, tags.get(row.clientOrderId));
  });
  const summary = summaryOf(settled, newFills, orphans, checks, adjusted);
  journal.appendEvent('recovery.completed', { summary, missedFills: missedFills.length });
  // The caller logs the summary (the runner as `recovery: <summary>`); here it is only a debug line.
  logger.debug(summary, { settled: settled.length, missedFills: missedFills.length, orphans: orphans.length });
  return { settled, missedFills, orphans, positions: checks, summary };
}
