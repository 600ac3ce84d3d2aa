import type { EquityCurve } from './types.js';
import { resized } from '../data/typed-arrays.js';

/**
 * A growable equity curve over typed arrays: appending a sample allocates only when capacity doubles.
 *
 * Memory: 17 bytes per sample (time, value, exposed flag). The broker sizes it to its number of
 * steps, so a replay never grows it; large preallocated arrays are zero-filled lazily by the OS, so
 * they become resident only as samples are written.
 */
export class EquityRecorder {
  #times: Float64Array;
  #values: Float64Array;
  #exposed: Uint8Array;
  #length = 0;

  /** @param capacity samples to make room for up front (at least 16). */
  constructor(capacity = 1024) {
    const size = Math.max(16, capacity);
    this.#times = new Float64Array(size);
    this.#values = new Float64Array(size);
    this.#exposed = new Uint8Array(size);
  }

  /** Number of samples. */
  get length(): number {
    return this.#length;
  }

  /** Appends a sample. */
  push(time: number, value: number, exposed: boolean): void {
    const k = this.#length;
    if (k === this.#times.length) this.#grow();
    this.#times[k] = time;
    this.#values[k] = value;
    this.#exposed[k] = exposed ? 1 : 0;
    this.#length = k + 1;
  }

  /** A copy of the samples so far. */
  snapshot(): EquityCurve {
    const n = this.#length;
    return { times: this.#times.slice(0, n), values: this.#values.slice(0, n), exposed: this.#exposed.slice(0, n) };
  }

  #grow(): void {
    const size = this.#times.length * 2;
    this.#times = resized(this.#times, size);
    this.#values = resized(this.#values, size);
    this.#exposed = resized(this.#exposed, size);
  }
}
