import type { BtErrorCode, Clock } from '@bt/core';
import { BtError } from '@bt/core';
import type { Params } from './signing.js';
import { signQuery, toQueryString } from './signing.js';

/** The HTTP methods the Binance spot REST API uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What a {@link BinanceRestClient} needs. */
export interface BinanceRestClientOptions {
  /** Root of the API, without `/api/v3`: `https://api.binance.com`, or the emulator's `url`. */
  readonly baseUrl: string;
  /** Key and secret of SIGNED requests; without them only public endpoints can be called. */
  readonly apiKey?: string;
  readonly secret?: string;
  /** Signs `timestamp` and times requests out. */
  readonly clock: Clock;
  /** How long a signed request stays valid at the venue (ms). Default 5000. */
  readonly recvWindow?: number;
  /** A request without an answer after this long (clock ms) fails as `NETWORK`. Default 10000. */
  readonly timeoutMs?: number;
}

/**
 * A small client of Binance's spot REST API: public and SIGNED calls, JSON replies, and every
 * failure turned into a {@link BtError} here, at the boundary, so that the broker above it only
 * ever sees core's error codes.
 *
 * @example
 * ```ts
 * const client = new BinanceRestClient({ baseUrl: 'https://api.binance.com', clock: new LiveClock() });
 * const time = await client.publicRequest<{ serverTime: number }>('GET', '/api/v3/time');
 * ```
 */
export class BinanceRestClient {
  readonly #options: BinanceRestClientOptions;

  constructor(options: BinanceRestClientOptions) {
    this.#options = options;
  }

  /** A public (unsigned) call. @throws BtError, see {@link venueError}. */
  async publicRequest<T>(method: HttpMethod, path: string, params: Params = {}): Promise<T> {
    return this.#request<T>(method, path, toQueryString(params), {});
  }

  /**
   * A SIGNED call: `timestamp` from the clock, `recvWindow`, the HMAC signature, and the API key
   * in the `X-MBX-APIKEY` header. Every parameter goes in the query string, also for POST.
   * @throws BtError `AUTHENTICATION` without credentials; else see {@link venueError}.
   */
  async signedRequest<T>(method: HttpMethod, path: string, params: Params = {}): Promise<T> {
    const { apiKey, secret, clock, recvWindow = 5_000 } = this.#options;
    if (apiKey === undefined || secret === undefined) {
      throw new BtError('AUTHENTICATION', `${method} ${path}: a signed call needs apiKey and secret`);
    }
    const query = signQuery(toQueryString({ ...params, recvWindow, timestamp: clock.now() }), secret);
    return this.#request<T>(method, path, query, { 'X-MBX-APIKEY': apiKey });
  }

  async #request<T>(method: HttpMethod, path: string, query: string, headers: Record<string, string>): Promise<T> {
    const { baseUrl, clock, timeoutMs = 10_000 } = this.#options;
    const where = { method, path };
    const timeout = new AbortController();
    const answered = new AbortController();
    // The timeout runs on the injected clock, so that tests on a ManualClock never wait on wall time.
    void clock.sleep(timeoutMs, answered.signal).then(() => {
      if (!answered.signal.aborted) timeout.abort();
    });
    let response: Response;
    let body: string;
    try {
      response = await fetch(`${baseUrl}${path}${query === '' ? '' : `?${query}`}`, { method, headers, signal: timeout.signal });
      body = await response.text();
    } catch (error) {
      const why = timeout.signal.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
      throw new BtError('NETWORK', `${method} ${path}: ${why}; the venue may or may not have executed it`, {
        cause: error,
        details: where,
      });
    } finally {
      answered.abort();
    }
    if (!response.ok) throw venueError(response.status, body, where, response.headers.get('retry-after'));
    try {
      return JSON.parse(body) as T;
    } catch (error) {
      throw new BtError('DATA', `${method} ${path}: expected JSON, got ${JSON.stringify(body.slice(0, 80))}`, {
        cause: error,
        details: where,
      });
    }
  }
}

/**
 * Classifies a failed HTTP reply into a {@link BtError}:
 *
 * - 429 and 418 → `RATE_LIMIT`, 5xx → `NETWORK`: both retryable;
 * - Binance's `{ code, msg }` by code: -1022/-2014/-2015 `AUTHENTICATION`, -2010 `INSUFFICIENT_FUNDS`
 *   (when the venue says so) or `INVALID_ORDER`, -1013 and -11xx `INVALID_ORDER`, -2011/-2013
 *   `ORDER_NOT_FOUND`, -1021 (timestamp outside `recvWindow`) `NETWORK`, anything else `EXCHANGE`.
 *
 * @example
 * ```ts
 * venueError(400, '{"code":-2013,"msg":"Order does not exist."}', { method: 'GET', path: '/api/v3/order' }).code; // 'ORDER_NOT_FOUND'
 * ```
 */
export function venueError(
  status: number,
  body: string,
  where: { readonly method: string; readonly path: string },
  retryAfter?: string | null,
): BtError {
  const reply = parseReply(body);
  const said = reply === undefined ? `HTTP ${status}` : `${reply.msg} (Binance ${reply.code}, HTTP ${status})`;
  const details = { ...where, status, ...(reply === undefined ? {} : { venueCode: reply.code }) };
  if (status === 429 || status === 418) {
    return new BtError('RATE_LIMIT', `${where.method} ${where.path}: rate limited: ${said}`, {
      details: { ...details, retryAfterSeconds: retryAfter == null ? undefined : Number(retryAfter) },
    });
  }
  if (status >= 500) {
    return new BtError('NETWORK', `${where.method} ${where.path}: the venue failed (${said}); it may or may not have executed it`, {
      details,
    });
  }
  const code: BtErrorCode = reply === undefined ? 'EXCHANGE' : codeOf(reply.code, reply.msg);
  return new BtError(code, `${where.method} ${where.path}: ${said}`, { details });
}

/** core's code for one of Binance's error codes. */
function codeOf(venueCode: number, msg: string): BtErrorCode {
  switch (venueCode) {
    case -1003:
      return 'RATE_LIMIT';
    case -1021:
      return 'NETWORK'; // the request was slow or the clock is off: a fresh timestamp may pass
    case -1022:
    case -2014:
    case -2015:
      return 'AUTHENTICATION';
    case -2010:
      return /insufficient balance/i.test(msg) ? 'INSUFFICIENT_FUNDS' : 'INVALID_ORDER';
    case -2011:
    case -2013:
      return 'ORDER_NOT_FOUND';
    case -1013:
      return 'INVALID_ORDER';
    default:
      return venueCode <= -1100 && venueCode >= -1199 ? 'INVALID_ORDER' : 'EXCHANGE';
  }
}

/** Binance's `{ code, msg }` error body, or undefined when the body is something else. */
function parseReply(body: string): { code: number; msg: string } | undefined {
  try {
    const value = JSON.parse(body) as { code?: unknown; msg?: unknown };
    return typeof value.code === 'number' && typeof value.msg === 'string' ? { code: value.code, msg: value.msg } : undefined;
  } catch {
    return undefined;
  }
}
