import { BtError } from '@bt/core';

/** What a {@link CrossOver} saw on one bar. */
export type CrossSignal = 'up' | 'down' | 'none';

/**
 * Crossing of two lines with backtrader's `CrossOver` memory (`NonZeroDifference`), exactly as
 * docs/semantics.md §4 states it.
 *
 * Feed it one difference `fast - slow` per bar, starting on the first bar where both lines are
 * defined (bar `P - 1` for `P = max(fast, slow)`). That first value only seeds the memory `L`,
 * which may be 0. On each later bar: `up` when `L < 0` and the difference is `> 0`, `down` when
 * `L > 0` and it is `< 0`, and `L` becomes the difference unless it is 0. So a tie neither
 * signals nor resets the memory (`-, 0, +` is an up-cross on the `+` bar, `-, 0, -` is nothing),
 * a zero seed lets the first non-zero difference only set `L`, and `up` and `down` alternate.
 *
 * @example
 * ```ts
 * const cross = new CrossOver();
 * cross.update(-1); // 'none' (seed)
 * cross.update(0);  // 'none' (tie: memory stays negative)
 * cross.update(2);  // 'up'
 * ```
 */
export class CrossOver {
  #seeded = false;
  #last = 0;

  /** True once the first difference has been fed. */
  get seeded(): boolean {
    return this.#seeded;
  }

  /** The memory `L`: the last non-zero difference, or the seed while every difference has been 0. */
  get lastNonZero(): number {
    return this.#last;
  }

  /**
   * Feeds the difference `fast - slow` of the next bar and returns its signal. For finite
   * doubles, `fast - slow > 0` exactly when `fast > slow`, and `== 0` exactly when they are equal.
   *
   * @throws BtError `DATA` when `diff` is NaN.
   */
  update(diff: number): CrossSignal {
    if (Number.isNaN(diff)) throw new BtError('DATA', 'CrossOver: expected a difference, got NaN');
    const last = this.#last;
    if (!this.#seeded) {
      this.#seeded = true;
      this.#last = diff;
      return 'none';
    }
    if (diff !== 0) this.#last = diff;
    if (last < 0 && diff > 0) return 'up';
    if (last > 0 && diff < 0) return 'down';
    return 'none';
  }

  /** Forgets the memory, as if just constructed. */
  reset(): void {
    this.#seeded = false;
    this.#last = 0;
  }
}
