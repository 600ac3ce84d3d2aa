/**
 * What differs between venues that the adapter must know: how a client order id is sent and
 * looked up, and which ccxt options make market loading cheap. Unknown venues get ccxt's unified
 * parameter names.
 */
export interface ExchangeProfile {
  /** createOrder param carrying the client order id. */
  readonly clientOrderIdParam: string;
  /** fetchOrder/cancelOrder param naming an order by client order id. */
  readonly lookupParam: string;
  /** Longest client order id the venue accepts. */
  readonly maxClientOrderIdLength: number;
  /** True when the venue pages the account's trades by trade id (`fromId`). */
  readonly tradesPageById: boolean;
  /** ccxt options applied before the user's own, for a given market type and receive window (ms). */
  readonly ccxtOptions: (marketType: string, receiveWindowMs: number) => Readonly<Record<string, unknown>>;
}

const UNIFIED: ExchangeProfile = {
  clientOrderIdParam: 'clientOrderId',
  lookupParam: 'clientOrderId',
  maxClientOrderIdLength: 32,
  tradesPageById: false,
  ccxtOptions: (marketType) => ({ defaultType: marketType }),
};

const BINANCE: ExchangeProfile = {
  clientOrderIdParam: 'newClientOrderId',
  lookupParam: 'origClientOrderId',
  maxClientOrderIdLength: 36,
  tradesPageById: true,
  ccxtOptions: (marketType, receiveWindowMs) => ({
    defaultType: marketType,
    // The window signed requests carry: an order not found past it is proven absent.
    recvWindow: receiveWindowMs,
    // Market loading without the private currency and margin endpoints, spot markets only.
    fetchCurrencies: false,
    fetchMargins: false,
    fetchMarkets: { types: [marketType] },
    // Open orders of every symbol at once are allowed (binance charges more weight for them).
    warnOnFetchOpenOrdersWithoutSymbol: false,
  }),
};

const PROFILES: Readonly<Record<string, ExchangeProfile>> = { binance: BINANCE, binanceus: BINANCE };

/** The profile of ccxt exchange `id`. */
export function profileOf(id: string): ExchangeProfile {
  return PROFILES[id] ?? UNIFIED;
}
