import type { Broker, Clock } from '@bt/core';
import { toBtError } from '@bt/core';

/** How the venue connection has been doing, from the outcome of the calls made to it. */
export interface VenueHealthState {
  /** `ok` after a call that succeeded, `failing` after one that failed, `unknown` before any call. */
  readonly status: 'ok' | 'failing' | 'unknown';
  /** Run's clock time of the last call that succeeded. */
  readonly lastOkAt?: number;
  /** Since when calls fail (the first failure after a success). */
  readonly failingSince?: number;
  /** The last failure, in words (`CODE: message`). */
  readonly lastError?: string;
  /** Failed calls in a row. */
  readonly failures: number;
}

/**
 * Watches the calls to a broker: {@link VenueHealth.broker} is `inner` with every method that
 * returns a promise observed (success or failure), nothing else changed.
 *
 * @example
 * ```ts
 * const health = new VenueHealth(broker, clock);
 * new TradingController({ broker: health.broker, ... });
 * health.state(); // { status: 'ok', lastOkAt: ..., failures: 0 }
 * ```
 */
export class VenueHealth {
  readonly broker: Broker;
  readonly #clock: Pick<Clock, 'now'>;
  #state: VenueHealthState = { status: 'unknown', failures: 0 };

  constructor(inner: Broker, clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
    const cache = new Map<PropertyKey, unknown>();
    this.broker = new Proxy(inner, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        if (!cache.has(key)) cache.set(key, this.#observed(target, value as (...args: unknown[]) => unknown));
        return cache.get(key);
      },
    });
  }

  /** The connection's health now. */
  state(): VenueHealthState {
    return this.#state;
  }

  #observed(target: Broker, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
    return (...args: unknown[]) => {
      const result = fn.apply(target, args);
      if (result instanceof Promise) {
        result.then(
          () => this.#ok(),
          (error: unknown) => this.#failed(error),
        );
      }
      return result;
    };
  }

  #ok(): void {
    this.#state = { status: 'ok', lastOkAt: this.#clock.now(), failures: 0 };
  }

  #failed(error: unknown): void {
    const e = toBtError(error);
    // A business refusal (an invalid order, no funds) is an answer: the connection works; bad keys do not.
    if (!e.retryable && e.code !== 'NETWORK' && e.code !== 'RATE_LIMIT' && e.code !== 'AUTHENTICATION') {
      this.#ok();
      return;
    }
    const s = this.#state;
    this.#state = {
      status: 'failing',
      ...(s.lastOkAt === undefined ? {} : { lastOkAt: s.lastOkAt }),
      failingSince: s.status === 'failing' && s.failingSince !== undefined ? s.failingSince : this.#clock.now(),
      lastError: `${e.code}: ${e.message}`,
      failures: s.failures + 1,
    };
  }
}
