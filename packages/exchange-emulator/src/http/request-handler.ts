import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Logger } from '@bt/core';
import type { ApiKey } from '../binance/auth.js';
import type { Json } from '../binance/format.js';
import { handleRest } from '../binance/rest.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import type { Exchange } from '../exchange/exchange.js';
import type { FaultInjector } from '../faults.js';
import { refuseControlRequest } from './control-guard.js';

/** A reply of the control endpoints. */
export interface ControlReply {
  readonly status: number;
  readonly body: Json;
}

/** What the request handler works with. */
export interface HandlerDeps {
  readonly exchange: Exchange;
  readonly faults: FaultInjector;
  readonly keys: readonly ApiKey[];
  /** Simulated time. */
  readonly clock: Clock;
  /** Wall time: `timestamp` checks, latency and hold timers. */
  readonly wallClock: Clock;
  /** The token every `/__control/...` request must carry (see {@link refuseControlRequest}). */
  readonly controlToken: string;
  /** Answers `/__control/...`. */
  readonly control: (method: string, path: string, body: string) => ControlReply;
  /** Aborts when the emulator closes: ends latency waits and held requests. */
  readonly closing: AbortSignal;
  readonly logger: Logger;
  /** `clock` when it is a virtual clock: it serves {@link WAIT_PATH} and counts the requests in progress. */
  readonly virtual?: VirtualClock;
}

/** `GET /__control/clock/wait?until=<epoch ms>`: a client's sleep on a virtual clock. */
export const WAIT_PATH = '/__control/clock/wait';

/**
 * How long a wait is held at most (wall time) before it is answered with the time as it is; the
 * client asks again. Keeps long waits under HTTP clients' own timeouts.
 */
const WAIT_HOLD_MS = 60_000;

/** The reason a wait's own timers are aborted with (a reason given spares making an exception each time). */
const WAIT_OVER = Object.freeze({ reason: 'the wait is over' });

const MAX_BODY = 1 << 20;

const RATE_LIMIT_MSG =
  'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.';

/**
 * The HTTP side of the emulator: control endpoints (guarded by Host, Origin and the control
 * token), then the faults armed for the request,
 * then the Binance REST routes on an exchange brought up to the current simulated time.
 */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // A virtual clock does not step while a request is being answered (a client's sleep is not work).
    const end = deps.virtual !== undefined && !(req.url ?? '').startsWith(WAIT_PATH) ? deps.virtual.begin() : undefined;
    if (end !== undefined) res.once('close', end);
    handle(deps, req, res).catch((error: unknown) => {
      deps.logger.error('exchange emulator: request failed', {
        url: req.url,
        cause: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) sendJson(res, 500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      else res.destroy();
    });
  };
}

async function handle(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { code: -1000, msg: 'Request body too large.' });
  if (path.startsWith('/__control/')) {
    const refusal = refuseControlRequest(req.headers, req.socket.localPort ?? 0, deps.controlToken);
    if (refusal !== undefined) return sendJson(res, refusal.status, refusal.body);
  }
  if (path === WAIT_PATH && method === 'GET') return waitOnClock(deps, res, query);
  if (path.startsWith('/__control/')) {
    const reply = deps.control(method, path, body);
    return sendJson(res, reply.status, reply.body);
  }
  const faults = deps.faults.forRequest(method, path);
  if (faults.latencyMs > 0) {
    await deps.wallClock.sleep(faults.latencyMs, deps.closing);
    if (deps.closing.aborted) return void req.socket.destroy();
  }
  if (faults.rateLimit !== undefined) {
    return sendJson(
      res,
      faults.rateLimit.status,
      { code: -1003, msg: RATE_LIMIT_MSG },
      { 'Retry-After': String(faults.rateLimit.retryAfterSeconds) },
    );
  }
  if (faults.serverError !== undefined && !faults.serverError.execute) return sendServerError(res, faults.serverError.status);
  const now = deps.clock.now();
  deps.exchange.sync(now);
  const header = req.headers['x-mbx-apikey'];
  const reply = handleRest(
    { method, path, query, body, apiKey: Array.isArray(header) ? header[0] : header },
    { exchange: deps.exchange, keys: deps.keys, faults: deps.faults, now, wallNow: deps.wallClock.now() },
  );
  if (faults.timeout !== undefined) {
    // The request has been executed; the client never hears about it.
    if (faults.timeout.mode === 'drop') req.socket.destroy();
    else await hold(req, faults.timeout.holdMs, deps);
    return;
  }
  if (faults.serverError !== undefined) return sendServerError(res, faults.serverError.status);
  if (reply === undefined) return sendText(res, 404, `404 Not Found: ${method} ${path} is not served by the exchange emulator`);
  sendJson(res, reply.status, reply.body, reply.headers);
}

/**
 * A client's sleep on the virtual clock: parked there until the clock reaches `until`, then
 * answered with `{ now }` (earlier, with the time as it is, after {@link WAIT_HOLD_MS} of wall
 * time, or not at all when the client goes away or the emulator closes).
 */
async function waitOnClock(deps: HandlerDeps, res: ServerResponse, query: string): Promise<void> {
  const clock = deps.virtual;
  if (clock === undefined) {
    return sendJson(res, 409, { error: 'the emulator runs on a clock that is not virtual: follow GET /__control/clock instead' });
  }
  const until = Number(new URLSearchParams(query).get('until') ?? Number.NaN);
  if (!Number.isFinite(until)) return sendJson(res, 400, { error: 'until: expected epoch ms' });
  if (until > clock.now()) {
    const done = new AbortController();
    const stop = (): void => done.abort(WAIT_OVER);
    res.once('close', stop);
    deps.closing.addEventListener('abort', stop, { once: true });
    void deps.wallClock.sleep(WAIT_HOLD_MS, done.signal).then(stop);
    await clock.sleep(until - clock.now(), done.signal);
    const gone = res.destroyed || deps.closing.aborted;
    stop();
    res.off('close', stop);
    deps.closing.removeEventListener('abort', stop);
    if (gone) return;
  }
  sendJson(res, 200, { now: clock.now() });
}

/** Keeps a request unanswered until the client closes it, `holdMs` passes, or the emulator closes. */
async function hold(req: IncomingMessage, holdMs: number | undefined, deps: HandlerDeps): Promise<void> {
  const done = new AbortController();
  const stop = (): void => done.abort();
  req.socket.once('close', stop);
  deps.closing.addEventListener('abort', stop, { once: true });
  if (holdMs !== undefined) void deps.wallClock.sleep(holdMs, done.signal).then(stop);
  await new Promise<void>((resolve) => {
    if (done.signal.aborted) resolve();
    else done.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  deps.closing.removeEventListener('abort', stop);
  req.socket.destroy();
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: Json, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A gateway-style 5xx with a plain-text body, as Binance's front end sends (no JSON code). */
function sendServerError(res: ServerResponse, status: number): void {
  sendText(res, status, `${status} Service Unavailable (fault injected by the exchange emulator)`);
}
