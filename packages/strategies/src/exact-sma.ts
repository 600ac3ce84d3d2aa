import { BtError } from '@bt/core';
import { addToPartials, roundPartials } from './exact-sum.js';

/**
 * Simple moving average whose every value is exactly `fl(fsum(window) / period)`: the correctly
 * rounded sum of the last `period` values (Python's `math.fsum`, what backtrader's `SMA`
 * computes), then one rounding for the division. See docs/semantics.md §3.
 *
 * It is incremental, O(1) per value and allocation-free: the window sum is kept as an exact
 * double-double `(hi, lo)`. Adding the new value and removing the one that leaves the window are
 * each a TwoSum plus a renormalisation, so `hi` is always the correctly rounded window sum. That
 * holds whenever `lo` fits in 53 bits, which is the case when `max |window sum| / min |value| <
 * 2^52` (every real price series). Each step checks it; if a window ever breaks it (values
 * spanning more than ~15 decimal orders of magnitude), that bar's sum is recomputed exactly
 * from the window, so values stay exact either way.
 *
 * A plain running sum (`sum += x - old`) is not equivalent: its drift flips the sign of
 * `fast - slow` near exact ties.
 *
 * @example
 * ```ts
 * const sma = new ExactSma(3);
 * sma.update(1); sma.update(2); // NaN: warming up
 * sma.update(4);                // 7 / 3 = 2.3333333333333335
 * sma.update(0.1);              // fl(fsum([2, 4, 0.1]) / 3)
 * ```
 */
export class ExactSma {
  /** Number of values averaged. */
  readonly period: number;
  readonly #window: Float64Array;
  #next = 0;
  #count = 0;
  #hi = 0;
  #lo = 0;
  /** False while `(hi, lo)` is not the exact window sum (only on the fallback path). */
  #exact = true;
  #value = Number.NaN;
  readonly #partials: number[] = [];

  /** @param period Window length: a positive integer. */
  constructor(period: number) {
    if (!Number.isSafeInteger(period) || period < 1) {
      throw new BtError('CONFIG', `ExactSma period: expected a positive integer, got ${String(period)}`, { details: { field: 'period' } });
    }
    this.period = period;
    this.#window = new Float64Array(period);
  }

  /** The current average, or NaN until `period` values have been seen. */
  get value(): number {
    return this.#value;
  }

  /** True once `period` values have been seen. */
  get ready(): boolean {
    return this.#count === this.period;
  }

  /** The correctly rounded sum of the values in the window (fewer than `period` while warming up). */
  get sum(): number {
    return this.#hi;
  }

  /**
   * Pushes the next value and returns the new average (NaN while warming up).
   *
   * @throws BtError `DATA` when `value` is not finite.
   */
  update(value: number): number {
    if (!Number.isFinite(value)) {
      throw new BtError('DATA', `ExactSma: expected a finite value, got ${String(value)}`, { details: { value } });
    }
    const window = this.#window;
    const next = this.#next;
    if (this.#count === this.period) this.#add(-window[next]!);
    else this.#count++;
    window[next] = value;
    this.#next = next + 1 === this.period ? 0 : next + 1;
    this.#add(value);
    if (!this.#exact) this.#rebuild();
    this.#value = this.#count === this.period ? this.#hi / this.period : Number.NaN;
    return this.#value;
  }

  /** Forgets every value, as if just constructed. */
  reset(): void {
    this.#window.fill(0);
    this.#next = 0;
    this.#count = 0;
    this.#hi = 0;
    this.#lo = 0;
    this.#exact = true;
    this.#value = Number.NaN;
  }

  /** `(hi, lo) += x`, exactly, or marks the sum inexact when the result does not fit. */
  #add(x: number): void {
    if (!this.#exact) return;
    const hi = this.#hi;
    const lo = this.#lo;
    // TwoSum(hi, x) = s + e, exactly.
    const s = hi + x;
    const sb = s - hi;
    const e = hi - (s - sb) + (x - sb);
    // t = e + lo must be exact for the pair to stay the exact sum: err is what it lost.
    const t = e + lo;
    const tb = t - e;
    const err = e - (t - tb) + (lo - tb);
    if (err !== 0) {
      this.#exact = false;
      return;
    }
    // Renormalise: hi' = fl(s + t) is the correctly rounded sum, lo' the exact remainder.
    const h = s + t;
    const hb = h - s;
    this.#lo = s - (h - hb) + (t - hb);
    this.#hi = h;
  }

  /** Fallback: the exact window sum from scratch, kept as a pair again when it fits in one. */
  #rebuild(): void {
    const partials = this.#partials;
    const window = this.#window;
    let count = 0;
    for (let k = 0; k < this.#count; k++) count = addToPartials(partials, count, window[k]!);
    const hi = roundPartials(partials, count);
    if (!Number.isFinite(hi)) {
      throw new BtError('DATA', `ExactSma: the window sum overflows (${String(hi)})`, { details: { period: this.period } });
    }
    count = addToPartials(partials, count, -hi);
    this.#hi = hi;
    this.#exact = count <= 1;
    this.#lo = count === 1 ? partials[0]! : 0;
  }
}
