import type { ManualClock } from '@bt/core';

/**
 * Awaits `promise` while moving the fake clock on by `stepMs` at a time, so that the sleeps it
 * makes (backoff, look-ups again) pass. Rejects with what it rejects with.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 250): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let i = 0; !settled; i++) {
    if (i > 100_000) throw new Error('drive: the promise never settled');
    await clock.advance(stepMs);
  }
  return watched;
}
