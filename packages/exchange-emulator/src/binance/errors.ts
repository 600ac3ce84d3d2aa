/**
 * Binance's error replies: `{ "code": -2010, "msg": "..." }` with an HTTP status. The codes and
 * messages are Binance's own, because clients (ccxt first) map them to their error classes, some
 * by code and some by the exact message.
 */

/** An error the emulator answers in Binance's JSON shape. */
export class BinanceError extends Error {
  /** HTTP status of the reply. */
  readonly status: number;
  /** Binance error code (negative). */
  readonly code: number;

  constructor(status: number, code: number, msg: string) {
    super(msg);
    this.name = 'BinanceError';
    this.status = status;
    this.code = code;
  }

  /** The reply body. */
  toJSON(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** The exact message Binance (and ccxt's InsufficientFunds mapping) uses for a lack of funds. */
export const INSUFFICIENT_BALANCE_MSG = 'Account has insufficient balance for requested action.';

/** A mandatory parameter is missing (-1102). */
export function missingParam(name: string): BinanceError {
  return new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

/** A parameter has an illegal value (-1100 for numbers). */
export function illegalNumber(name: string): BinanceError {
  return new BinanceError(
    400,
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
  );
}

/** The symbol is not traded here (-1121). */
export function invalidSymbol(): BinanceError {
  return new BinanceError(400, -1121, 'Invalid symbol.');
}

/** An order filter failed (-1013), e.g. `LOT_SIZE`. */
export function filterFailure(filter: 'PRICE_FILTER' | 'LOT_SIZE' | 'NOTIONAL'): BinanceError {
  return new BinanceError(400, -1013, `Filter failure: ${filter}`);
}

/** A new order was rejected (-2010). */
export function orderRejected(msg: string): BinanceError {
  return new BinanceError(400, -2010, msg);
}

/** A cancel was rejected: unknown or no longer open (-2011). */
export function unknownOrderCancel(): BinanceError {
  return new BinanceError(400, -2011, 'Unknown order sent.');
}

/** A queried order does not exist (-2013). */
export function orderDoesNotExist(): BinanceError {
  return new BinanceError(400, -2013, 'Order does not exist.');
}
