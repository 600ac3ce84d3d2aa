import type { Market } from '@bt/core';
import { BtError } from '@bt/core';
import type { BarColumns, MarketSpec } from '@bt/sim-broker';
import { MarketTable } from '@bt/sim-broker';
import { filterFailure } from '../binance/errors.js';

/** One market of the emulated exchange: its rules, its venue id and its bars. */
export interface EmulatedMarket {
  /** Index in the {@link MarketTable} (canonical order), as the engine and account name it. */
  readonly index: number;
  readonly market: Market;
  /** Binance's symbol id, e.g. `BTCUSDT`. */
  readonly venueId: string;
  readonly columns: BarColumns;
  /** `PRICE_FILTER.tickSize`. */
  readonly tickSize: number;
  /** `LOT_SIZE.stepSize`. */
  readonly stepSize: number;
  /** `LOT_SIZE.minQty`. */
  readonly minQty: number;
  /** `NOTIONAL.minNotional` (0: none). */
  readonly minNotional: number;
}

/** Largest price and amount the filters allow. */
export const MAX_PRICE = 1_000_000_000;
export const MAX_QTY = 9_000_000_000;

/** Default amount step: Binance's finest precision. */
const DEFAULT_AMOUNT_STEP = 1e-8;

/**
 * The markets of the emulator, in canonical order, with their trading rules: those of `specs`
 * where given, else a price step read from the data (the most decimals among the first bars'
 * prices), an amount step of 1e-8, a minimum amount of one step and no minimum notional.
 *
 * @throws BtError `CONFIG` on a bad spec (see `MarketTable`).
 */
export function buildMarkets(
  columns: readonly BarColumns[],
  specs: readonly MarketSpec[] = [],
): {
  table: MarketTable;
  markets: EmulatedMarket[];
} {
  const bySymbol = new Map(specs.map((s) => [s.symbol, s]));
  const filled: MarketSpec[] = columns.map((c) => {
    const spec = bySymbol.get(c.symbol);
    const amountStep = spec?.amountStep ?? DEFAULT_AMOUNT_STEP;
    return {
      ...spec,
      symbol: c.symbol,
      priceStep: spec?.priceStep ?? priceStepOf(c),
      amountStep,
      minAmount: spec?.minAmount ?? amountStep,
    };
  });
  for (const spec of specs) {
    if (!columns.some((c) => c.symbol === spec.symbol)) {
      throw new BtError('CONFIG', `markets: "${spec.symbol}" has no data; expected one of ${columns.map((c) => c.symbol).join(', ')}`);
    }
  }
  const table = new MarketTable(
    columns.map((c) => c.symbol),
    'USDT',
    filled,
  );
  const markets = table.list.map((market, index): EmulatedMarket => {
    const data = columns.find((c) => c.symbol === market.symbol) as BarColumns;
    return {
      index,
      market,
      venueId: `${market.base}${market.quote}`,
      columns: data,
      tickSize: market.priceStep as number,
      stepSize: market.amountStep as number,
      minQty: market.minAmount as number,
      minNotional: market.minNotional ?? 0,
    };
  });
  const ids = new Set<string>();
  for (const m of markets) {
    if (ids.has(m.venueId)) throw new BtError('CONFIG', `markets: two symbols share the Binance id ${m.venueId}`);
    ids.add(m.venueId);
  }
  return { table, markets };
}

/** The price step the data suggests: 10^-d for the most decimals d (at most 8) among the first bars' prices. */
function priceStepOf(columns: BarColumns): number {
  let decimals = 0;
  const n = Math.min(columns.length, 2_000);
  for (const array of [columns.open, columns.high, columns.low, columns.close]) {
    for (let i = 0; i < n && decimals < 8; i++) decimals = Math.max(decimals, decimalsOf(array[i] as number));
  }
  return Number(`1e-${decimals}`);
}

function decimalsOf(value: number): number {
  const text = String(value);
  if (text.includes('e')) return 8;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(8, text.length - dot - 1);
}

/** True when `value` is a whole number of `step`s (relative tolerance 1e-9). */
export function onStep(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) <= 1e-9 * Math.max(1, Math.abs(units));
}

/** `value` rounded down to a whole number of `step`s. */
export function floorStep(value: number, step: number): number {
  const units = Math.floor(value / step + 1e-9);
  return Number((units * step).toPrecision(12));
}

/**
 * The quantity of a new order (a MARKET order by quote turned into a quantity at `last`, rounded
 * down to the step) and the price its funds are held at, checked against Binance's filters.
 * @throws BinanceError -1013 naming `LOT_SIZE`, `PRICE_FILTER` or `NOTIONAL`.
 */
export function filteredQuantity(
  market: EmulatedMarket,
  order: { readonly quantity?: number; readonly quoteOrderQty?: number; readonly price?: number; readonly stopPrice?: number },
  last: number,
): { quantity: number; holdPrice: number } {
  let quantity = order.quantity;
  if (quantity === undefined && order.quoteOrderQty !== undefined) quantity = floorStep(order.quoteOrderQty / last, market.stepSize);
  if (quantity === undefined || !(quantity > 0)) throw filterFailure('LOT_SIZE');
  for (const price of [order.price, order.stopPrice]) {
    if (price !== undefined && !(price >= market.tickSize && price <= MAX_PRICE && onStep(price, market.tickSize))) {
      throw filterFailure('PRICE_FILTER');
    }
  }
  if (!(quantity >= market.minQty && quantity <= MAX_QTY && onStep(quantity, market.stepSize))) throw filterFailure('LOT_SIZE');
  const holdPrice = order.price ?? order.stopPrice ?? last;
  if (quantity * holdPrice < market.minNotional) throw filterFailure('NOTIONAL');
  return { quantity, holdPrice };
}
