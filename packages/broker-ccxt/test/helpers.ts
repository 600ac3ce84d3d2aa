import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerEvent, Fill, Logger, LogRecord, Order } from '@bt/core';
import { createMemoryLogger, ManualClock } from '@bt/core';
import type { EmulatorOptions, RunningEmulator } from '@bt/exchange-emulator';
import { startEmulator } from '@bt/exchange-emulator';
import type { CcxtBrokerOptions } from '../src/index.js';
import { CcxtBroker, seededRandom } from '../src/index.js';

export const MINUTE = 60_000;
/** 2024-01-01T00:00:00Z */
export const T0 = Date.UTC(2024, 0, 1);
export const API_KEY = 'emulator-api-key-0123456789';
export const SECRET = 'emulator-secret-abcdefghijklmnopqrstuvwxyz';
export const SYMBOL = 'BTC/USDT';

/** One fixture bar; `time` is its open time. */
export interface FixtureBar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** `count` one-minute bars from T0: a seeded walk around 40,000 with 2-decimal prices. */
export function fixtureBars(count = 400, seed = 11): FixtureBar[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const round = (x: number): number => Math.round(x * 100) / 100;
  const out: FixtureBar[] = [];
  let close = 40_000;
  for (let i = 0; i < count; i++) {
    const open = round(close + (random() - 0.5) * 8);
    close = round(open + (random() - 0.5) * 50);
    const high = round(Math.max(open, close) + random() * 15);
    const low = round(Math.min(open, close) - random() * 15);
    out.push({ time: T0 + i * MINUTE, open, high, low, close, volume: Math.round((1 + random() * 5) * 1e6) / 1e6 });
  }
  return out;
}

/** A running emulator on a ManualClock, and helpers to drive it. */
export interface Venue {
  readonly emulator: RunningEmulator;
  readonly clock: ManualClock;
  readonly bars: readonly FixtureBar[];
  /** Options for a CcxtBroker trading this venue (keys, URLs, the clock, seeded jitter, short backoff, no poll loop). */
  brokerOptions(extra?: Partial<CcxtBrokerOptions>): CcxtBrokerOptions;
  /**
   * Awaits `promise` while moving the clock to each sleep that is due besides the emulator's own
   * bar-close timer, so that retry backoffs on the ManualClock elapse without wall-time waits.
   */
  drive<T>(promise: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Bar index `i`'s close time. */
export function closeOf(i: number): number {
  return T0 + (i + 1) * MINUTE;
}

/**
 * Starts the emulator over the fixture bars on a ManualClock, at 30 s into bar `startBar`
 * (bars before it are closed, it is forming). Balances default to 10,000 USDT.
 */
export async function startVenue(overrides: Partial<EmulatorOptions> = {}, startBar = 100): Promise<Venue> {
  const bars = fixtureBars();
  const dir = await mkdtemp(join(tmpdir(), 'bt-broker-ccxt-'));
  const file = join(dir, 'BTCUSDT.csv');
  await writeFile(
    file,
    `timestamp,open,high,low,close,volume\n${bars.map((b) => `${b.time},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`,
  );
  const clock = new ManualClock(T0 + startBar * MINUTE + 30_000);
  const emulator = await startEmulator({
    data: [{ symbol: SYMBOL, file }],
    clock,
    keys: [{ apiKey: API_KEY, secret: SECRET }],
    balances: { USDT: 10_000 },
    markets: [{ symbol: SYMBOL, priceStep: 0.01, amountStep: 0.00001, minAmount: 0.00001, minNotional: 5 }],
    ...overrides,
  });
  const port = emulator.port;
  return {
    emulator,
    clock,
    bars,
    brokerOptions: (extra = {}) => ({
      exchange: 'binance',
      apiKey: API_KEY,
      secret: SECRET,
      urls: { rest: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` },
      symbols: [SYMBOL],
      clock,
      random: seededRandom(1),
      retry: { attempts: 4, baseMs: 200, maxMs: 2_000 },
      pollIntervalMs: 0,
      timeoutMs: 3_000,
      ...extra,
    }),
    drive: async <T>(promise: Promise<T>): Promise<T> => {
      let settled = false;
      const done = promise.finally(() => {
        settled = true;
      });
      done.catch(() => undefined);
      while (!settled) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const next = clock.nextWakeAt();
        // The emulator always has one sleep pending (its next bar close); any other is ours.
        if (!settled && clock.pendingSleeps >= 2 && next !== undefined) await clock.advanceTo(next);
      }
      return done;
    },
    close: async () => {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A CcxtBroker with a memory logger and an event recorder. */
export function recordedBroker(options: CcxtBrokerOptions): {
  broker: CcxtBroker;
  records: LogRecord[];
  logger: Logger;
  events: BrokerEvent[];
  fills: () => Fill[];
  updates: () => Order[];
} {
  const records: LogRecord[] = [];
  const logger = createMemoryLogger(records);
  const broker = new CcxtBroker({ ...options, logger });
  const events: BrokerEvent[] = [];
  broker.subscribe((event) => events.push(event));
  return {
    broker,
    records,
    logger,
    events,
    fills: () => events.flatMap((e) => (e.type === 'fill' ? [e.fill] : [])),
    updates: () => events.flatMap((e) => (e.type === 'order' ? [e.order] : [])),
  };
}

/** Resolves once `condition()` holds, checking every few ms of wall time; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

/** One request seen by a {@link RecordingProxy}. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** Query and form-body parameters together. */
  readonly params: URLSearchParams;
}

/** An HTTP proxy in front of the emulator that records every request: what ccxt really sent. */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`, for `urls.rest`. */
  readonly url: string;
  readonly requests: SeenRequest[];
  /** How many `POST /api/v3/order` carried each client order id. */
  orderPosts(): Map<string, number>;
  close(): Promise<void>;
}

/** Starts a {@link RecordingProxy} forwarding to `target` (an origin). */
export async function startProxy(target: string): Promise<RecordingProxy> {
  const { createServer, request } = await import('node:http');
  const upstream = new URL(target);
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const params = new URLSearchParams(url.search);
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, params });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      // When ccxt gives up (timeout), the upstream request goes too, as it would on a real network.
      res.on('close', () => forward.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    orderPosts: () => {
      const counts = new Map<string, number>();
      for (const r of requests) {
        if (r.method !== 'POST' || r.path !== '/api/v3/order') continue;
        const id = r.params.get('newClientOrderId') ?? '(none)';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
