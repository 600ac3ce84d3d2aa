import type { Clock } from '@bt/core';
import { LiveClock } from '@bt/core';

/**
 * Simulated time that runs `speed` times as fast as a base clock (the wall clock by default):
 * `now = startTime + (base.now() - base time at creation) x speed`. A sleep of `ms` simulated
 * milliseconds takes `ms / speed` of the base clock.
 *
 * @example
 * ```ts
 * const clock = new SpeedClock(Date.parse('2023-03-01T00:00:00Z'), 60); // a minute per second
 * ```
 */
export class SpeedClock implements Clock {
  readonly #base: Clock;
  readonly #start: number;
  readonly #baseStart: number;
  readonly #speed: number;

  constructor(startTime: number, speed: number, base: Clock = new LiveClock()) {
    this.#base = base;
    this.#start = startTime;
    this.#baseStart = base.now();
    this.#speed = speed;
  }

  now(): number {
    return Math.floor(this.#start + (this.#base.now() - this.#baseStart) * this.#speed);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#base.sleep(Math.max(0, ms) / this.#speed, signal);
  }
}
