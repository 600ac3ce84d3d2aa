import type { Market, OrderRequest } from '@bt/core';
import { BtError } from '@bt/core';

/**
 * Trading rules of one simulated market, as given in `SimulatedBrokerOptions.markets`: the symbol
 * and any fields to set; the rest is derived (base and quote from `BASE/QUOTE`, `type: 'spot'`,
 * `active: true`, no steps or minimums).
 */
export type MarketSpec = Partial<Market> & { readonly symbol: string };

/** Relative tolerance of the step checks: `amount / step` may be this far from an integer. */
const STEP_TOLERANCE = 1e-9;

/**
 * The markets of one simulation, sorted by symbol (code-unit order, which is byte order for ASCII
 * symbols). A market's position in {@link MarketTable.list} is its index: the matching engine, the
 * account and the broker keep per-market state in arrays at that index, and "canonical order"
 * means ascending index.
 */
export class MarketTable {
  /** The markets, sorted by symbol. Frozen. */
  readonly list: readonly Market[];
  readonly #index: ReadonlyMap<string, number>;

  /**
   * @param symbols every tradable symbol.
   * @param currency quote currency of symbols written without `/`.
   * @param specs explicit rules; each must name one of `symbols`.
   * @throws BtError `CONFIG` on a duplicate symbol, a spec for an unknown symbol or a bad field.
   */
  constructor(symbols: readonly string[], currency: string, specs: readonly MarketSpec[] = []) {
    const sorted = [...symbols].sort(compareSymbols);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) throw new BtError('CONFIG', `markets: symbol "${sorted[i]}" appears twice`);
    }
    const bySymbol = new Map<string, MarketSpec>();
    specs.forEach((spec, i) => {
      if (!symbols.includes(spec.symbol)) {
        throw new BtError('CONFIG', `markets[${i}].symbol: "${spec.symbol}" has no data; expected one of ${sorted.join(', ')}`);
      }
      if (bySymbol.has(spec.symbol)) throw new BtError('CONFIG', `markets[${i}].symbol: "${spec.symbol}" appears twice`);
      for (const key of ['amountStep', 'priceStep', 'minAmount', 'minNotional'] as const) {
        const value = spec[key];
        if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
          throw new BtError('CONFIG', `markets[${i}].${key}: expected a positive finite number, got ${value}`);
        }
      }
      bySymbol.set(spec.symbol, spec);
    });
    this.list = Object.freeze(sorted.map((symbol) => Object.freeze(deriveMarket(symbol, currency, bySymbol.get(symbol)))));
    this.#index = new Map(sorted.map((symbol, i) => [symbol, i]));
  }

  /** Number of markets. */
  get size(): number {
    return this.list.length;
  }

  /** Index of `symbol`, or -1 when there is no such market. */
  indexOf(symbol: string): number {
    return this.#index.get(symbol) ?? -1;
  }

  /** The market at `index`. */
  at(index: number): Market {
    return this.list[index] as Market;
  }
}

/** Code-unit order of two symbols: the canonical symbol order of the simulation. */
export function compareSymbols(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The market of `symbol`: base and quote from `BASE/QUOTE` (a `:SETTLE` suffix is dropped), or, for a
 * symbol without `/` such as a file name, base = the symbol and quote = `currency`. `spec` overrides.
 */
export function deriveMarket(symbol: string, currency: string, spec?: MarketSpec): Market {
  const slash = symbol.indexOf('/');
  const base = slash > 0 ? symbol.slice(0, slash) : symbol;
  const quote = slash > 0 ? (symbol.slice(slash + 1).split(':')[0] as string) : currency;
  return {
    type: 'spot',
    active: true,
    ...spec,
    symbol,
    base: spec?.base ?? base,
    quote: spec?.quote ?? quote,
  };
}

/** True when `value` is a whole number of `step`s (within a relative tolerance of 1e-9). */
export function isOnStep(value: number, step: number | undefined): boolean {
  if (step === undefined) return true;
  const units = value / step;
  return Math.abs(units - Math.round(units)) <= STEP_TOLERANCE * Math.max(1, Math.abs(units));
}

/** `value` rounded down to a whole number of `step`s (unchanged when there is no step). */
export function floorToStep(value: number, step: number | undefined): number {
  if (step === undefined) return value;
  const units = Math.floor(value / step + STEP_TOLERANCE);
  return units * step;
}

const SIDES: ReadonlySet<string> = new Set(['buy', 'sell']);
const TYPES: ReadonlySet<string> = new Set(['market', 'limit', 'stop', 'stop-limit']);
const TIME_IN_FORCE: ReadonlySet<string> = new Set(['GTC', 'IOC']);

/**
 * The stateless checks of an order request against its market, run at submission. Returns the
 * reason in words when the request must be rejected, or undefined when it is well formed.
 *
 * `referencePrice` prices a market order for the `minNotional` check (the symbol's latest close;
 * NaN when no bar is visible yet, which skips that check).
 */
export function checkOrderRequest(request: OrderRequest, market: Market, referencePrice: number): string | undefined {
  const { symbol } = market;
  if (!SIDES.has(request.side)) return `side must be "buy" or "sell", got "${String(request.side)}"`;
  if (!TYPES.has(request.type)) return `type must be market, limit, stop or stop-limit, got "${String(request.type)}"`;
  if (request.timeInForce !== undefined && !TIME_IN_FORCE.has(request.timeInForce)) {
    return `timeInForce must be GTC or IOC, got "${String(request.timeInForce)}"`;
  }
  if (!(typeof request.amount === 'number' && request.amount > 0 && Number.isFinite(request.amount))) {
    return `amount must be a positive finite number, got ${request.amount}`;
  }
  const needsPrice = request.type === 'limit' || request.type === 'stop-limit';
  const needsStop = request.type === 'stop' || request.type === 'stop-limit';
  if (needsPrice && request.price === undefined) return `a ${request.type} order needs a limit price (price)`;
  if (needsStop && request.stopPrice === undefined) return `a ${request.type} order needs a trigger price (stopPrice)`;
  if (needsPrice) {
    const problem = checkPrice('price', request.price as number, market);
    if (problem !== undefined) return problem;
  }
  if (needsStop) {
    const problem = checkPrice('stopPrice', request.stopPrice as number, market);
    if (problem !== undefined) return problem;
  }
  if (!isOnStep(request.amount, market.amountStep)) {
    return `amount ${request.amount} is not a multiple of the amount step ${market.amountStep} of ${symbol}`;
  }
  if (market.minAmount !== undefined && request.amount < market.minAmount) {
    return `amount ${request.amount} is below the minimum amount ${market.minAmount} of ${symbol}`;
  }
  if (market.minNotional !== undefined) {
    const price = needsPrice ? (request.price as number) : needsStop ? (request.stopPrice as number) : referencePrice;
    const notional = request.amount * price;
    if (notional < market.minNotional) {
      return `notional ${notional} (amount ${request.amount} x price ${price}) is below the minimum notional ${market.minNotional} of ${symbol}`;
    }
  }
  if (!market.active) return `market ${symbol} is not active`;
  return undefined;
}

/** What is wrong with a limit or trigger price, if anything. */
function checkPrice(field: 'price' | 'stopPrice', value: number, market: Market): string | undefined {
  if (!(value > 0 && Number.isFinite(value))) return `${field} must be a positive finite number, got ${value}`;
  if (!isOnStep(value, market.priceStep))
    return `${field} ${value} is not a multiple of the price step ${market.priceStep} of ${market.symbol}`;
  return undefined;
}
