/** Where time comes from. Core never reads the wall clock itself: it is handed a Clock. */
export interface Clock {
  /** Current time, integer milliseconds since the Unix epoch (UTC). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time. Resolves early, without error,
   * when `signal` aborts, so that a stopping loop wakes at once.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
