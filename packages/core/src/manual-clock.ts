import type { Clock } from './clock.js';

interface PendingSleep {
  readonly wakeAt: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that moves only when told to: the simulated clock of backtests and the fake clock of
 * tests. Sleeps resolve, in wake-time then call order, as {@link ManualClock.advance} passes them.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const woke = clock.sleep(5_000);
 * await clock.advance(5_000); // `woke` has resolved
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: PendingSleep[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleeps not yet woken. */
  get pendingSleeps(): number {
    return this.#pending.length;
  }

  /** Wake time of the earliest pending sleep, or undefined. */
  nextWakeAt(): number | undefined {
    return this.#pending[0]?.wakeAt;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry: PendingSleep = {
        wakeAt: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#pending = this.#pending.filter((p) => p !== entry);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#insert(entry);
    });
  }

  /** Sets the time without waking anyone; it may not go backwards. */
  set(timeMs: number): void {
    if (timeMs < this.#now) throw new RangeError(`ManualClock cannot go back from ${this.#now} to ${timeMs}`);
    this.#now = timeMs;
  }

  /**
   * Moves time forward by `ms`, waking each sleep whose time has come and letting its
   * continuation run (a macrotask turn) before moving on to the next one.
   */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `timeMs`, waking due sleeps in order; see {@link ManualClock.advance}. */
  async advanceTo(timeMs: number): Promise<void> {
    for (;;) {
      const next = this.#pending[0];
      if (next === undefined || next.wakeAt > timeMs) break;
      this.#pending.shift();
      if (next.wakeAt > this.#now) this.#now = next.wakeAt;
      next.resolve();
      await flushMicrotasks();
    }
    if (timeMs > this.#now) this.#now = timeMs;
    await flushMicrotasks();
  }

  #insert(entry: PendingSleep): void {
    const list = this.#pending;
    let i = list.length;
    while (i > 0) {
      const prev = list[i - 1] as PendingSleep;
      if (prev.wakeAt < entry.wakeAt || (prev.wakeAt === entry.wakeAt && prev.seq < entry.seq)) break;
      i--;
    }
    list.splice(i, 0, entry);
  }
}

/** Lets queued promise continuations run: several rounds of microtasks. */
async function flushMicrotasks(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
