import type { Market } from '@bt/core';
import type { FillRow } from './types.js';
import type { JournalView } from './view.js';

/** The bot's position in one symbol, from its own journaled fills. */
export interface OwnPosition {
  readonly symbol: string;
  /**
   * Signed base amount: positive long, negative short. For a spot market, fees the venue took in
   * the base currency are subtracted: it is what the bot's fills left in the account.
   */
  readonly amount: number;
  /** Average entry price of the open amount (0 when flat). */
  readonly entryPrice: number;
  /** Profit of the amounts closed, in quote currency (fees not included). */
  readonly realizedPnl: number;
  /** Time of the fill that opened the current position; undefined when flat. */
  readonly openedAt?: number;
}

/**
 * The base currency whose fees reduce the bot's holding in `symbol`: the base of a spot market,
 * none for a derivative. A symbol without a market is read from its name (`BASE/QUOTE` is spot,
 * `BASE/QUOTE:SETTLE` a derivative).
 */
export function spotBaseOf(symbol: string, markets: readonly Market[]): string | undefined {
  const market = markets.find((m) => m.symbol === symbol);
  if (market !== undefined) return market.type === 'spot' ? market.base : undefined;
  if (symbol.includes(':')) return undefined;
  return symbol.split('/')[0];
}

/** Running position accounting of one symbol's fills. */
class Book {
  amount = 0;
  entryPrice = 0;
  realizedPnl = 0;
  openedAt: number | undefined;
  volume = 0;

  add(fill: FillRow, spotBase: string | undefined): void {
    const quantity = fill.side === 'buy' ? fill.amount : -fill.amount;
    this.volume += fill.amount;
    if (this.amount === 0 || Math.sign(quantity) === Math.sign(this.amount)) {
      const size = Math.abs(this.amount);
      this.entryPrice = (this.entryPrice * size + fill.price * fill.amount) / (size + fill.amount);
      if (this.amount === 0) this.openedAt = fill.time;
      this.amount += quantity;
    } else {
      const closed = Math.min(fill.amount, Math.abs(this.amount));
      this.realizedPnl += closed * (fill.price - this.entryPrice) * Math.sign(this.amount);
      const before = this.amount;
      this.amount += quantity;
      if (Math.sign(this.amount) !== Math.sign(before) && this.amount !== 0) {
        this.entryPrice = fill.price;
        this.openedAt = fill.time;
      }
    }
    if (spotBase !== undefined && fill.feeCurrency === spotBase) this.amount -= fill.fee;
    if (Math.abs(this.amount) <= 1e-12 * Math.max(1, this.volume)) {
      this.amount = 0;
      this.entryPrice = 0;
      this.openedAt = undefined;
    }
  }
}

/**
 * The bot's positions from its own journaled fills, kept up to date: each {@link OwnLedger.read}
 * reads only the fills journaled since the last one.
 */
export class OwnLedger {
  readonly #books = new Map<string, Book>();
  readonly #markets: readonly Market[];
  #afterSeq = 0;

  constructor(markets: readonly Market[] = []) {
    this.#markets = markets;
  }

  /** The positions, by symbol (flat ones included, amount 0). */
  read(journal: JournalView): Map<string, OwnPosition> {
    for (;;) {
      const page = journal.fills({ afterSeq: this.#afterSeq, limit: 1000 });
      for (const fill of page) {
        const book = this.#books.get(fill.symbol) ?? new Book();
        this.#books.set(fill.symbol, book);
        book.add(fill, spotBaseOf(fill.symbol, this.#markets));
      }
      const last = page[page.length - 1];
      if (last === undefined) break;
      this.#afterSeq = last.seq;
    }
    const positions = new Map<string, OwnPosition>();
    for (const [symbol, book] of this.#books) {
      positions.set(symbol, {
        symbol,
        amount: book.amount,
        entryPrice: book.entryPrice,
        realizedPnl: book.realizedPnl,
        ...(book.openedAt === undefined ? {} : { openedAt: book.openedAt }),
      });
    }
    return positions;
  }
}

/**
 * The bot's positions from its own journaled fills, by symbol: never the account's balance.
 * `markets` say which symbols are spot (whose base-currency fees reduce the holding).
 */
export function ownPositions(journal: JournalView, markets: readonly Market[] = []): Map<string, OwnPosition> {
  return new OwnLedger(markets).read(journal);
}
