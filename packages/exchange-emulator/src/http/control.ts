import { isBtError } from '@bt/core';
import type { Json } from '../binance/format.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import type { Exchange } from '../exchange/exchange.js';
import type { FaultInjector, FaultState } from '../faults.js';
import type { ControlReply } from './request-handler.js';

/** What the control endpoints act on. */
export interface ControlDeps {
  readonly exchange: Exchange;
  readonly faults: FaultInjector;
  readonly now: () => number;
  /** How many times as fast as the wall clock simulated time runs; undefined on an injected clock. */
  readonly speed: number | undefined;
  /** The clock when it is virtual (moved by the control endpoints or by a test in process). */
  readonly virtual?: VirtualClock;
  /** Drops every WebSocket connection; returns how many. */
  readonly dropWebSockets: () => number;
  /** Restarts the venue (`emulator.restart`). */
  readonly restart: (options: { resetIds?: boolean }) => Json;
}

/**
 * The emulator's own HTTP endpoints (no signature; the server listens on 127.0.0.1 only, and the
 * request handler lets through only requests with the control token, the emulator's own Host and
 * no foreign Origin):
 * - `GET /__control/faults`: armed faults, counters and log;
 * - `POST /__control/faults` with a JSON `FaultConfig`: arms the kinds it names;
 * - `DELETE /__control/faults`: disarms every fault;
 * - `POST /__control/ws/drop`: drops every WebSocket connection now;
 * - `GET /__control/state`: simulated time, wallet, open orders and fill count;
 * - `POST /__control/restart` with an optional JSON `{ "resetIds": true }`: restarts the venue
 *   (balances, orders and trades kept; with `resetIds`, order and trade ids start again at 1);
 * - `GET /__control/clock`: simulated time and speed (`null` on an injected clock), so a client can
 *   follow the replay's time; `virtual: true` on a virtual clock, which a client follows by sleeping
 *   on it: `GET /__control/clock/wait?until=<ms>` answers `{ now }` once time has reached `until`;
 * - virtual clock only: `POST /__control/clock/step` moves time to the earliest waiting sleep and
 *   wakes it alone (`{ now, woke }`); `POST /__control/clock/advance` with `{ "to": ms }` or
 *   `{ "by": ms }` moves time forward, waking every sleep due (`{ now }`).
 */
export function createControl(deps: ControlDeps): (method: string, path: string, body: string) => ControlReply {
  return (method, path, body) => {
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /__control/faults':
        return ok(faultJson(deps.faults.state()));
      case 'POST /__control/faults': {
        let config: unknown;
        try {
          config = JSON.parse(body);
        } catch {
          return { status: 400, body: { error: 'faults: the body is not JSON' } };
        }
        try {
          deps.faults.set(config as Parameters<FaultInjector['set']>[0]);
        } catch (error) {
          if (isBtError(error)) return { status: 400, body: { error: error.message } };
          throw error;
        }
        return ok(faultJson(deps.faults.state()));
      }
      case 'DELETE /__control/faults':
        deps.faults.clear();
        return ok(faultJson(deps.faults.state()));
      case 'POST /__control/ws/drop': {
        const dropped = deps.dropWebSockets();
        return ok({ dropped });
      }
      case 'GET /__control/state': {
        const now = deps.now();
        deps.exchange.sync(now);
        return ok({
          now,
          symbols: deps.exchange.markets.map((m) => m.market.symbol),
          balances: deps.exchange.wallet().map((w) => ({ asset: w.asset, free: w.free, locked: w.locked })),
          openOrders: deps.exchange.openOrders().length,
          fills: deps.exchange.fills().length,
        });
      }
      case 'POST /__control/restart': {
        let resetIds: unknown;
        try {
          resetIds = body.trim() === '' ? undefined : (JSON.parse(body) as { resetIds?: unknown } | null)?.resetIds;
        } catch {
          return { status: 400, body: { error: 'restart: the body is not JSON' } };
        }
        if (resetIds !== undefined && typeof resetIds !== 'boolean') {
          return { status: 400, body: { error: 'restart: expected { "resetIds": true | false }' } };
        }
        return ok(deps.restart(resetIds === undefined ? {} : { resetIds }));
      }
      case 'GET /__control/clock':
        return ok({ now: deps.now(), speed: deps.speed ?? null, ...(deps.virtual === undefined ? {} : { virtual: true }) });
      case 'POST /__control/clock/step': {
        if (deps.virtual === undefined) return notVirtual();
        const woke = deps.virtual.step() !== undefined;
        return ok({ now: deps.virtual.now(), woke });
      }
      case 'POST /__control/clock/advance': {
        if (deps.virtual === undefined) return notVirtual();
        let to: unknown;
        try {
          const parsed = JSON.parse(body) as { to?: unknown; by?: unknown };
          to = parsed.to ?? (typeof parsed.by === 'number' && parsed.by >= 0 ? deps.virtual.now() + parsed.by : undefined);
        } catch {
          return { status: 400, body: { error: 'advance: the body is not JSON' } };
        }
        if (typeof to !== 'number' || !Number.isFinite(to)) {
          return { status: 400, body: { error: 'advance: expected { "to": epoch ms } or { "by": ms >= 0 }' } };
        }
        return ok({ now: deps.virtual.advanceTo(to) });
      }
      default:
        return { status: 404, body: { error: `no control endpoint ${key}` } };
    }
  };
}

function notVirtual(): ControlReply {
  return { status: 409, body: { error: 'the emulator runs on a clock that is not virtual (start it with a VirtualClock)' } };
}

function ok(body: Json): ControlReply {
  return { status: 200, body };
}

function faultJson(state: FaultState): Json {
  return JSON.parse(JSON.stringify(state)) as Json;
}
