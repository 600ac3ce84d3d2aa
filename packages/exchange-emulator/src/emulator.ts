import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Balance, Clock, Fill, Logger, Order, Position } from '@bt/core';
import { BtError, LiveClock, silentLogger } from '@bt/core';
import type { BarColumns, FeeSchedule, MarketSpec } from '@bt/sim-broker';
import type { ApiKey } from './binance/auth.js';
import { SpeedClock } from './clock/speed-clock.js';
import { isVirtualClock } from './clock/virtual-clock.js';
import type { DataFile } from './data/sources.js';
import { listDataDir, loadDataFiles } from './data/sources.js';
import type { ClientOrderIdRule, MatchingSettings } from './exchange/exchange.js';
import { Exchange } from './exchange/exchange.js';
import type { FaultConfig, FaultState } from './faults.js';
import { FaultInjector } from './faults.js';
import { createControl } from './http/control.js';
import { newControlToken } from './http/control-guard.js';
import { createRequestHandler } from './http/request-handler.js';
import { StreamHub } from './ws/stream-hub.js';

/** Binance's standard spot fees: 0.1 % maker and taker. */
export const DEFAULT_FEES: FeeSchedule = Object.freeze({ maker: 0.001, taker: 0.001 });

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1. Default 0: an ephemeral port (read it from {@link RunningEmulator.port}). */
  readonly port?: number;
  /** The data: CSV files with their symbols, or a directory of `*.csv` named like `BTCUSDT.csv` or `binance-BTCUSDT-1m-...csv`. */
  readonly data: readonly DataFile[] | string;
  /**
   * Simulated time runs this many times as fast as the wall clock, from `startTime`. Default 1
   * (real time). Not with `clock`.
   */
  readonly speed?: number;
  /**
   * Where simulated time comes from instead (e.g. core's `ManualClock` in tests). Not with `speed`
   * or `startTime`. A `VirtualClock` also serves other processes: `GET /__control/clock` says
   * `virtual: true`, a client such as `bt run` sleeps on it through `GET /__control/clock/wait`,
   * and the clock counts the requests being answered, so that `clock.lockstep(...)` runs the bot
   * and the emulator in lockstep.
   */
  readonly clock?: Clock;
  /** Simulated time at start, epoch ms or an ISO-8601 string. Default: the first bar's open time. */
  readonly startTime?: number | string;
  /** API keys that may sign requests; every key trades the one account. */
  readonly keys: readonly ApiKey[];
  /** Starting balances per asset, e.g. `{ USDT: 10_000, BTC: 0.5 }`. */
  readonly balances: Readonly<Record<string, number>>;
  /** Maker and taker rates (and a per-order fee). Default {@link DEFAULT_FEES}. */
  readonly fees?: FeeSchedule;
  /** Trading rules per symbol (price and amount steps, minimums); default: see README. */
  readonly markets?: readonly MarketSpec[];
  /** Slippage, volume cap, latency and intrabar priority of the matching engine, as in a backtest. */
  readonly matching?: MatchingSettings;
  /** Faults armed at start. */
  readonly faults?: FaultConfig;
  /**
   * When a new order's client order id is refused as a duplicate (`-2010 Duplicate order sent.`).
   * Default `open-only`, Binance's rule: only while an open order has that id (once it is final,
   * the id can be used again). `unique`: whenever any order ever had it.
   */
  readonly clientOrderIds?: ClientOrderIdRule;
  /** The wall clock: `timestamp` checks, injected latency and, with `speed`, the base of simulated time. Default: core's `LiveClock`. */
  readonly wallClock?: Clock;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** Fault injection and the replay, from code. */
export interface EmulatorControl {
  /** Arms the faults `faults` names (a `null` disarms that kind); other kinds stay. @throws BtError `CONFIG` */
  setFaults(faults: FaultConfig): void;
  /** Disarms every fault; the counters stay. */
  clearFaults(): void;
  /** Armed faults, injected counts per kind and the log. */
  faults(): FaultState;
  /** Terminates every WebSocket connection now (counted as `dropWebSockets`); returns how many. */
  dropWebSockets(): number;
  /** Feeds the engine every bar closed by now and pushes the streams. Requests do this by themselves. */
  sync(): void;
  /** Restarts the venue; see {@link RunningEmulator.restart}. */
  restart(options?: RestartOptions): RestartReport;
}

/** Options of {@link RunningEmulator.restart}. */
export interface RestartOptions {
  /** Order and trade ids start again at 1 (as on an exchange whose id counters were lost). Default false. */
  readonly resetIds?: boolean;
}

/** What a restart did. */
export interface RestartReport {
  /** Restarts so far, this one included. */
  readonly restarts: number;
  /** WebSocket connections closed by the restart. */
  readonly droppedWebSockets: number;
  /** The id the next order gets. */
  readonly nextOrderId: number;
  /** The id the next trade gets. */
  readonly nextTradeId: number;
}

/** The `exchange.options` ccxt's binance needs to trade the emulator: spot markets only, no margin or currency endpoints. */
export interface CcxtOptions {
  fetchCurrencies: false;
  fetchMargins: false;
  fetchMarkets: { types: string[] };
}

/**
 * A fresh copy of the options ccxt's binance needs against the emulator (merge them into
 * `exchange.options`; ccxt may mutate them, hence a new object each call).
 */
export function ccxtOptions(): CcxtOptions {
  return { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } };
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/api/v3`: ccxt's `urls.api.public` and `urls.api.private`. */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>/ws`: ccxt.pro's `urls.api.ws.spot`. Combined streams are on `/stream`. */
  readonly wsUrl: string;
  readonly port: number;
  /**
   * The token every control request (`/__control/...`) must carry in the header
   * `x-bt-emulator-token`: random, made at start. `bt emulate` prints it as `BT_EMULATOR_TOKEN=...`.
   */
  readonly controlToken: string;
  /** Unified symbols served, in canonical order. */
  readonly symbols: readonly string[];
  readonly control: EmulatorControl;
  /** Simulated time now (ms). */
  now(): number;
  /** The spot wallet: free and locked (held by open orders) per asset. */
  balances(): Balance[];
  /** Open positions of the engine's account. */
  positions(): readonly Position[];
  /** Every order accepted, as the matching engine knows it. */
  orders(): readonly Order[];
  /** Every fill, in execution order, as the matching engine knows it (engine ids, the bar's open as time). */
  fills(): readonly Fill[];
  /**
   * Every trade as the venue's REST answers it (`GET /api/v3/myTrades`), oldest first: Binance's
   * trade id and order id (strings, as ccxt gives them; they repeat after a restart with id reset),
   * the client order id, and the execution time (the close of the bar it was matched in).
   */
  trades(): readonly Fill[];
  /**
   * Restarts the venue as a restarted exchange process would: balances, open orders and past
   * trades are kept, every WebSocket and idle HTTP connection is closed; with `resetIds`, order and
   * trade ids start again at 1 (lookups by id then give the newest order with that id).
   * Over HTTP: `POST /__control/restart` with `{ "resetIds": true }`.
   */
  restart(options?: RestartOptions): RestartReport;
  /** Stops the server, the streams and held requests. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a Binance-compatible spot exchange on 127.0.0.1 that replays OHLCV data on a clock and
 * matches orders with `@bt/sim-broker`'s engine: unmodified ccxt (`binance`, `pro.binance`)
 * trades against it.
 *
 * @throws BtError `CONFIG` on bad options, `DATA` on a bad data file.
 * @example
 * ```ts
 * const emulator = await startEmulator({
 *   data: [{ symbol: 'BTC/USDT', file: 'data/BTCUSDT.csv' }],
 *   speed: 60,
 *   keys: [{ apiKey: 'key', secret: 'secret' }],
 *   balances: { USDT: 10_000 },
 * });
 * // exchange.urls.api.public = exchange.urls.api.private = emulator.restUrl
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  validateOptions(options);
  const logger = options.logger ?? silentLogger;
  const wallClock = options.wallClock ?? new LiveClock();
  const files = typeof options.data === 'string' ? await listDataDir(options.data) : options.data;
  const columns = await loadDataFiles(files);
  const clock = options.clock ?? new SpeedClock(resolveStartTime(options.startTime, columns), options.speed ?? 1, wallClock);
  const virtual = isVirtualClock(clock) ? clock : undefined;
  const faults = new FaultInjector(() => clock.now(), options.faults);
  const exchange = new Exchange({
    columns,
    balances: options.balances,
    fees: options.fees ?? DEFAULT_FEES,
    startTime: clock.now(),
    logger,
    barCapacity: (symbol) => faults.forBarCapacity(symbol),
    ...(options.clientOrderIds === undefined ? {} : { clientOrderIds: options.clientOrderIds }),
    ...(options.markets === undefined ? {} : { markets: options.markets }),
    ...(options.matching === undefined ? {} : { matching: options.matching }),
  });
  exchange.sync(clock.now());
  const hub = new StreamHub(exchange, faults, () => clock.now());
  const closing = new AbortController();
  const dropWebSockets = (): number => {
    const n = hub.dropAll();
    faults.countDrops(n);
    return n;
  };
  const controlToken = newControlToken();
  let restarts = 0;
  let server: Server | undefined;
  const restart = (restartOptions: RestartOptions = {}): RestartReport => {
    exchange.sync(clock.now());
    const ids = exchange.restart(restartOptions.resetIds === true ? { resetIds: true } : {});
    const droppedWebSockets = hub.dropAll();
    server?.closeIdleConnections();
    restarts++;
    logger.info('exchange emulator: restarted', { resetIds: restartOptions.resetIds === true, ...ids });
    return { restarts, droppedWebSockets, ...ids };
  };
  server = createServer(
    createRequestHandler({
      exchange,
      faults,
      keys: options.keys,
      clock,
      wallClock,
      closing: closing.signal,
      logger,
      controlToken,
      ...(virtual === undefined ? {} : { virtual }),
      control: createControl({
        exchange,
        faults,
        now: () => clock.now(),
        speed: options.clock === undefined ? (options.speed ?? 1) : undefined,
        ...(virtual === undefined ? {} : { virtual }),
        dropWebSockets,
        restart: (restartOptions) => ({ ...restart(restartOptions) }),
      }),
    }),
  );
  server.on('upgrade', (request, socket, head: Buffer) => {
    if (!hub.handleUpgrade(request, socket, head)) socket.destroy();
  });
  const port = await listen(server, options.port ?? 0);
  // A virtual clock says when time moves; any other is watched for bar closes.
  const stopFollowing = virtual?.onAdvance((now) => exchange.sync(now));
  const loop = virtual === undefined ? runClock(exchange, clock, closing.signal) : Promise.resolve();
  let closed: Promise<void> | undefined;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    restUrl: `${url}/api/v3`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    controlToken,
    symbols: exchange.markets.map((m) => m.market.symbol),
    control: {
      setFaults: (config) => faults.set(config),
      clearFaults: () => faults.clear(),
      faults: () => faults.state(),
      dropWebSockets,
      sync: () => exchange.sync(clock.now()),
      restart,
    },
    now: () => clock.now(),
    balances: () => {
      exchange.sync(clock.now());
      return exchange.balances();
    },
    positions: () => exchange.positions(),
    orders: () => exchange.engineOrders(),
    fills: () => exchange.fills(),
    trades: () => exchange.venueTrades(),
    restart,
    close: () => {
      closed ??= (async () => {
        closing.abort();
        stopFollowing?.();
        hub.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await loop;
      })();
      return closed;
    },
  };
}

/** Wakes at every bar close so the streams follow the clock even without requests. */
async function runClock(exchange: Exchange, clock: Clock, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    exchange.sync(clock.now());
    const next = exchange.nextCloseTime();
    if (!Number.isFinite(next)) return;
    await clock.sleep(Math.max(1, next - clock.now()), signal);
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function resolveStartTime(startTime: number | string | undefined, columns: readonly BarColumns[]): number {
  if (startTime === undefined)
    return Math.min(...columns.map((c) => (c.length > 0 ? (c.openTime[0] as number) : Number.POSITIVE_INFINITY)));
  const ms = typeof startTime === 'number' ? startTime : Date.parse(startTime);
  if (!Number.isFinite(ms))
    throw new BtError('CONFIG', `startTime: expected epoch ms or an ISO-8601 time, got ${JSON.stringify(startTime)}`);
  return ms;
}

function validateOptions(options: EmulatorOptions): void {
  if (typeof options !== 'object' || options === null) throw new BtError('CONFIG', 'startEmulator: expected an options object');
  const { port, speed, clock, startTime, keys, balances, data, clientOrderIds } = options;
  if (clientOrderIds !== undefined && clientOrderIds !== 'open-only' && clientOrderIds !== 'unique') {
    throw new BtError('CONFIG', `clientOrderIds: expected "open-only" or "unique", got ${JSON.stringify(clientOrderIds)}`);
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new BtError('CONFIG', `port: expected an integer in [0, 65535], got ${port}`);
  }
  if (clock !== undefined && (speed !== undefined || startTime !== undefined)) {
    throw new BtError('CONFIG', 'clock: give either a clock or speed/startTime, not both (the clock sets the time)');
  }
  if (speed !== undefined && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
    throw new BtError('CONFIG', `speed: expected a positive number (1 = real time), got ${speed}`);
  }
  if (typeof data !== 'string' && !Array.isArray(data))
    throw new BtError('CONFIG', 'data: expected a directory path or an array of { symbol, file }');
  if (!Array.isArray(keys)) throw new BtError('CONFIG', 'keys: expected an array of { apiKey, secret }');
  keys.forEach((k: ApiKey, i: number) => {
    if (typeof k?.apiKey !== 'string' || k.apiKey.length === 0)
      throw new BtError('CONFIG', `keys[${i}].apiKey: expected a non-empty string`);
    if (typeof k.secret !== 'string' || k.secret.length === 0)
      throw new BtError('CONFIG', `keys[${i}].secret: expected a non-empty string`);
  });
  if (typeof balances !== 'object' || balances === null)
    throw new BtError('CONFIG', 'balances: expected an object such as { USDT: 10000 }');
}
