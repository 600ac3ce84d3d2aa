import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Json } from '../binance/format.js';
import { klineEvent } from '../binance/format.js';
import type { Kline } from '../data/klines.js';
import { bucketStart, intervalMs, klineAt, lowerBound } from '../data/klines.js';
import type { BarTick, Exchange } from '../exchange/exchange.js';
import type { EmulatedMarket } from '../exchange/markets.js';
import type { FaultInjector } from '../faults.js';

/** A kline stream, `<symbol>@kline_<interval>`. */
interface KlineStream {
  readonly name: string;
  readonly market: EmulatedMarket;
  readonly interval: string;
  readonly ms: number;
}

interface Connection {
  readonly socket: WebSocket;
  /** Combined streams (`/stream`) wrap every event as `{stream, data}`. */
  readonly combined: boolean;
  readonly streams: Set<string>;
}

/** Per stream: the first bar (index in the market's columns) whose interval has not been sent as closed. */
type Progress = Map<string, number>;

/**
 * Binance's market-data WebSocket for kline streams: raw streams on `/ws/<stream>[/<stream>...]`,
 * combined streams on `/stream?streams=a/b` (events wrapped as `{stream, data}`), and the JSON
 * methods `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY` and `GET_PROPERTY`.
 *
 * Streams follow the exchange's clock: when bars close, each subscribed interval that ended is
 * sent once with `x: true`, then the forming interval with `x: false` (what is known of it: see
 * `queryKlines`). A new subscription gets the forming kline at once.
 */
export class StreamHub {
  readonly #exchange: Exchange;
  readonly #faults: FaultInjector;
  readonly #now: () => number;
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #connections = new Set<Connection>();
  readonly #progress: Progress = new Map();
  readonly #unsubscribe: () => void;

  constructor(exchange: Exchange, faults: FaultInjector, now: () => number) {
    this.#exchange = exchange;
    this.#faults = faults;
    this.#now = now;
    this.#unsubscribe = exchange.onBars((ticks, t) => this.#onBars(ticks, t));
  }

  /** Number of open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Takes over an HTTP upgrade for `/ws...` or `/stream...`; returns false for other paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    let combined: boolean;
    let initial: string[];
    if (path === '/ws' || path.startsWith('/ws/')) {
      combined = false;
      initial = path.slice(4).split('/');
    } else if (path === '/stream') {
      combined = true;
      initial = (url.searchParams.get('streams') ?? '').split('/');
    } else {
      return false;
    }
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { socket: ws, combined, streams: new Set() };
      this.#connections.add(connection);
      ws.on('close', () => this.#connections.delete(connection));
      ws.on('error', () => this.#connections.delete(connection));
      ws.on('message', (data, isBinary) => this.#onMessage(connection, isBinary ? '' : data.toString()));
      // Path segments that are not streams (ccxt connects to `/ws/0`) are ignored, as the venue does.
      const streams = initial.map((s) => this.#parse(s)).filter((s): s is KlineStream => s !== undefined);
      this.#subscribe(connection, streams);
    });
    return true;
  }

  /** Terminates every connection abruptly (no close frame); returns how many there were. */
  dropAll(): number {
    const n = this.#connections.size;
    for (const c of this.#connections) c.socket.terminate();
    this.#connections.clear();
    return n;
  }

  /** Terminates every connection and stops following the exchange. */
  close(): void {
    this.#unsubscribe();
    this.dropAll();
    this.#server.close();
  }

  #parse(name: string): KlineStream | undefined {
    const match = /^([a-z0-9]+)@kline_(\w+)$/.exec(name);
    if (match === null) return undefined;
    const market = this.#exchange.marketByVenueId((match[1] as string).toUpperCase());
    if (market === undefined) return undefined;
    const interval = match[2] as string;
    const ms = intervalMs(interval, market.columns.timeframeMs);
    return ms === undefined ? undefined : { name, market, interval, ms };
  }

  #onMessage(connection: Connection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    const request = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    const id = typeof request.id === 'number' || typeof request.id === 'string' ? request.id : null;
    const error = (msg: string): void => this.#send(connection, { error: { code: 2, msg }, id });
    const params = request.params;
    switch (request.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
          error('Invalid request: params must be an array of stream names');
          break;
        }
        const streams = (params as string[]).map((name) => ({ name, stream: this.#parse(name) }));
        const unsupported = streams.find((s) => s.stream === undefined);
        if (unsupported !== undefined) {
          error(`Invalid request: unsupported stream "${unsupported.name}" (the emulator serves <symbol>@kline_<interval>)`);
          break;
        }
        const parsed = streams.map((s) => s.stream as KlineStream);
        this.#send(connection, { result: null, id });
        if (request.method === 'SUBSCRIBE') this.#subscribe(connection, parsed);
        else for (const s of parsed) connection.streams.delete(s.name);
        break;
      }
      case 'LIST_SUBSCRIPTIONS':
        this.#send(connection, { result: [...connection.streams], id });
        break;
      case 'SET_PROPERTY':
        this.#send(connection, { result: null, id });
        break;
      case 'GET_PROPERTY':
        this.#send(connection, { result: connection.combined, id });
        break;
      default:
        error('Invalid request: unknown method');
    }
  }

  #subscribe(connection: Connection, streams: readonly KlineStream[]): void {
    const now = this.#now();
    this.#exchange.sync(now);
    for (const stream of streams) {
      if (connection.streams.has(stream.name)) continue;
      // A stream nobody follows starts over: it sends only what ends from now on.
      if (![...this.#connections].some((c) => c.streams.has(stream.name)))
        this.#progress.set(stream.name, this.#exchange.closedBars(stream.market));
      connection.streams.add(stream.name);
      const forming = klineAt(stream.market.columns, now, now, stream.ms);
      if (forming !== undefined && !forming.closed) this.#push([connection], stream, forming, now);
    }
  }

  /** After bars closed: each subscribed stream sends its ended intervals (`x: true`), then its forming one. */
  #onBars(ticks: readonly BarTick[], now: number): void {
    const touched = new Set(ticks.map((t) => t.market));
    const byStream = new Map<string, Connection[]>();
    for (const c of this.#connections) {
      for (const name of c.streams) byStream.set(name, [...(byStream.get(name) ?? []), c]);
    }
    for (const [name, connections] of byStream) {
      const stream = this.#parse(name);
      if (stream === undefined || !touched.has(stream.market)) continue;
      for (const kline of this.#endedKlines(stream, now)) this.#push(connections, stream, kline, now);
      const forming = klineAt(stream.market.columns, now, now, stream.ms);
      if (forming !== undefined && !forming.closed) this.#push(connections, stream, forming, now);
    }
  }

  /** The intervals of `stream` that ended since it last sent one, oldest first. */
  #endedKlines(stream: KlineStream, now: number): Kline[] {
    const c = stream.market.columns;
    const closed = this.#exchange.closedBars(stream.market);
    let i = this.#progress.get(stream.name) ?? closed;
    const out: Kline[] = [];
    while (i < closed) {
      const s = bucketStart(c.openTime[i] as number, stream.ms);
      if (s + stream.ms > now) break;
      const kline = klineAt(c, s, now, stream.ms);
      if (kline !== undefined) out.push(kline);
      i = lowerBound(c.openTime, s + stream.ms, c.length);
    }
    this.#progress.set(stream.name, i);
    return out;
  }

  #push(connections: readonly Connection[], stream: KlineStream, kline: Kline, now: number): void {
    const event = klineEvent(stream.market, stream.interval, kline, now);
    for (const c of connections) {
      if (c.socket.readyState !== c.socket.OPEN) continue;
      if (this.#faults.forWebSocketPush()) {
        c.socket.terminate();
        this.#connections.delete(c);
        continue;
      }
      this.#send(c, c.combined ? { stream: stream.name, data: event } : event);
    }
  }

  #send(connection: Connection, message: Json): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(message));
  }
}
