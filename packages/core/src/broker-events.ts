import type { BrokerEvent, BrokerListener, Unsubscribe } from './broker.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

/**
 * The subscriber list every broker needs: `subscribe` returns an unsubscribe, and `emit` hands an
 * event to each listener in subscription order, so that a listener that throws is logged and
 * skipped instead of breaking the broker.
 *
 * @example
 * ```ts
 * const events = new BrokerEventHub(logger);
 * const stop = events.subscribe((event) => console.log(event.type));
 * events.emit({ type: 'fill', fill });
 * stop();
 * ```
 */
export class BrokerEventHub {
  readonly #log: Logger;
  #listeners: readonly BrokerListener[] = [];

  constructor(log: Logger = silentLogger) {
    this.#log = log;
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.length;
  }

  /** Adds a listener; the returned function removes it (calling it twice is harmless). */
  subscribe(listener: BrokerListener): Unsubscribe {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Hands `event` to every listener; a listener that throws is logged and skipped. */
  emit(event: BrokerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.warn('a broker listener threw; the event was dropped for it', {
          type: event.type,
          cause: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
