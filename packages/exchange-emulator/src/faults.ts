import { BtError } from '@bt/core';

/** Which HTTP requests a fault applies to; an omitted field matches anything. */
export interface RequestMatcher {
  /** HTTP method, e.g. `POST`. */
  readonly method?: string;
  /** Exact path, e.g. `/api/v3/order`. */
  readonly path?: string;
}

/** Added latency: matching responses are delayed by `ms` of wall time. */
export interface LatencyFault extends RequestMatcher {
  readonly ms: number;
  /** How many requests to delay; default: every one until cleared. */
  readonly count?: number;
}

/** The next `count` matching requests get an HTTP 5xx with a plain-text body (ccxt: ExchangeNotAvailable, 504: RequestTimeout). */
export interface ServerErrorFault extends RequestMatcher {
  readonly count: number;
  /** Default 503. */
  readonly status?: number;
  /** Execute the request before answering 5xx (Binance's "execution status unknown"). Default false. */
  readonly execute?: boolean;
}

/** The next `count` matching requests get Binance's rate-limit reply: 429, `-1003`, a `Retry-After` header. */
export interface RateLimitFault extends RequestMatcher {
  readonly count: number;
  /** Default 1. */
  readonly retryAfterSeconds?: number;
  /** 429 (default) or 418 (an IP ban). */
  readonly status?: 429 | 418;
}

/**
 * The next `count` matching requests are EXECUTED and then never answered: `hold` keeps the
 * connection open until the client gives up (or `holdMs` of wall time, or the emulator closes);
 * `drop` destroys the socket at once. The classic duplicate-order trap.
 */
export interface TimeoutFault extends RequestMatcher {
  readonly count: number;
  /** Default `hold`. */
  readonly mode?: 'hold' | 'drop';
  /** With `hold`: destroy the socket after this many wall-clock ms. Default: hold until the client closes. */
  readonly holdMs?: number;
}

/** The next `count` new orders are rejected with a Binance error (default `-2010`, HTTP 400). */
export interface RejectOrdersFault {
  readonly count: number;
  readonly code?: number;
  readonly msg?: string;
  readonly status?: number;
}

/** The next `count` WebSocket connections that are about to receive an event are terminated instead. */
export interface DropWebSocketsFault {
  readonly count: number;
}

/**
 * Partial fills: while armed, the orders of a market fill at most `maxAmount` (base) per bar, so
 * a larger order fills in several parts over the following bars (`PARTIALLY_FILLED`, one trade
 * per part) until it is done, canceled or the fault is cleared.
 */
export interface PartialFillsFault {
  /** Most base amount all orders of a market together fill in one bar (> 0; rounded down to the amount step). */
  readonly maxAmount: number;
  /** Only this market (unified symbol, e.g. `BTC/USDT`); default: every market. */
  readonly symbol?: string;
  /** How many bars to cap (a bar counts when an order executes in it); default: every one until cleared. */
  readonly count?: number;
}

/** Faults to inject. {@link FaultInjector.set} replaces the kinds it names and keeps the others. */
export interface FaultConfig {
  readonly latency?: LatencyFault | null;
  readonly serverError?: ServerErrorFault | null;
  readonly rateLimit?: RateLimitFault | null;
  readonly timeout?: TimeoutFault | null;
  readonly rejectOrders?: RejectOrdersFault | null;
  readonly dropWebSockets?: DropWebSocketsFault | null;
  readonly partialFills?: PartialFillsFault | null;
}

/** The kinds of fault. */
export type FaultKind = keyof FaultConfig;

/** One injected fault. */
export interface FaultEvent {
  readonly kind: FaultKind;
  /** `METHOD /path` for HTTP faults, `ws` for WebSocket drops. */
  readonly target: string;
  /** Simulated time (ms). */
  readonly time: number;
}

/** What is armed, what was injected and how often. */
export interface FaultState {
  /** The armed faults, with their remaining counts. */
  readonly armed: FaultConfig;
  /** Faults injected so far, per kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** The last 1,000 injected faults, oldest first. */
  readonly log: readonly FaultEvent[];
}

/** The faults that apply to one HTTP request, decided (and counted) when it arrives. */
export interface RequestFaults {
  readonly latencyMs: number;
  readonly serverError?: { readonly status: number; readonly execute: boolean };
  readonly rateLimit?: { readonly status: number; readonly retryAfterSeconds: number };
  readonly timeout?: { readonly mode: 'hold' | 'drop'; readonly holdMs?: number };
}

const KINDS: readonly FaultKind[] = ['latency', 'serverError', 'rateLimit', 'timeout', 'rejectOrders', 'dropWebSockets', 'partialFills'];
const LOG_LIMIT = 1_000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Armed faults and their counters. Faults are consumed in arrival order: each matching request
 * (or order, or WebSocket push) uses up one of a fault's `count`.
 */
export class FaultInjector {
  readonly #now: () => number;
  #armed: Mutable<FaultConfig> = {};
  readonly #injected: Record<FaultKind, number> = {
    latency: 0,
    serverError: 0,
    rateLimit: 0,
    timeout: 0,
    rejectOrders: 0,
    dropWebSockets: 0,
    partialFills: 0,
  };
  readonly #log: FaultEvent[] = [];

  /** @param now the simulated clock, to stamp the log. */
  constructor(now: () => number, initial?: FaultConfig) {
    this.#now = now;
    if (initial !== undefined) this.set(initial);
  }

  /**
   * Arms the faults `config` names (a `null` disarms that kind); other kinds stay as they are.
   * @throws BtError `CONFIG` naming the bad field.
   */
  set(config: FaultConfig): void {
    const valid = validateFaults(config);
    for (const kind of KINDS) {
      if (!(kind in valid)) continue;
      const value = valid[kind];
      if (value === null || value === undefined) delete this.#armed[kind];
      else (this.#armed as Record<FaultKind, unknown>)[kind] = { ...value };
    }
  }

  /** Disarms every fault (the counters stay). */
  clear(): void {
    this.#armed = {};
  }

  /** The armed faults, counters and log. */
  state(): FaultState {
    return {
      armed: structuredClone(this.#armed),
      injected: { ...this.#injected },
      log: [...this.#log],
    };
  }

  /** Decides which faults apply to a request and uses them up. */
  forRequest(method: string, path: string): RequestFaults {
    const target = `${method} ${path}`;
    let latencyMs = 0;
    const latency = this.#take('latency', method, path, target);
    if (latency !== undefined) latencyMs = latency.ms;
    const rateLimit = this.#take('rateLimit', method, path, target);
    if (rateLimit !== undefined) {
      return { latencyMs, rateLimit: { status: rateLimit.status ?? 429, retryAfterSeconds: rateLimit.retryAfterSeconds ?? 1 } };
    }
    const serverError = this.#take('serverError', method, path, target);
    if (serverError !== undefined) {
      return { latencyMs, serverError: { status: serverError.status ?? 503, execute: serverError.execute ?? false } };
    }
    const timeout = this.#take('timeout', method, path, target);
    if (timeout !== undefined) {
      return { latencyMs, timeout: { mode: timeout.mode ?? 'hold', ...(timeout.holdMs === undefined ? {} : { holdMs: timeout.holdMs }) } };
    }
    return { latencyMs };
  }

  /** The rejection for a new order, when one is armed (and uses it up). */
  forNewOrder(target: string): { code: number; msg: string; status: number } | undefined {
    const fault = this.#take('rejectOrders', undefined, undefined, target);
    if (fault === undefined) return undefined;
    return {
      code: fault.code ?? -2010,
      msg: fault.msg ?? 'Order was rejected (fault injected by the exchange emulator).',
      status: fault.status ?? 400,
    };
  }

  /** True when the connection about to receive a push must be dropped instead (and uses it up). */
  forWebSocketPush(): boolean {
    return this.#take('dropWebSockets', undefined, undefined, 'ws') !== undefined;
  }

  /** Most base amount the orders of `symbol` may fill in the bar being matched (Infinity: no fault; uses one up). */
  forBarCapacity(symbol: string): number {
    const fault = this.#armed.partialFills;
    if (!fault || (fault.symbol !== undefined && fault.symbol !== symbol)) return Number.POSITIVE_INFINITY;
    return (this.#take('partialFills', undefined, undefined, `bar ${symbol}`) as PartialFillsFault).maxAmount;
  }

  /** Counts WebSocket connections dropped on request (`control.dropWebSockets()`). */
  countDrops(n: number): void {
    for (let i = 0; i < n; i++) this.#record('dropWebSockets', 'ws');
  }

  #take<K extends FaultKind>(
    kind: K,
    method: string | undefined,
    path: string | undefined,
    target: string,
  ): NonNullable<FaultConfig[K]> | undefined {
    const fault = this.#armed[kind] as (NonNullable<FaultConfig[K]> & { count?: number } & RequestMatcher) | undefined;
    if (fault === undefined) return undefined;
    if (method !== undefined && fault.method !== undefined && fault.method.toUpperCase() !== method) return undefined;
    if (path !== undefined && fault.path !== undefined && fault.path !== path) return undefined;
    if (fault.count !== undefined) {
      if (fault.count <= 1) delete this.#armed[kind];
      else (this.#armed as Record<FaultKind, unknown>)[kind] = { ...fault, count: fault.count - 1 };
    }
    this.#record(kind, target);
    return fault;
  }

  #record(kind: FaultKind, target: string): void {
    this.#injected[kind]++;
    this.#log.push({ kind, target, time: this.#now() });
    if (this.#log.length > LOG_LIMIT) this.#log.shift();
  }
}

/**
 * Checks a fault configuration (from code or from the control endpoint's JSON).
 * @throws BtError `CONFIG` naming the first bad field.
 */
export function validateFaults(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BtError('CONFIG', 'faults: expected an object');
  const config = input as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!(KINDS as readonly string[]).includes(key))
      throw new BtError('CONFIG', `faults.${key}: unknown fault; expected one of ${KINDS.join(', ')}`);
  }
  for (const kind of KINDS) {
    const value = config[kind];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new BtError('CONFIG', `faults.${kind}: expected an object or null`);
    const f = value as Record<string, unknown>;
    const field = (name: string): string => `faults.${kind}.${name}`;
    const int = (name: string, min: number, required: boolean): void => {
      const v = f[name];
      if (v === undefined && !required) return;
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= min))
        throw new BtError('CONFIG', `${field(name)}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
    };
    const str = (name: string): void => {
      const v = f[name];
      if (v !== undefined && typeof v !== 'string')
        throw new BtError('CONFIG', `${field(name)}: expected a string, got ${JSON.stringify(v)}`);
    };
    str('method');
    str('path');
    if (kind === 'latency') {
      int('ms', 0, true);
      int('count', 1, false);
    } else if (kind === 'partialFills') {
      if (!(typeof f.maxAmount === 'number' && Number.isFinite(f.maxAmount) && f.maxAmount > 0))
        throw new BtError('CONFIG', `${field('maxAmount')}: expected a number > 0, got ${JSON.stringify(f.maxAmount)}`);
      str('symbol');
      int('count', 1, false);
    } else {
      int('count', 1, true);
    }
    if (kind === 'serverError') {
      int('status', 500, false);
      if (typeof f.status === 'number' && f.status > 599)
        throw new BtError('CONFIG', `${field('status')}: expected a 5xx status, got ${f.status}`);
      if (f.execute !== undefined && typeof f.execute !== 'boolean') throw new BtError('CONFIG', `${field('execute')}: expected a boolean`);
    }
    if (kind === 'rateLimit') {
      int('retryAfterSeconds', 0, false);
      if (f.status !== undefined && f.status !== 429 && f.status !== 418)
        throw new BtError('CONFIG', `${field('status')}: expected 429 or 418`);
    }
    if (kind === 'timeout') {
      if (f.mode !== undefined && f.mode !== 'hold' && f.mode !== 'drop')
        throw new BtError('CONFIG', `${field('mode')}: expected "hold" or "drop"`);
      int('holdMs', 0, false);
    }
    if (kind === 'rejectOrders') {
      if (f.code !== undefined && !(typeof f.code === 'number' && Number.isInteger(f.code)))
        throw new BtError('CONFIG', `${field('code')}: expected an integer`);
      str('msg');
      int('status', 400, false);
    }
  }
  return config as FaultConfig;
}
