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
