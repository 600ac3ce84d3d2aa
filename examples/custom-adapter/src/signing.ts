import { createHmac } from 'node:crypto';

/** Request parameters before they are encoded: every value is sent as text. */
export type Params = Readonly<Record<string, string | number | undefined>>;

/**
 * Encodes `params` as a query string, in the order given, leaving out undefined values.
 *
 * @example
 * ```ts
 * toQueryString({ symbol: 'BTCUSDT', limit: 2, startTime: undefined }); // 'symbol=BTCUSDT&limit=2'
 * ```
 */
export function toQueryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.append(key, String(value));
  return search.toString();
}

/**
 * Signs a Binance SIGNED request: the HMAC-SHA256 (hex) of the query string exactly as sent,
 * appended as its last parameter, `signature`.
 *
 * @example
 * ```ts
 * signQuery('symbol=BTCUSDT&timestamp=1700000000000', 'secret');
 * // 'symbol=BTCUSDT&timestamp=1700000000000&signature=<64 hex digits>'
 * ```
 */
export function signQuery(query: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(query).digest('hex');
  return `${query}&signature=${signature}`;
}
