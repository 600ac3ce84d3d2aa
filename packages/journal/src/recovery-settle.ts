import type { Clock, Fill, Order } from '@bt/core';
import { parseClientOrderId } from './client-order-id.js';
import { isJournalError } from './errors.js';
import type { SqliteJournal } from './journal.js';
import type { IntentStatus } from './lifecycle.js';
import type { VenueReader } from './recovery-venue.js';
import type { IntentRow } from './types.js';

/** A fill of at least this fraction of an order's amount fills it (rounding of venue amounts). */
const FILLED = 1 - 1e-9;

/** One intent recovery settled: where it was and where the venue's answer put it. */
export interface SettledIntent {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly from: IntentStatus;
  readonly to: IntentStatus;
}

/** What the look-ups by client order id found. */
export interface LookupResult {
  /** The venue's order of each intent it has, by client order id. */
  readonly found: Map<string, Order>;
  /** How often each intent the venue did not have was looked up, and over how long (ms). */
  readonly missing: Map<string, { readonly lookups: number; readonly spanMs: number }>;
}

/**
 * Looks every intent up at the venue by client order id (an open order listed by the venue
 * counts as found). Those not found are looked up again, every quarter of `receiveWindowMs`,
 * until their look-ups span more than `receiveWindowMs` on `clock`: a request still in flight
 * has then either arrived or will be refused by the venue as too old.
 */
export async function lookUp(
  intents: readonly IntentRow[],
  openOrders: ReadonlyMap<string, Order>,
  venue: VenueReader,
  clock: Clock,
  receiveWindowMs: number,
): Promise<LookupResult> {
  const found = new Map<string, Order>();
  const first = new Map<string, number>();
  const counts = new Map<string, number>();
  const once = async (intent: IntentRow): Promise<void> => {
    const id = intent.clientOrderId;
    if (!first.has(id)) first.set(id, clock.now());
    const order = openOrders.get(id) ?? (venue.looksUpByClientOrderId ? await venue.order(intent.symbol, id) : undefined);
    counts.set(id, (counts.get(id) ?? 0) + 1);
    if (order !== undefined) found.set(id, order);
  };
  for (const intent of intents) await once(intent);
  const stepMs = Math.max(1, Math.ceil(receiveWindowMs / 4));
  for (;;) {
    const waiting = intents.filter(
      (i) => !found.has(i.clientOrderId) && clock.now() - (first.get(i.clientOrderId) as number) <= receiveWindowMs,
    );
    if (waiting.length === 0 || !venue.looksUpByClientOrderId) break;
    await clock.sleep(stepMs);
    for (const intent of waiting) await once(intent);
  }
  const missing = new Map<string, { lookups: number; spanMs: number }>();
  for (const intent of intents) {
    const id = intent.clientOrderId;
    if (!found.has(id)) missing.set(id, { lookups: counts.get(id) ?? 0, spanMs: clock.now() - (first.get(id) as number) });
  }
  return { found, missing };
}

/** Records the venue's view of an order; a report the lifecycle refuses is logged as an anomaly and changes nothing. */
export function applyOrder(journal: SqliteJournal, intent: IntentRow, order: Order): void {
  try {
    journal.recordOrder({ ...order, clientOrderId: intent.clientOrderId });
  } catch (error) {
    if (!isJournalError(error, 'ILLEGAL_TRANSITION')) throw error;
    journal.appendEvent('recovery.anomaly', { clientOrderId: intent.clientOrderId, venueStatus: order.status, message: error.message });
  }
}

/**
 * Adopts the open orders at the venue whose client order id has the bot's prefix and that have no
 * journal row (orphans). Returns their client order ids.
 */
export function adoptOrphans(journal: SqliteJournal, openOrders: Iterable<Order>): string[] {
  const adopted: string[] = [];
  for (const order of openOrders) {
    const id = order.clientOrderId;
    const parts = id === undefined ? undefined : parseClientOrderId(id);
    if (id === undefined || parts === undefined || parts.prefix !== journal.clientIdPrefix || journal.intent(id) !== undefined) continue;
    journal.adoptOrder({ ...order, clientOrderId: id }, parts.seq);
    adopted.push(id);
  }
  return adopted;
}

/** The bot's intent a venue fill belongs to, if any: by client order id, else by venue order id (same symbol and side, not older than the intent). */
function intentOf(journal: SqliteJournal, fill: Fill, marginMs: number): IntentRow | undefined {
  if (fill.clientOrderId !== undefined && fill.clientOrderId.length > 0) return journal.intent(fill.clientOrderId);
  const intent = journal.intentByVenueOrderId(fill.orderId);
  if (intent === undefined || intent.symbol !== fill.symbol || intent.side !== fill.side) return undefined;
  return fill.timestamp >= intent.createdAt - marginMs ? intent : undefined;
}

/**
 * Journals each venue fill of the bot's orders (de-duplicated by identity), pending delivery to
 * the strategies. Returns how many were new.
 */
export function recordVenueFills(journal: SqliteJournal, fills: readonly Fill[], marginMs: number): number {
  let recorded = 0;
  for (const fill of fills) {
    const intent = intentOf(journal, fill, marginMs);
    if (intent === undefined) continue;
    const own = { ...fill, clientOrderId: intent.clientOrderId, ...(intent.tag === undefined ? {} : { tag: intent.tag }) };
    try {
      if (journal.recordFill(own, { pendingDelivery: true }).inserted) recorded++;
    } catch (error) {
      // E.g. a second venue order under the same client order id: the position check will see its fill.
      if (!isJournalError(error, 'INVALID_INPUT')) throw error;
      journal.appendEvent('recovery.anomaly', {
        clientOrderId: intent.clientOrderId,
        tradeId: fill.id,
        orderId: fill.orderId,
        message: error.message,
      });
    }
  }
  return recorded;
}

/** Amount and volume-weighted price of the journaled fills of an intent. */
function journaled(journal: SqliteJournal, clientOrderId: string): { amount: number; notional: number } {
  let amount = 0;
  let notional = 0;
  for (const f of journal.fillsOf(clientOrderId)) {
    amount += f.amount;
    notional += f.amount * f.price;
  }
  return { amount, notional };
}

/**
 * For a broker that cannot list fills: journals the part of `order`'s filled amount that has no
 * journaled fill as one fill rebuilt from the order (origin `reconstructed`, its id from the
 * filled amount, so a second recovery does not add it again). Returns true when it added one.
 */
export function reconstructFill(journal: SqliteJournal, intent: IntentRow, order: Order): boolean {
  const have = journaled(journal, intent.clientOrderId);
  const missing = order.filled - have.amount;
  if (!(missing > order.amount * (1 - FILLED))) return false;
  const average = order.averagePrice ?? intent.averagePrice ?? order.price ?? intent.price;
  if (average === undefined) return false;
  const price = (average * order.filled - have.notional) / missing;
  const fill: Fill = {
    id: `reconstructed-${order.filled}`,
    orderId: order.id,
    clientOrderId: intent.clientOrderId,
    symbol: intent.symbol,
    side: intent.side,
    amount: missing,
    price: price > 0 && Number.isFinite(price) ? price : average,
    fee: 0,
    feeCurrency: '',
    maker: false,
    timestamp: Math.round(order.updatedAt),
    ...(intent.tag === undefined ? {} : { tag: intent.tag }),
  };
  return journal.recordFill(fill, { origin: 'reconstructed', pendingDelivery: true }).inserted;
}

/**
 * Settles an intent the venue does not have: filled or canceled when the venue listed fills of
 * it (the venue forgot the order, not its trades); proven absent when it may never have arrived
 * (`intent`, `sent`, `unknown`) and its look-ups spanned the receive window; canceled when it was
 * acknowledged once (it is no longer open at the venue). Left as it is when the broker cannot
 * look orders up by client order id.
 */
export function settleMissing(
  journal: SqliteJournal,
  intent: IntentRow,
  evidence: { readonly lookups: number; readonly spanMs: number },
  receiveWindowMs: number,
  canLookUp: boolean,
): IntentRow {
  const id = intent.clientOrderId;
  const fills = journaled(journal, id);
  if (fills.amount > 0) {
    const status = fills.amount >= intent.amount * FILLED ? 'filled' : 'canceled';
    return journal.updateIntent(id, {
      status,
      filled: fills.amount,
      averagePrice: fills.notional / fills.amount,
      error: 'not at the venue any more; settled from its fills',
    });
  }
  if (!canLookUp) {
    journal.appendEvent('recovery.unresolved', { clientOrderId: id, reason: 'the broker cannot look orders up by client order id' });
    return intent;
  }
  if (intent.status === 'open' || intent.status === 'partially-filled') {
    return journal.updateIntent(id, { status: 'canceled', error: 'acknowledged earlier, no longer at the venue' });
  }
  if (evidence.spanMs <= receiveWindowMs) return intent;
  return journal.markAbsent(
    id,
    `not at the venue: ${evidence.lookups} look-ups by client order id over ${evidence.spanMs} ms (receive window ${receiveWindowMs} ms)`,
  );
}
