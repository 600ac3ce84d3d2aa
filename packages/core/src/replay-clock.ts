import type { ReplayBroker } from './broker.js';
import type { Clock } from './clock.js';
import { BtError } from './errors.js';

/**
 * The clock of a backtest: `now()` is the replay broker's simulated time. Time moves only at the
 * barrier, so sleeping inside a step would stall every worker; `sleep` therefore rejects with a
 * clear error instead of hanging.
 */
export class ReplayClock implements Clock {
  readonly #broker: Pick<ReplayBroker, 'currentTime'>;

  constructor(broker: Pick<ReplayBroker, 'currentTime'>) {
    this.#broker = broker;
  }

  now(): number {
    return this.#broker.currentTime();
  }

  sleep(ms: number): Promise<void> {
    return Promise.reject(
      new BtError(
        'STATE',
        `clock.sleep(${ms}) was called during a backtest step; simulated time only moves at the barrier, so a strategy must return from onTick instead of sleeping`,
      ),
    );
  }
}
