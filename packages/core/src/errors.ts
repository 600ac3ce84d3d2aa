/**
 * Every failure @bt reports is a {@link BtError}: one class, a closed set of codes, and a flag
 * that says whether trying the same call again may succeed.
 */

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

  constructor(code: BtErrorCode, message: string, options: BtErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BtError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.details = options.details ?? {};
  }
}

/** True when `value` is a {@link BtError}, optionally of the given code. */
export function isBtError(value: unknown, code?: BtErrorCode): value is BtError {
  return value instanceof BtError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into a {@link BtError}, keeping a BtError as it is. */
export function toBtError(value: unknown, code: BtErrorCode = 'INTERNAL'): BtError {
  if (value instanceof BtError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new BtError(code, message, { cause: value });
}

/** The error an adapter throws for an optional method it does not implement. */
export function notSupported(adapter: string, method: string): BtError {
  return new BtError('NOT_SUPPORTED', `${method} is not supported by the ${adapter} adapter`, {
    details: { adapter, method },
  });
}
