/**
 * The ccxt types the adapter uses internally. Type-only imports: they are erased at compile time,
 * so nothing here loads ccxt, and none of them appears in the package's public types.
 */
import type { Balances, Market, OHLCV, Order, Ticker, Trade } from 'ccxt';
import type { Exchange } from 'ccxt';

/** A ccxt exchange instance (REST, or ccxt pro with the `watch*` methods). */
export type CcxtExchange = Exchange;
/** A ccxt unified market. */
export type CcxtMarket = NonNullable<Market>;
/** A ccxt unified order. */
export type CcxtOrder = Order;
/** A ccxt unified trade. */
export type CcxtTrade = Trade;
/** One ccxt candle: `[timestamp, open, high, low, close, volume]`. */
export type CcxtCandle = OHLCV;
/** ccxt balances. */
export type CcxtBalances = Balances;
/** A ccxt ticker. */
export type CcxtTicker = Ticker;
/** The ccxt module, as `import('ccxt')` returns it. */
export type CcxtModule = typeof import('ccxt');
