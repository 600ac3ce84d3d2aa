import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceError, missingParam } from './errors.js';

/** An API key the emulator accepts, with the secret that signs its requests (HMAC-SHA256). */
export interface ApiKey {
  readonly apiKey: string;
  readonly secret: string;
}

/** What a signed request carries. */
export interface SignedRequest {
  /** The `X-MBX-APIKEY` header. */
  readonly apiKey: string | undefined;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** The raw form body. */
  readonly body: string;
}

/** Binance's largest `recvWindow`. */
const MAX_RECV_WINDOW = 60_000;
/** How far ahead of the server a timestamp may be. */
const AHEAD_TOLERANCE = 1_000;

/**
 * Checks a SIGNED request as Binance does: the API key must be known, `signature` must be the
 * HMAC-SHA256 (hex) of the request's parameters exactly as sent (the query string, then the body,
 * without the `signature` parameter), and `timestamp` must lie within `recvWindow` (default
 * 5000 ms) of one of `serverTimes`: the emulator accepts the wall clock and the simulated clock,
 * since clients in a replay sign with the wall clock.
 *
 * @throws BinanceError -2014 (no key), -2015 (unknown key), -1102 (missing parameter),
 * -1022 (bad signature), -1131 (bad recvWindow), -1021 (timestamp outside the window).
 */
export function verifySignedRequest(request: SignedRequest, keys: readonly ApiKey[], serverTimes: readonly number[]): void {
  const { apiKey } = request;
  if (apiKey === undefined || apiKey === '') throw new BinanceError(401, -2014, 'API-key format invalid.');
  const key = keys.find((k) => k.apiKey === apiKey);
  if (key === undefined) throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
  const query = splitSignature(request.query);
  const body = splitSignature(request.body);
  const signature = body.signature ?? query.signature;
  if (signature === undefined) throw missingParam('signature');
  const payload = query.rest + body.rest;
  const expected = createHmac('sha256', key.secret).update(payload).digest();
  const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined;
  if (given === undefined || !timingSafeEqual(given, expected)) {
    throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
  }
  const params = new URLSearchParams(payload);
  const timestamp = Number(params.get('timestamp') ?? Number.NaN);
  if (!Number.isInteger(timestamp)) throw missingParam('timestamp');
  const rawWindow = params.get('recvWindow');
  const recvWindow = rawWindow === null ? 5_000 : Number(rawWindow);
  if (!(recvWindow > 0 && recvWindow <= MAX_RECV_WINDOW)) {
    throw new BinanceError(400, -1131, `recvWindow must be less than ${MAX_RECV_WINDOW}.`);
  }
  const inWindow = serverTimes.some((now) => timestamp < now + AHEAD_TOLERANCE && now - timestamp <= recvWindow);
  if (inWindow) return;
  if (serverTimes.every((now) => timestamp >= now + AHEAD_TOLERANCE)) {
    throw new BinanceError(400, -1021, `Timestamp for this request was ${AHEAD_TOLERANCE}ms ahead of the server's time.`);
  }
  throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
}

/** Splits the `signature` parameter off raw form text, keeping the rest byte for byte. */
function splitSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw.length === 0) return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split('&')) {
    if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signature };
}
