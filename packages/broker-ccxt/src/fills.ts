import type { Fill } from '@bt/core';
import { BtError, isBtError } from '@bt/core';
import type { CcxtTrade } from './ccxt-types.js';
import type { OrderIntent } from './mapping.js';
import { toFill } from './mapping.js';

/** Trades asked for per page. */
export const FILLS_PAGE = 1_000;

/** Pages read at most in one {@link fetchAccountFills} before it refuses to go on. */
const MAX_PAGES = 10_000;

/** What {@link fetchAccountFills} needs from the broker: its classified, retried ccxt calls and what it knows of its orders. */
export interface FillsSource {
  /** The market's quote currency (a fee's currency when the venue names none). */
  readonly quote: string;
  /** True when the venue pages trades by id (`fromId`, Binance); else pages go by time. */
  readonly pagesById: boolean;
  /** Trades asked for per page. Default {@link FILLS_PAGE}. */
  readonly pageSize?: number;
  /** ccxt `fetchMyTrades(symbol, since, limit, params)`, classified and retried. */
  myTrades(since: number | undefined, limit: number, params: Readonly<Record<string, unknown>>): Promise<CcxtTrade[]>;
  /** What the adapter knows of the order it follows under client order id `clientOrderId` and venue id `orderId`. */
  intentOf(clientOrderId: string, orderId: string): OrderIntent | undefined;
  /** The client order id of venue order `orderId`, read from the venue (undefined when it has none, or no such order). */
  clientOrderIdOf(orderId: string): Promise<string | undefined>;
}

/**
 * The account's fills in one symbol at or after `since` (ms), oldest first (by time, then trade
 * id), each with its venue trade id, order id and client order id when the venue gives one. Reads
 * ccxt `fetchMyTrades` until the history is exhausted: from `since`, then, on a venue that pages
 * by id, by `fromId` (when a venue answers only a bounded window after `since`, the first trade
 * since then is found by bisection over trade ids); elsewhere by time from the last trade seen.
 * Each trade appears once, even where pages overlap.
 */
export async function fetchAccountFills(source: FillsSource, symbol: string, since: number): Promise<Fill[]> {
  const trades = await readTrades(source, since);
  const clientIds = new Map<string, string | undefined>();
  const out: Fill[] = [];
  for (const trade of trades) {
    const orderId = String(trade.order);
    // The client order id comes from the venue: a venue whose ids restarted can reuse an order id the adapter knew.
    if (!clientIds.has(orderId)) clientIds.set(orderId, await source.clientOrderIdOf(orderId));
    const clientOrderId = clientIds.get(orderId);
    const intent = clientOrderId === undefined ? undefined : source.intentOf(clientOrderId, orderId);
    const fill = toFill({ ...trade, symbol: trade.symbol ?? symbol }, intent, source.quote);
    out.push(clientOrderId === undefined || fill.clientOrderId === clientOrderId ? fill : Object.freeze({ ...fill, clientOrderId }));
  }
  return out;
}

/** Every trade at or after `since`, each once, sorted by time then id. */
async function readTrades(source: FillsSource, since: number): Promise<CcxtTrade[]> {
  const byId = new Map<string, CcxtTrade>();
  const add = (page: readonly CcxtTrade[]): number => {
    let added = 0;
    for (const trade of page) {
      if (trade.id === undefined || trade.id === null || (trade.timestamp ?? 0) < since) continue;
      const id = String(trade.id);
      if (byId.has(id)) continue;
      byId.set(id, trade);
      added++;
    }
    return added;
  };
  const limit = source.pageSize ?? FILLS_PAGE;
  let pages = 0;
  const page = async (from: number | undefined, params: Readonly<Record<string, unknown>>, size = limit): Promise<CcxtTrade[]> => {
    if (++pages > MAX_PAGES) throw new BtError('EXCHANGE', `fetchFills: more than ${MAX_PAGES} pages of trades since ${since}`);
    return source.myTrades(from, size, params);
  };
  // 1. The first page from `since`.
  if (add(await page(since, {})) === 0) {
    // A venue may answer only a bounded window after `since` (Binance: 24 hours). Its newest
    // trades say whether there is anything at all since then...
    if (!source.pagesById || add(await page(undefined, {})) === 0) return sortTrades([...byId.values()]);
    // ...and trade ids rise with time: find the first one at or after `since` by bisection.
    const oldestRecent = sortTrades([...byId.values()])[0] as CcxtTrade;
    const firstId = await firstIdSince(since, Number(oldestRecent.id), (fromId) => page(undefined, { fromId }, 1));
    add(await page(undefined, { fromId: firstId }));
  }
  // 2. On from the newest trade seen, until a page brings nothing new.
  for (;;) {
    const newest = sortTrades([...byId.values()]).at(-1) as CcxtTrade;
    const numericId = Number(newest.id);
    const next =
      source.pagesById && Number.isSafeInteger(numericId)
        ? await page(undefined, { fromId: numericId + 1 })
        : await page(newest.timestamp ?? since, {});
    if (add(next) === 0) break;
  }
  return sortTrades([...byId.values()]);
}

/**
 * The smallest trade id from which the venue's first trade is at or after `since`, given that
 * trade `upper` is: a bisection over ids, one single-trade page per step.
 */
async function firstIdSince(since: number, upper: number, firstFrom: (fromId: number) => Promise<CcxtTrade[]>): Promise<number> {
  let lo = 0;
  let hi = Number.isSafeInteger(upper) && upper >= 0 ? upper : 0;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [trade] = await firstFrom(mid);
    if (trade !== undefined && (trade.timestamp ?? 0) >= since) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sortTrades(trades: CcxtTrade[]): CcxtTrade[] {
  return trades.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || compareIds(String(a.id), String(b.id)));
}

/** Numeric ids by value, others as text. */
function compareIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `undefined` for an order-not-found error, else rethrows: the venue has no such order. */
export function noOrder(error: unknown): undefined {
  if (isBtError(error, 'ORDER_NOT_FOUND')) return undefined;
  throw error;
}
