import type { Balance, Fill, Market, Position } from '@bt/core';
import { flatPosition } from '@bt/core';
import type { CcxtBalances } from './ccxt-types.js';

/** Keys of a ccxt balance object that are not currencies. */
const NOT_CURRENCIES: ReadonlySet<string> = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);

/** Core balances of a ccxt balance object: every currency with a non-zero amount, sorted. */
export function toBalances(balances: CcxtBalances): Balance[] {
  const out: Balance[] = [];
  for (const [currency, value] of Object.entries(balances)) {
    if (NOT_CURRENCIES.has(currency) || typeof value !== 'object' || value === null) continue;
    const entry = value as { free?: unknown; used?: unknown; total?: unknown };
    const free = finite(entry.free);
    const used = finite(entry.used);
    const total = finite(entry.total) ?? (free ?? 0) + (used ?? 0);
    if (total === 0 && (free ?? 0) === 0 && (used ?? 0) === 0) continue;
    out.push(Object.freeze({ currency, free: free ?? total - (used ?? 0), used: used ?? 0, total }));
  }
  return out.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

interface Basis {
  size: number;
  entry: number;
  realized: number;
  openedAt: number | undefined;
}

/**
 * Spot positions: the size is what the venue holds of the market's base currency (its balance is
 * the truth), the entry price and realized PnL come from the fills seen in this session. Holdings
 * that predate the session enter at the price they were first valued at. A holding smaller than
 * one amount step (dust that cannot be sold) counts as flat.
 *
 * Derivatives will get their own position source (ccxt `fetchPositions`); this one is spot only.
 */
export class SpotPositionBook {
  readonly #basis = new Map<string, Basis>();

  /** Accounts for one fill of this session. */
  apply(fill: Fill): void {
    const basis = this.#basis.get(fill.symbol) ?? { size: 0, entry: 0, realized: 0, openedAt: undefined };
    if (fill.side === 'buy') {
      const size = basis.size + fill.amount;
      basis.entry = size > 0 ? (basis.entry * basis.size + fill.price * fill.amount) / size : 0;
      if (basis.size <= 0) basis.openedAt = fill.timestamp;
      basis.size = size;
    } else {
      const closing = Math.min(fill.amount, basis.size);
      basis.realized += (fill.price - basis.entry) * closing;
      basis.size = Math.max(0, basis.size - fill.amount);
      if (basis.size === 0) {
        basis.entry = 0;
        basis.openedAt = undefined;
      }
    }
    this.#basis.set(fill.symbol, basis);
  }

  /**
   * The position of `market` given the base currency's balance `held` and the mark price.
   * Holdings not explained by this session's fills are valued at `mark` the first time they are seen.
   */
  position(market: Market, held: number, mark: number, now: number): Position {
    const basis = this.#basis.get(market.symbol);
    const dust = market.amountStep ?? 0;
    if (!(held > 0) || held < dust) return { ...flatPosition(market.symbol), realizedPnl: basis?.realized ?? 0 };
    let entry: number;
    let openedAt: number | undefined;
    if (basis !== undefined && basis.size > 0) {
      entry = basis.entry;
      openedAt = basis.openedAt;
    } else {
      entry = Number.isFinite(mark) ? mark : 0;
      openedAt = now;
      this.#basis.set(market.symbol, { size: held, entry, realized: basis?.realized ?? 0, openedAt });
    }
    return Object.freeze({
      symbol: market.symbol,
      side: 'long',
      size: held,
      entryPrice: entry,
      realizedPnl: basis?.realized ?? 0,
      unrealizedPnl: Number.isFinite(mark) ? (mark - entry) * held : 0,
      markPrice: Number.isFinite(mark) ? mark : entry,
      ...(openedAt === undefined ? {} : { openedAt }),
    });
  }
}
