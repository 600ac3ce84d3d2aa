import type { Balance, OrderSide, Position } from '@bt/core';
import { BtError } from '@bt/core';
import type { MarketTable } from '../markets.js';

/** Options of an {@link Account}. */
export interface AccountOptions {
  /** Currency the account is valued in, and the quote of symbols written without `/`. Default `USD`. */
  readonly currency?: string;
  /** Starting cash per currency. Default `{ [currency]: 1_000_000 }`. */
  readonly balances?: Readonly<Record<string, number>>;
  /** Whether sells may open or grow a short position. Default false. */
  readonly allowShort?: boolean;
}

/** Starting cash when no balances are given. */
export const DEFAULT_STARTING_CASH = 1_000_000;

/** A fill may leave free cash this far below zero (relative to the balance) before it is refused: float rounding. */
const FUNDS_TOLERANCE = 1e-9;
/** A position smaller than this fraction of the trade that left it is treated as flat: float rounding. */
const DUST = 1e-12;

const EMPTY: readonly Position[] = Object.freeze([]);

/**
 * Balances and positions of one simulated account, and the rules that guard them. The matching
 * engine asks {@link Account.check} before every execution and then calls {@link Account.apply};
 * the SimulatedBroker and the exchange emulator share this one implementation.
 *
 * Rules (all arithmetic float64):
 * - cash is kept per currency; a fill moves the market's quote currency: a buy debits
 *   `amount x price + fee`, a sell credits `amount x price - fee`;
 * - a position is a signed size per market with an average entry price. Growing it averages the
 *   entry; reducing it realizes `(price - entry) x closed size` (signed by the side), before fees;
 *   crossing zero closes the old position and opens the rest on the other side at the fill price;
 * - reducing a position is never refused for funds;
 * - the part of a sell that opens or grows a short needs `allowShort`;
 * - a short is cash-secured: while it is open, its sale proceeds and the same amount again are
 *   held as `used` (`2 x size x entry`), so opening it needs free cash of `notional + fee`;
 * - a fill whose opening part would leave the quote currency's free cash below zero is refused
 *   (`insufficient ...`);
 * - equity = sum of every currency's total (counted one for one, no conversion) + the sum over
 *   open positions of signed size x mark price (the symbol's latest close).
 */
export class Account {
  /** Currency the account is valued in. */
  readonly currency: string;
  /** Whether shorts may be opened. */
  readonly allowShort: boolean;
  /** The markets this account trades. */
  readonly markets: MarketTable;
  /** Equity before any trade: the sum of the starting balances. */
  readonly initialEquity: number;
  readonly #currencies: readonly string[];
  readonly #total: Float64Array;
  readonly #used: Float64Array;
  readonly #fees: Float64Array;
  readonly #quoteOf: Int32Array;
  readonly #size: Float64Array;
  readonly #entry: Float64Array;
  readonly #realized: Float64Array;
  readonly #mark: Float64Array;
  readonly #openedAt: Float64Array;
  readonly #positionCache: (readonly Position[] | undefined)[];
  #openCache: readonly Position[] | undefined;
  #balanceCache: readonly Balance[] | undefined;
  #openCount = 0;

  /** @throws BtError `CONFIG` on a bad currency or balance. */
  constructor(markets: MarketTable, options: AccountOptions = {}) {
    const currency = options.currency ?? 'USD';
    if (typeof currency !== 'string' || currency.length === 0) throw new BtError('CONFIG', 'account.currency: expected a non-empty string');
    this.currency = currency;
    this.allowShort = options.allowShort ?? false;
    this.markets = markets;
    const balances = options.balances ?? { [currency]: DEFAULT_STARTING_CASH };
    const names = new Set<string>([currency, ...Object.keys(balances), ...markets.list.map((m) => m.quote)]);
    this.#currencies = Object.freeze([...names].sort());
    const n = this.#currencies.length;
    this.#total = new Float64Array(n);
    this.#used = new Float64Array(n);
    this.#fees = new Float64Array(n);
    let initial = 0;
    for (const [name, amount] of Object.entries(balances)) {
      if (!Number.isFinite(amount)) throw new BtError('CONFIG', `account.balances.${name}: expected a finite number, got ${amount}`);
      this.#total[this.#currencyIndex(name)] = amount;
      initial += amount;
    }
    this.initialEquity = initial;
    const count = markets.size;
    this.#quoteOf = new Int32Array(count);
    for (let m = 0; m < count; m++) this.#quoteOf[m] = this.#currencyIndex(markets.at(m).quote);
    this.#size = new Float64Array(count);
    this.#entry = new Float64Array(count);
    this.#realized = new Float64Array(count);
    this.#mark = new Float64Array(count).fill(Number.NaN);
    this.#openedAt = new Float64Array(count).fill(Number.NaN);
    this.#positionCache = new Array(count).fill(undefined);
  }

  /** Signed position size of market `m`: positive long, negative short, 0 flat. */
  signedSize(m: number): number {
    return this.#size[m] as number;
  }

  /** The price market `m` was last marked at (NaN before its first bar). */
  markPrice(m: number): number {
    return this.#mark[m] as number;
  }

  /** True while any position is open. */
  get hasOpenPositions(): boolean {
    return this.#openCount > 0;
  }

  /** Marks market `m` at `price` (its latest close). */
  mark(m: number, price: number): void {
    this.#mark[m] = price;
    if (this.#size[m] !== 0) {
      this.#positionCache[m] = undefined;
      this.#openCache = undefined;
    }
  }

  /**
   * Whether an execution can be applied: undefined when it can, else the reason in words.
   * Reducing a position always can; the part that opens or grows a position needs shorting to be
   * allowed (sells) and enough free quote currency.
   */
  check(m: number, side: OrderSide, amount: number, price: number, fee: number): string | undefined {
    const pos = this.#size[m] as number;
    const closing = (side === 'buy' ? pos < 0 : pos > 0) ? Math.min(amount, Math.abs(pos)) : 0;
    const opening = amount - closing;
    if (opening <= 0) return undefined;
    const symbol = this.markets.at(m).symbol;
    if (side === 'sell' && !this.allowShort) {
      const have = pos > 0 ? `a long position of ${pos}` : 'no position';
      return `short selling is not allowed (account.allowShort is false): selling ${amount} ${symbol} with ${have} would open a short of ${opening}`;
    }
    const q = this.#quoteOf[m] as number;
    const total = this.#total[q] as number;
    const free = total - (this.#used[q] as number);
    const [totalAfter, usedAfter] = this.#project(m, side, amount, price, fee);
    const freeAfter = totalAfter - usedAfter;
    if (freeAfter >= -FUNDS_TOLERANCE * Math.max(1, Math.abs(total))) return undefined;
    const quote = this.#currencies[q] as string;
    const verb = side === 'buy' ? 'buying' : 'selling short';
    return `insufficient ${quote}: ${verb} ${amount} ${symbol} at ${price} (fee ${fee}) needs ${free - freeAfter} ${quote} free, but ${free} is free`;
  }

  /** Applies an execution at `time` (the fill bar's time). Call {@link Account.check} first. */
  apply(m: number, side: OrderSide, amount: number, price: number, fee: number, time: number): void {
    const q = this.#quoteOf[m] as number;
    const pos = this.#size[m] as number;
    const signed = side === 'buy' ? amount : -amount;
    if (pos === 0 || pos > 0 === signed > 0) {
      const size = pos + signed;
      this.#entry[m] = (Math.abs(pos) * (this.#entry[m] as number) + amount * price) / Math.abs(size);
      this.#size[m] = size;
      if (pos === 0) this.#openedAt[m] = time;
    } else {
      const held = Math.abs(pos);
      const closing = Math.min(amount, held);
      this.#realized[m] = (this.#realized[m] as number) + (price - (this.#entry[m] as number)) * closing * (pos > 0 ? 1 : -1);
      const rest = amount - closing;
      let size = pos + signed;
      if (closing === held || Math.abs(size) <= DUST * Math.max(held, amount)) size = rest > 0 ? Math.sign(signed) * rest : 0;
      if (size === 0) {
        this.#entry[m] = 0;
        this.#openedAt[m] = Number.NaN;
      } else if (size > 0 !== pos > 0) {
        this.#entry[m] = price;
        this.#openedAt[m] = time;
      }
      this.#size[m] = size;
    }
    this.#total[q] = (this.#total[q] as number) + (side === 'buy' ? -amount * price : amount * price) - fee;
    this.#fees[q] = (this.#fees[q] as number) + fee;
    // Without shorting no position is ever short, so no collateral: skip the scan over every market.
    if (this.allowShort) this.#used[q] = this.#shortCollateral(q);
    if (Number.isNaN(this.#mark[m])) this.#mark[m] = price;
    if (pos === 0 && this.#size[m] !== 0) this.#openCount++;
    else if (pos !== 0 && this.#size[m] === 0) this.#openCount--;
    this.#positionCache[m] = undefined;
    this.#openCache = undefined;
    this.#balanceCache = undefined;
  }

  /** The position of market `m`, frozen; a flat one carries the realized PnL. */
  position(m: number): Position {
    return this.positionList(m)[0] as Position;
  }

  /** The position of market `m` in a one-element frozen array, cached until it changes. */
  positionList(m: number): readonly Position[] {
    const cached = this.#positionCache[m];
    if (cached !== undefined) return cached;
    const list = Object.freeze([this.#snapshot(m)]);
    this.#positionCache[m] = list;
    return list;
  }

  /** Every open position, in market order, frozen, cached until one changes. */
  openPositions(): readonly Position[] {
    if (this.#openCount === 0) return EMPTY;
    if (this.#openCache !== undefined) return this.#openCache;
    const list: Position[] = [];
    for (let m = 0; m < this.markets.size; m++) if (this.#size[m] !== 0) list.push(this.position(m));
    this.#openCache = Object.freeze(list);
    return this.#openCache;
  }

  /** Every currency's balance, sorted by currency, frozen, cached until a fill. */
  balances(): readonly Balance[] {
    if (this.#balanceCache !== undefined) return this.#balanceCache;
    this.#balanceCache = Object.freeze(
      this.#currencies.map((currency, q) => {
        const total = this.#total[q] as number;
        const used = this.#used[q] as number;
        return Object.freeze({ currency, free: total - used, used, total });
      }),
    );
    return this.#balanceCache;
  }

  /** Cash (total) of one currency; 0 for a currency the account does not hold. */
  cash(currency: string = this.currency): number {
    const q = this.#currencies.indexOf(currency);
    return q < 0 ? 0 : (this.#total[q] as number);
  }

  /** Fees paid so far, summed over currencies one for one. */
  feesPaid(): number {
    let sum = 0;
    for (let q = 0; q < this.#fees.length; q++) sum += this.#fees[q] as number;
    return sum;
  }

  /** Cash of every currency plus every open position at its mark price. */
  equity(): number {
    let equity = 0;
    for (let q = 0; q < this.#total.length; q++) equity += this.#total[q] as number;
    if (this.#openCount === 0) return equity;
    const size = this.#size;
    for (let m = 0; m < size.length; m++) {
      const s = size[m] as number;
      if (s !== 0) equity += s * (this.#mark[m] as number);
    }
    return equity;
  }

  /** Total and used of market `m`'s quote currency after a hypothetical execution. */
  #project(m: number, side: OrderSide, amount: number, price: number, fee: number): [number, number] {
    const q = this.#quoteOf[m] as number;
    const pos = this.#size[m] as number;
    const total = (this.#total[q] as number) + (side === 'buy' ? -amount * price : amount * price) - fee;
    let used = this.#used[q] as number;
    if (side === 'buy' && pos < 0) used -= 2 * Math.min(amount, -pos) * (this.#entry[m] as number);
    if (side === 'sell') used += 2 * (amount - (pos > 0 ? Math.min(amount, pos) : 0)) * price;
    return [total, used];
  }

  /** `2 x size x entry` summed over the open shorts quoted in currency `q`. */
  #shortCollateral(q: number): number {
    let used = 0;
    for (let m = 0; m < this.#size.length; m++) {
      const s = this.#size[m] as number;
      if (s < 0 && this.#quoteOf[m] === q) used += 2 * -s * (this.#entry[m] as number);
    }
    return used;
  }

  #snapshot(m: number): Position {
    const symbol = this.markets.at(m).symbol;
    const size = this.#size[m] as number;
    const realizedPnl = this.#realized[m] as number;
    if (size === 0) {
      return Object.freeze({ symbol, side: 'flat', size: 0, entryPrice: 0, realizedPnl, unrealizedPnl: 0, markPrice: 0 });
    }
    const entryPrice = this.#entry[m] as number;
    const markPrice = this.#mark[m] as number;
    return Object.freeze({
      symbol,
      side: size > 0 ? 'long' : 'short',
      size: Math.abs(size),
      entryPrice,
      realizedPnl,
      unrealizedPnl: (markPrice - entryPrice) * size,
      markPrice,
      openedAt: this.#openedAt[m] as number,
    });
  }

  #currencyIndex(name: string): number {
    const q = this.#currencies.indexOf(name);
    if (q < 0) throw new BtError('INTERNAL', `account: unknown currency ${name}`);
    return q;
  }
}
