import { createHook } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import type { TimeController } from '../src/index.js';

/** A promise's outcome, readable synchronously once settled. */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  settled: boolean;
  value: T | undefined;
}

/** Records when `promise` settles and with what. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { promise, settled: false, value: undefined };
  promise.then(
    (value) => {
      tracked.settled = true;
      tracked.value = value;
    },
    () => {
      tracked.settled = true;
    },
  );
  return tracked;
}

/** Lets every queued promise continuation run (one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A participant loop: waits at the barrier until released with false; resolves with its released steps. */
export async function loop(tc: TimeController, id: string, maxSteps = Number.POSITIVE_INFINITY): Promise<number> {
  let steps = 0;
  while (steps < maxSteps && (await tc.waitForNextStep(id))) steps++;
  return steps;
}

/** Counts this process's pending timers and immediates. */
export function timerResources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
}

/** Where the time controller's own code lives: timers created from there are the controller's. */
const SOURCE_DIR = fileURLToPath(new URL('../src/', import.meta.url));

/** The time controller's own pending timers and immediates, as counted by {@link trackOwnTimers}. */
export interface OwnTimers {
  /** How many are still pending, after letting destroy notifications arrive. */
  pending(): Promise<number>;
  /** Stops tracking. */
  stop(): void;
}

/**
 * Tracks the timers and immediates created from the time controller's source (directly or through
 * the clock it calls), so a test can assert that none is left, whatever the test runner's own
 * timers do meanwhile (they make a process-wide count flaky under load).
 */
export function trackOwnTimers(): OwnTimers {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout' && type !== 'Immediate') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 100;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(SOURCE_DIR)) live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    async pending() {
      // Node delivers destroy hooks on a later turn: give them a few turns (a pending 1 s timer stays pending).
      for (let turn = 0; turn < 5 && live.size > 0; turn++) await flush();
      return live.size;
    },
    stop: () => hook.disable(),
  };
}
