import type { Clock } from './clock.js';

/**
 * The wall clock. This module is the only place in @bt/core allowed to read ambient time.
 *
 * @example
 * ```ts
 * const clock = new LiveClock();
 * await clock.sleep(1000);
 * ```
 */
export class LiveClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
