/**
 * Lets the position monitor wait, in backtests, until every symbol worker has finished its tick
 * of the same step, so that a step always runs "orders matched, then strategies, then monitor"
 * whatever order promises resolve in.
 *
 * Workers report each step once: {@link StepLatch.settle} after ticking, or
 * {@link StepLatch.leave} when they end at that step.
 */
export class StepLatch {
  #members: number;
  #leftBefore = 0;
  readonly #settled = new Map<number, number>();
  readonly #left = new Map<number, number>();
  #waiter: { step: number; resolve: () => void } | undefined;
  #open = false;

  constructor(members: number) {
    this.#members = members;
  }

  /** Workers still running at the step the monitor is on. */
  get active(): number {
    return this.#members - this.#leftBefore;
  }

  /** A worker finished its tick of `step`. */
  settle(step: number): void {
    this.#settled.set(step, (this.#settled.get(step) ?? 0) + 1);
    this.#check();
  }

  /** A worker ended at `step` (out of data, or skipped after an error). */
  leave(step: number): void {
    this.#left.set(step, (this.#left.get(step) ?? 0) + 1);
    this.#settled.set(step, (this.#settled.get(step) ?? 0) + 1);
    this.#check();
  }

  /** True when every worker alive at `step` has settled it (or the latch is open): no need to wait. */
  ready(step: number): boolean {
    return this.#open || this.#isComplete(step);
  }

  /** Resolves once every worker alive at `step` has settled it. */
  waitAll(step: number): Promise<void> {
    if (this.#open || this.#isComplete(step)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiter = { step, resolve };
    });
  }

  /** The monitor is done with `step`: workers that ended at it no longer count. Returns workers still running. */
  finish(step: number): number {
    this.#leftBefore += this.#left.get(step) ?? 0;
    this.#left.delete(step);
    this.#settled.delete(step);
    return this.active;
  }

  /** Releases any waiter for good (the run is stopping). */
  open(): void {
    this.#open = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve();
  }

  #isComplete(step: number): boolean {
    return (this.#settled.get(step) ?? 0) >= this.#members - this.#leftBefore;
  }

  #check(): void {
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#isComplete(waiter.step)) {
      this.#waiter = undefined;
      waiter.resolve();
    }
  }
}
