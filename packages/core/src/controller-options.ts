import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import type { StepCoordinator } from './coordinator.js';
import { POSITION_MONITOR } from './coordinator.js';
import { BtError } from './errors.js';
import type { Logger } from './logger.js';
import type { OrderStore } from './order-store.js';
import type { SymbolConfig } from './strategy.js';
import { isTimeframe } from './timeframe.js';

/** Live pacing: loops sleep between ticks on the controller's clock. */
export interface LivePacing {
  readonly kind: 'live';
  /** Sleep between two ticks of a symbol worker. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Sleep between two passes of the position monitor. Default 5000 ms. */
  readonly monitorIntervalMs?: number;
  /** Backoff after a worker error: first delay, doubled each time up to the cap. Default 1000 and 60000 ms. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** Replay pacing: loops wait at the barrier, then each worker advances its symbol. */
export interface ReplayPacing {
  readonly kind: 'replay';
  readonly coordinator: StepCoordinator;
}

/** Options of {@link TradingController}. */
export interface TradingControllerOptions {
  /** The venue; for replay pacing it must be a {@link ReplayBroker}. */
  readonly broker: Broker;
  readonly clock: Clock;
  readonly symbols: readonly SymbolConfig[];
  readonly pacing: LivePacing | ReplayPacing;
  readonly logger?: Logger;
  /** Run the position monitor and trade manager. Default true. */
  readonly positionMonitor?: boolean;
  /**
   * Replay only: what a worker error does. `fail` (default) rejects the run and releases everyone;
   * `skip` logs it, ends that symbol, and lets the others go on.
   */
  readonly onSymbolError?: 'fail' | 'skip';
  /** Prefix of client order ids of the in-memory order store. Default `bt` in replay, a clock-derived id live. */
  readonly runId?: string;
  /**
   * Where orders, fills and the trade manager's state are recorded, before orders are sent
   * (write-ahead). Default: an in-memory store of this run (client order ids
   * `<runId>-<symbol index>-<seq>`); @bt/journal's `journalOrderStore` keeps them on disk.
   */
  readonly orderStore?: OrderStore;
}

/** Where the controller is in its life. */
export type ControllerState = 'created' | 'initialized' | 'running' | 'stopping' | 'stopped' | 'failed';

/** The delay after the `failures`-th error in a row of a live loop: bounded exponential backoff. */
export function backoffDelay(pacing: LivePacing, failures: number): number {
  const { initialMs, maxMs } = pacing.backoff ?? { initialMs: 1000, maxMs: 60_000 };
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
}

/** Checks the controller's symbols: at least one, unique, with a timeframe and unique strategy ids per symbol. */
export function validateSymbols(symbols: readonly SymbolConfig[]): void {
  if (symbols.length === 0) throw new BtError('CONFIG', 'symbols: expected at least one symbol');
  const seen = new Set<string>();
  symbols.forEach((config, index) => {
    const at = `symbols[${index}]`;
    if (typeof config.symbol !== 'string' || config.symbol.length === 0) {
      throw new BtError('CONFIG', `${at}.symbol: expected a non-empty string`);
    }
    if (config.symbol === POSITION_MONITOR) throw new BtError('CONFIG', `${at}.symbol: "${POSITION_MONITOR}" is reserved`);
    if (seen.has(config.symbol)) throw new BtError('CONFIG', `${at}.symbol: "${config.symbol}" appears twice`);
    seen.add(config.symbol);
    if (!isTimeframe(config.timeframe)) throw new BtError('CONFIG', `${at}.timeframe: expected e.g. "1m", got "${config.timeframe}"`);
    const ids = new Set<string>();
    config.strategies.forEach((spec, j) => {
      if (ids.has(spec.id)) throw new BtError('CONFIG', `${at}.strategies[${j}].id: "${spec.id}" appears twice`);
      ids.add(spec.id);
    });
  });
}
