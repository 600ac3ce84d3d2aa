import type { BtErrorCode } from '@bt/core';
import { BtError, isBtError } from '@bt/core';
import type { Redactor } from './redact.js';

/**
 * ccxt error class names, most specific first within each branch, and the {@link BtErrorCode}
 * each one maps to. A ccxt error is classified by the first of its class names (its own, then its
 * ancestors') found here, so a subclass ccxt adds later falls back to its parent's code.
 */
const CODE_BY_CCXT_CLASS: ReadonlyMap<string, BtErrorCode> = new Map([
  // ExchangeError branch: the venue answered, and said no. Trying again will not help.
  ['AuthenticationError', 'AUTHENTICATION'],
  ['InsufficientFunds', 'INSUFFICIENT_FUNDS'],
  ['OrderNotFound', 'ORDER_NOT_FOUND'],
  ['OrderNotCached', 'ORDER_NOT_FOUND'],
  ['InvalidOrder', 'INVALID_ORDER'],
  ['BadSymbol', 'INVALID_ORDER'],
  ['BadRequest', 'INVALID_ORDER'],
  ['ArgumentsRequired', 'INVALID_ORDER'],
  ['MarketClosed', 'INVALID_ORDER'],
  ['NotSupported', 'NOT_SUPPORTED'],
  ['ExchangeError', 'EXCHANGE'],
  // OperationFailed branch: the request may not have been processed. Trying again may help.
  ['RateLimitExceeded', 'RATE_LIMIT'],
  ['DDoSProtection', 'RATE_LIMIT'],
  ['RequestTimeout', 'NETWORK'],
  ['ExchangeNotAvailable', 'NETWORK'],
  ['InvalidNonce', 'NETWORK'],
  ['NetworkError', 'NETWORK'],
  ['BadResponse', 'NETWORK'],
  ['CancelPending', 'NETWORK'],
  ['OperationFailed', 'NETWORK'],
  ['BaseError', 'EXCHANGE'],
]);

/**
 * Class names of `error` from its own class up to `Error`, e.g.
 * `['RequestTimeout', 'NetworkError', 'OperationFailed', 'BaseError', 'Error']`.
 *
 * Read from the prototype chain rather than tested with `instanceof`, so that classification
 * needs no ccxt import and works whichever copy of ccxt (ESM or CommonJS) threw the error.
 */
export function errorLineage(error: unknown): string[] {
  const names: string[] = [];
  if (typeof error !== 'object' || error === null) return names;
  let proto: object | null = Object.getPrototypeOf(error);
  while (proto !== null && proto !== Object.prototype) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string' && ctor.name.length > 0) names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/** The most specific ccxt class of `error` that @bt knows, or undefined for a non-ccxt error. */
export function ccxtErrorClass(error: unknown): string | undefined {
  const lineage = errorLineage(error);
  if (!lineage.includes('BaseError')) return undefined;
  return lineage.find((name) => CODE_BY_CCXT_CLASS.has(name));
}

/** Where a ccxt call failed, for the message and details of the {@link BtError}. */
export interface CallContext {
  /** Adapter id, e.g. `ccxt:binance`. */
  readonly adapter: string;
  /** The ccxt method, e.g. `createOrder`. */
  readonly method: string;
  /** Extra fields (symbol, clientOrderId...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Maps anything a ccxt call threw to a {@link BtError}, once, at the adapter boundary:
 *
 * | ccxt | code | retryable |
 * |---|---|---|
 * | NetworkError, RequestTimeout, ExchangeNotAvailable, InvalidNonce, BadResponse | `NETWORK` | yes |
 * | RateLimitExceeded, DDoSProtection | `RATE_LIMIT` | yes |
 * | AuthenticationError (PermissionDenied, AccountSuspended...) | `AUTHENTICATION` | no |
 * | InsufficientFunds | `INSUFFICIENT_FUNDS` | no |
 * | OrderNotFound | `ORDER_NOT_FOUND` | no |
 * | InvalidOrder, BadRequest, BadSymbol, MarketClosed | `INVALID_ORDER` | no |
 * | NotSupported | `NOT_SUPPORTED` | no |
 * | any other ExchangeError | `EXCHANGE` | no |
 * | not a ccxt error | `INTERNAL` | no |
 *
 * The message and the kept cause are passed through `redactor`, so no API key or secret that an
 * exchange echoes back ever leaves the adapter. `details.ccxtError` names the ccxt class and
 * `details.outcomeUnknown` says whether a write may have executed despite the error.
 *
 * @example
 * ```ts
 * const error = classifyCcxtError(new ccxt.RequestTimeout('binance GET ... timed out'), { adapter: 'ccxt:binance', method: 'fetchOHLCV' });
 * error.code; // 'NETWORK'
 * error.retryable; // true
 * ```
 */
export function classifyCcxtError(error: unknown, context: CallContext, redactor?: Redactor): BtError {
  if (isBtError(error)) return error;
  const clean = (text: string): string => (redactor === undefined ? text : redactor.redact(text));
  const ccxtClass = ccxtErrorClass(error);
  const raw = error instanceof Error ? error.message : String(error);
  const message = clean(raw);
  const code: BtErrorCode = ccxtClass === undefined ? 'INTERNAL' : (CODE_BY_CCXT_CLASS.get(ccxtClass) as BtErrorCode);
  // After a timeout, a 5xx or a garbled answer, a write may have reached the matching engine. A
  // rate-limit answer is different: the venue refused the request before executing it.
  const outcomeUnknown = code === 'NETWORK' || code === 'INTERNAL';
  const cause = new Error(message);
  cause.name = ccxtClass ?? (error instanceof Error ? error.name : 'Error');
  return new BtError(code, `${context.adapter} ${context.method}: ${message}`, {
    cause,
    details: {
      adapter: context.adapter,
      method: context.method,
      ...(ccxtClass === undefined ? {} : { ccxtError: errorLineage(error)[0] ?? ccxtClass }),
      outcomeUnknown,
      ...(redactor === undefined ? context.details : redactor.redactFields(context.details ?? {})),
    },
  });
}

/** True when a submission that failed with `error` may nevertheless have reached the venue. */
export function mayHaveExecuted(error: BtError): boolean {
  return error.details.outcomeUnknown === true;
}

/** True when `error` is the venue refusing an order as given: a business rejection, not a failure. */
export function isOrderRejection(error: BtError): boolean {
  return error.code === 'INVALID_ORDER' || error.code === 'INSUFFICIENT_FUNDS';
}
