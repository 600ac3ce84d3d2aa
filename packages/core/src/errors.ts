/**
 * Every failure @bt reports is a {@link BtError}: one class, a closed set of codes, and a flag
 * that says whether trying the same call again may succeed.
 *
 * A BtError is recognised by a brand, not by its class: an application can hold two copies of
 * this module (the ESM and the CommonJS build, or two installed versions), and an error made by
 * one copy must still be a BtError to the other.
 */

/**
 * The brand every {@link BtError} carries on its prototype. `Symbol.for` keys are shared by the
 * whole process, so every copy of @bt/core reads and writes the same one.
 */
const BT_ERROR_BRAND: unique symbol = Symbol.for('@bt/core/BtError');

/** What went wrong, as a closed set of codes. */
export type BtErrorCode =
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_ORDER'
  | 'ORDER_NOT_FOUND'
  | 'NETWORK'
  | 'RATE_LIMIT'
  | 'AUTHENTICATION'
  | 'EXCHANGE'
  | 'NOT_SUPPORTED'
  | 'DATA'
  | 'CONFIG'
  | 'STRATEGY'
  | 'ABORTED'
  | 'STATE'
  | 'INTERNAL';

const RETRYABLE_BY_DEFAULT: Readonly<Record<BtErrorCode, boolean>> = {
  INSUFFICIENT_FUNDS: false,
  INVALID_ORDER: false,
  ORDER_NOT_FOUND: false,
  NETWORK: true,
  RATE_LIMIT: true,
  AUTHENTICATION: false,
  EXCHANGE: false,
  NOT_SUPPORTED: false,
  DATA: false,
  CONFIG: false,
  STRATEGY: false,
  ABORTED: false,
  STATE: false,
  INTERNAL: false,
};

/** Options for {@link BtError}. */
export interface BtErrorOptions {
  /** Override the code's default retryability. */
  readonly retryable?: boolean;
  /** The underlying error, kept as `cause`. */
  readonly cause?: unknown;
  /** Structured context (symbol, step, file, line...) for logs and messages. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type of @bt.
 *
 * @example
 * ```ts
 * throw new BtError('INVALID_ORDER', 'amount must be positive, got -1', { details: { field: 'amount' } });
 * ```
 */
export class BtError extends Error {
  /** What went wrong. */
  readonly code: BtErrorCode;
  /** Whether the same call may succeed if tried again. */
  readonly retryable: boolean;
  /** Structured context for logs. */
  readonly details: Readonly<Record<string, unknown>>;

  static {
    Object.defineProperty(BtError.prototype, BT_ERROR_BRAND, { value: true });
  }

  constructor(code: BtErrorCode, message: string, options: BtErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BtError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.details = options.details ?? {};
  }

  /**
   * `error instanceof BtError` reads the brand, so it holds for a BtError made by any copy of
   * @bt/core. A subclass keeps the ordinary prototype-chain test.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, a subclass or BtError itself
    if (this !== BtError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBtErrorBrand(value);
  }
}

function hasBtErrorBrand(value: unknown): value is BtError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [BT_ERROR_BRAND]?: unknown })[BT_ERROR_BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/**
 * True when `value` is a {@link BtError}, optionally of the given code. Recognises the errors of
 * every copy of @bt/core (ESM or CommonJS build, any installed version) by their brand.
 */
export function isBtError(value: unknown, code?: BtErrorCode): value is BtError {
  return hasBtErrorBrand(value) && (code === undefined || value.code === code);
}

/** Wraps anything thrown into a {@link BtError}, keeping a BtError (of any copy of @bt/core) as it is. */
export function toBtError(value: unknown, code: BtErrorCode = 'INTERNAL'): BtError {
  if (hasBtErrorBrand(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new BtError(code, message, { cause: value });
}

/** The error an adapter throws for an optional method it does not implement. */
export function notSupported(adapter: string, method: string): BtError {
  return new BtError('NOT_SUPPORTED', `${method} is not supported by the ${adapter} adapter`, {
    details: { adapter, method },
  });
}
