import type { Clock, Logger, Timeframe } from '@bt/core';
import { BtError, isTimeframe } from '@bt/core';
import type { RandomSource, RetryOptions } from './retry.js';
import { DEFAULT_RETRY, validateRetry } from './retry.js';

/** Market types the adapter trades. Spot today; `swap` and `future` are the planned additions. */
export type CcxtMarketType = 'spot';

/** Endpoint overrides, e.g. to rehearse against a local exchange emulator. */
export interface CcxtUrlOverrides {
  /**
   * Origin that replaces the origin of every REST endpoint, e.g. `http://127.0.0.1:8080`: ccxt's
   * `https://api.binance.com/api/v3` becomes `http://127.0.0.1:8080/api/v3`. No path.
   */
  readonly rest?: string;
  /** Origin that replaces the origin of every WebSocket endpoint, e.g. `ws://127.0.0.1:8080`. No path. */
  readonly ws?: string;
}

/** Options of {@link CcxtBroker}. */
export interface CcxtBrokerOptions {
  /** ccxt exchange id, e.g. `binance`. */
  readonly exchange: string;
  /** API key. Default: the environment variable `<EXCHANGE>_API_KEY` (e.g. `BINANCE_API_KEY`). */
  readonly apiKey?: string;
  /** API secret. Default: `<EXCHANGE>_SECRET`. */
  readonly secret?: string;
  /** API passphrase, for venues that have one. Default: `<EXCHANGE>_PASSWORD`. */
  readonly password?: string;
  /** Where credentials are read from when not given. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Endpoint overrides (dress rehearsal against the emulator). */
  readonly urls?: CcxtUrlOverrides;
  /** Extra ccxt exchange options, merged over the adapter's defaults. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Market type traded. Default `spot`. */
  readonly marketType?: CcxtMarketType;
  /**
   * Symbols the bot trades: positions are derived for them, open orders and reconciliation cover
   * them. Default: every market whose base currency has a balance.
   */
  readonly symbols?: readonly string[];
  /** Bar timeframe streamed from connect when `useWebSocket` is on. Default: streams start on first use. */
  readonly timeframe?: Timeframe;
  /** Where time comes from: bar closes, retry sleeps and the event poll loop. Default `LiveClock`. */
  readonly clock?: Clock;
  /** Where the adapter logs; every line is redacted. Default: silent. */
  readonly logger?: Logger;
  /** Backoff of retryable calls. Default 5 attempts, 250 ms base, 10 s cap. */
  readonly retry?: Partial<RetryOptions>;
  /**
   * Backoff of whole connection attempts (markets, then the start-up reads), each of which
   * retries its calls with `retry`: a 429 burst or an outage at start is waited out. Default 6
   * attempts, 1 s base, 30 s cap.
   */
  readonly connectRetry?: Partial<RetryOptions>;
  /**
   * The venue's receive window for signed requests (ms), sent with them where the venue has one
   * (Binance's `recvWindow`). An order whose submission outcome is unknown is resent only after
   * look-ups by client order id past this window found nothing. Default 5000.
   */
  readonly receiveWindowMs?: number;
  /** Jitter source of the backoff. Default `Math.random`; use `seededRandom(seed)` for reproducible runs. */
  readonly random?: RandomSource;
  /** Stream bars (and use ccxt pro) where the venue supports it. Default false: poll over REST. */
  readonly useWebSocket?: boolean;
  /** Interval of the loop that polls order fills and updates (ms, on the clock). Default 1000; 0 disables the loop. */
  readonly pollIntervalMs?: number;
  /** ccxt request timeout (ms). Default: ccxt's (10000). */
  readonly timeoutMs?: number;
  /**
   * ccxt's client-side rate limiter (`enableRateLimit`), which spaces requests by the venue's
   * published weights in wall time. Default true; turn it off only against a local venue, such as
   * the exchange emulator replaying history many times faster than real time.
   */
  readonly rateLimit?: boolean;
}

/** Defaults of {@link CcxtBrokerOptions.connectRetry}. */
export const DEFAULT_CONNECT_RETRY: RetryOptions = Object.freeze({ attempts: 6, baseMs: 1_000, maxMs: 30_000 });

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly exchange: string;
  readonly credentials: Credentials;
  readonly urls: CcxtUrlOverrides;
  readonly ccxtOptions: Readonly<Record<string, unknown>>;
  readonly marketType: CcxtMarketType;
  readonly symbols: readonly string[] | undefined;
  readonly timeframe: Timeframe | undefined;
  readonly retry: RetryOptions;
  readonly connectRetry: RetryOptions;
  readonly receiveWindowMs: number;
  readonly useWebSocket: boolean;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number | undefined;
  readonly rateLimit: boolean;
}

/** API credentials; any may be absent (a data-only broker needs none). */
export interface Credentials {
  readonly apiKey?: string;
  readonly secret?: string;
  readonly password?: string;
}

/** Name of the environment variable holding `field` for `exchange`, e.g. `BINANCE_API_KEY`. */
export function credentialEnvName(exchange: string, field: 'API_KEY' | 'SECRET' | 'PASSWORD'): string {
  return `${exchange.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field}`;
}

/** Validates `options` and applies defaults. @throws BtError `CONFIG` naming the bad field. */
export function resolveOptions(options: CcxtBrokerOptions, processEnv: Readonly<Record<string, string | undefined>>): ResolvedOptions {
  if (typeof options?.exchange !== 'string' || !/^[a-z0-9]+$/.test(options.exchange)) {
    throw new BtError('CONFIG', `exchange: expected a ccxt exchange id such as "binance", got "${String(options?.exchange)}"`);
  }
  const env = options.env ?? processEnv;
  const pick = (given: string | undefined, field: 'API_KEY' | 'SECRET' | 'PASSWORD'): string | undefined => {
    const value = given ?? env[credentialEnvName(options.exchange, field)];
    return value === undefined || value === '' ? undefined : value;
  };
  const apiKey = pick(options.apiKey, 'API_KEY');
  const secret = pick(options.secret, 'SECRET');
  const password = pick(options.password, 'PASSWORD');
  const credentials: Credentials = {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(secret === undefined ? {} : { secret }),
    ...(password === undefined ? {} : { password }),
  };
  const marketType = options.marketType ?? 'spot';
  if (marketType !== 'spot')
    throw new BtError('CONFIG', `marketType: expected "spot" (derivatives are not supported yet), got "${String(marketType)}"`);
  for (const [field, value] of [
    ['urls.rest', options.urls?.rest],
    ['urls.ws', options.urls?.ws],
  ] as const) {
    if (value === undefined) continue;
    const scheme = field === 'urls.rest' ? /^https?:$/ : /^wss?:$/;
    const example = field === 'urls.rest' ? 'http://127.0.0.1:8080' : 'ws://127.0.0.1:8080';
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url === undefined || !scheme.test(url.protocol) || url.pathname !== '/' || url.search !== '') {
      throw new BtError(
        'CONFIG',
        `${field}: expected an origin such as "${example}" (scheme, host and port; ccxt's paths are kept), got "${value}"`,
      );
    }
  }
  if (options.timeframe !== undefined && !isTimeframe(options.timeframe)) {
    throw new BtError('CONFIG', `timeframe: expected e.g. "1m", got "${options.timeframe}"`);
  }
  if (options.symbols !== undefined) {
    options.symbols.forEach((symbol, i) => {
      if (typeof symbol !== 'string' || symbol.length === 0)
        throw new BtError('CONFIG', `symbols[${i}]: expected a unified symbol such as "BTC/USDT"`);
    });
  }
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const problem = validateRetry(retry);
  if (problem !== undefined) throw new BtError('CONFIG', problem);
  const connectRetry: RetryOptions = { ...DEFAULT_CONNECT_RETRY, ...options.connectRetry };
  const connectProblem = validateRetry(connectRetry);
  if (connectProblem !== undefined) throw new BtError('CONFIG', `connectRetry.${connectProblem.slice('retry.'.length)}`);
  const receiveWindowMs = options.receiveWindowMs ?? 5_000;
  if (!(Number.isInteger(receiveWindowMs) && receiveWindowMs > 0 && receiveWindowMs <= 60_000)) {
    throw new BtError('CONFIG', `receiveWindowMs: expected an integer from 1 to 60000 (ms), got ${receiveWindowMs}`);
  }
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  if (!(pollIntervalMs >= 0 && Number.isFinite(pollIntervalMs))) {
    throw new BtError('CONFIG', `pollIntervalMs: expected a finite number >= 0, got ${pollIntervalMs}`);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0 && Number.isFinite(options.timeoutMs))) {
    throw new BtError('CONFIG', `timeoutMs: expected a positive number, got ${options.timeoutMs}`);
  }
  if (options.rateLimit !== undefined && typeof options.rateLimit !== 'boolean') {
    throw new BtError('CONFIG', `rateLimit: expected true or false, got ${JSON.stringify(options.rateLimit)}`);
  }
  return {
    exchange: options.exchange,
    credentials,
    urls: options.urls ?? {},
    ccxtOptions: options.options ?? {},
    marketType,
    symbols: options.symbols === undefined ? undefined : [...new Set(options.symbols)],
    timeframe: options.timeframe,
    retry,
    connectRetry,
    receiveWindowMs,
    useWebSocket: options.useWebSocket ?? false,
    pollIntervalMs,
    timeoutMs: options.timeoutMs,
    rateLimit: options.rateLimit ?? true,
  };
}
