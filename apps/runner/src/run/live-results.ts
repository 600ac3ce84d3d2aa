import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IntentRow, JournalView } from '@bt/journal';
import { fillsCsv, tradesCsv } from '@bt/sim-broker';
import { allFills, allIntents, type Book, bookOf, fillOf } from './live-book.js';

/** Kind of the journal events that sample the bot's equity while it runs (one per new bar or fill). */
export const EQUITY_EVENT = 'runner.equity';

/** Payload of an {@link EQUITY_EVENT}. */
export interface EquitySample {
  /** Run's clock time (ms). */
  readonly time: number;
  /** The prices positions were marked at: symbol → last bar close. */
  readonly marks: Readonly<Record<string, number>>;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly netPnl: number;
}

/** Where a run's journal is, as results.json keeps it (for `bt report`). */
export interface JournalReference {
  readonly file: string;
  readonly botName: string;
  readonly runId: number;
}

/**
 * results.json of a paper or live run without the figures the journal gives: what the runner
 * knows of the run (mode, clock, bars, status...). The journal's place is under `journal`.
 */
export interface LiveResultsHeader extends Readonly<Record<string, unknown>> {
  readonly journal: JournalReference;
  /** Equity before any fill: the paper account's cash; 0 live (equity is then the bot's net PnL). */
  readonly initialEquity: number;
  readonly currency: string;
}

/** The equity samples of run `runId`, oldest first. */
export function equitySamples(journal: JournalView, runId: number): EquitySample[] {
  const samples: EquitySample[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = journal.events({ kind: EQUITY_EVENT, afterSeq, limit: 1000 });
    for (const e of page) if (e.runId === runId) samples.push(e.payload as EquitySample);
    if (page.length < 1000) return samples;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
  }
}

/** orders.csv of a paper or live run: one row per intent the run journaled, as the journal has it now. */
export function intentsCsv(intents: readonly IntentRow[]): string {
  const header =
    'client_order_id,symbol,strategy_id,source,reason,side,type,amount,price,stop_price,submitted_at,accepted,order_id,status,ack_reason,error';
  const rows = intents.map((i) => {
    const rejected = i.status === 'rejected';
    const accepted = i.venueOrderId !== undefined ? true : rejected ? false : undefined;
    return [
      i.clientOrderId,
      i.symbol,
      i.strategy,
      i.source,
      i.reason,
      i.side,
      i.type,
      i.amount,
      i.price,
      i.stopPrice,
      i.sentAt ?? i.createdAt,
      accepted,
      i.venueOrderId,
      i.status,
      rejected ? i.lastError : undefined,
      rejected ? undefined : i.lastError,
    ]
      .map(csvField)
      .join(',');
  });
  return `${[header, ...rows].join('\n')}\n`;
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Largest fall from a running peak, as a fraction (0 to 1); 0 when the peak is not positive. */
function maxDrawdown(values: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const v of values) {
    peak = Math.max(peak, v);
    if (peak > 0) worst = Math.max(worst, 1 - v / peak);
  }
  return worst;
}

/** What {@link writeLiveResults} wrote. */
export interface LiveResults {
  readonly orders: number;
  readonly fills: number;
  readonly trades: number;
  readonly closedTrades: number;
  readonly book: Book;
}

/**
 * Writes the results of a paper or live run from its journal: orders.csv and fills.csv (what run
 * `header.journal.runId` sent and got), trades.csv and the PnL (the bot's book: every fill it
 * journaled, since positions carry over from run to run), equity.csv (the run's equity samples)
 * and results.json (`header` with the figures). A killed run's journal gives the same files.
 */
export async function writeLiveResults(dir: string, journal: JournalView, header: LiveResultsHeader): Promise<LiveResults> {
  const { runId } = header.journal;
  const intents = allIntents(journal);
  const tags = new Map(intents.map((i) => [i.clientOrderId, i.tag ?? i.strategy]));
  const fillRows = allFills(journal);
  const fills = fillRows.map((f) => fillOf(f, tags.get(f.clientOrderId)));
  const runFills = fills.filter((_, i) => fillRows[i]?.runId === runId);
  const runIntents = intents.filter((i) => i.runId === runId);
  const samples = equitySamples(journal, runId);
  const lastMarks: Record<string, number> = {};
  for (const f of fills) lastMarks[f.symbol] = f.price;
  Object.assign(lastMarks, samples.at(-1)?.marks ?? {});
  const book = bookOf(fills, lastMarks);
  const base = header.initialEquity;
  const times = samples.map((s) => s.time);
  const values = samples.map((s) => base + s.netPnl);
  const closedTrades = book.trades.filter((t) => t.exitTime !== undefined);
  const wins = closedTrades.filter((t) => (t.pnl ?? 0) > 0).length;
  const finalEquity = base + book.netPnl;
  await writeFile(join(dir, 'orders.csv'), intentsCsv(runIntents), 'utf8');
  await writeFile(join(dir, 'fills.csv'), fillsCsv(runFills), 'utf8');
  await writeFile(join(dir, 'trades.csv'), tradesCsv(book.trades), 'utf8');
  await writeFile(join(dir, 'equity.csv'), `time,equity\n${times.map((t, i) => `${t},${values[i]}\n`).join('')}`, 'utf8');
  const results = {
    ...header,
    finalEquity,
    pnl: {
      realized: book.realizedPnl,
      unrealized: book.unrealizedPnl,
      fees: book.fees,
      net: book.netPnl,
      marks: lastMarks,
      scope: "the bot's fills in its journal, every run: positions carry over from run to run",
    },
    positions: book.positions,
    metrics: {
      ...(base > 0 ? { totalReturn: book.netPnl / base } : {}),
      maxDrawdown: maxDrawdown(values),
      tradeCount: closedTrades.length,
      openTradeCount: book.trades.length - closedTrades.length,
      ...(closedTrades.length === 0 ? {} : { winRate: wins / closedTrades.length }),
      feesPaid: book.fees,
    },
    orderCount: runIntents.length,
    fillCount: runFills.length,
    tradeRowCount: book.trades.length,
    closedTrades: closedTrades.length,
    equitySamples: samples.length,
  };
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`, 'utf8');
  return { orders: runIntents.length, fills: runFills.length, trades: book.trades.length, closedTrades: closedTrades.length, book };
}
