import type { Fill, Order } from '@bt/core';
import type { FillRow, IntentRow } from '@bt/journal';

/** What the crash matrix counts after a run: each figure must be 0. */
export interface AuditFigures {
  /** Client order ids the venue accepted more than one order for. */
  readonly duplicateOrdersPerClientId: number;
  /** Journal intents that the venue holds more than one order for, or whose venue order id is another intent's. */
  readonly duplicateOrdersPerIntent: number;
  /** Venue orders with the bot's client-id prefix that the journal has no intent for. */
  readonly unjournaledOrders: number;
  /** Venue trades of the bot's orders missing from the journal, plus those the journal holds more than once. */
  readonly lostFills: number;
  readonly duplicatedFills: number;
  /** Symbols where the bot's position (the net of its journaled fills) differs from the net of the venue's fills of its orders. */
  readonly positionMismatches: number;
}

/** The venue's and the journal's records, as the audit reads them. */
export interface AuditInput {
  readonly venueOrders: readonly Order[];
  readonly venueFills: readonly Fill[];
  readonly intents: readonly IntentRow[];
  readonly journalFills: readonly FillRow[];
  /** The bot's client order id prefix (`<prefix>-...`). */
  readonly prefix: string;
}

const EPSILON = 1e-9;

/** Counts duplicates, lost fills and position mismatches between a venue and a bot's journal. */
export function audit(input: AuditInput): AuditFigures {
  return auditWithLosses(input).figures;
}

/** {@link audit}, with the venue's fills that the journal lacks (for the failure message). */
export function auditWithLosses(input: AuditInput): { figures: AuditFigures; lost: readonly Fill[] } {
  const ours = (clientOrderId: string | undefined): clientOrderId is string =>
    clientOrderId !== undefined && clientOrderId.startsWith(`${input.prefix}-`);
  const botOrders = input.venueOrders.filter((o) => ours(o.clientOrderId));
  const perClientId = countBy(botOrders, (o) => o.clientOrderId as string);
  const intents = new Map(input.intents.map((i) => [i.clientOrderId, i]));
  let perIntent = 0;
  const venueIdOwners = countBy(
    input.intents.filter((i) => i.venueOrderId !== undefined),
    (i) => i.venueOrderId as string,
  );
  for (const intent of input.intents) {
    if ((perClientId.get(intent.clientOrderId) ?? 0) > 1) perIntent++;
    else if (intent.venueOrderId !== undefined && (venueIdOwners.get(intent.venueOrderId) ?? 0) > 1) perIntent++;
  }
  const venueFills = input.venueFills.filter((f) => ours(f.clientOrderId));
  // By identity, as the journal de-duplicates: venue ids alone repeat after an exchange restart.
  const key = (symbol: string, clientOrderId: string, orderId: string, tradeId: string) =>
    `${symbol}|${clientOrderId}|${orderId}|${tradeId}`;
  const journaled = countBy(input.journalFills, (f) => key(f.symbol, f.clientOrderId, f.venueOrderId, f.tradeId));
  const lostFills = venueFills.filter((f) => !journaled.has(key(f.symbol, f.clientOrderId as string, f.orderId, f.id)));
  const duplicated = [...journaled.values()].filter((n) => n > 1).length;
  const net = (fills: readonly { symbol: string; side: string; amount: number }[]) => {
    const bySymbol = new Map<string, number>();
    for (const f of fills) bySymbol.set(f.symbol, (bySymbol.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.amount : -f.amount));
    return bySymbol;
  };
  const venueNet = net(venueFills);
  const botNet = net(input.journalFills);
  const symbols = new Set([...venueNet.keys(), ...botNet.keys()]);
  const mismatches = [...symbols].filter((s) => Math.abs((venueNet.get(s) ?? 0) - (botNet.get(s) ?? 0)) > EPSILON).length;
  const figures = {
    duplicateOrdersPerClientId: [...perClientId.values()].filter((n) => n > 1).length,
    duplicateOrdersPerIntent: perIntent,
    unjournaledOrders: [...perClientId.keys()].filter((id) => !intents.has(id)).length,
    lostFills: lostFills.length,
    duplicatedFills: duplicated,
    positionMismatches: mismatches,
  };
  return { figures, lost: lostFills };
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}
