import { resized } from '../data/typed-arrays.js';

/**
 * Every execution of a run, in execution order, in columns: the numbers of a fill, not a fill
 * object, so that a long backtest does not keep one object per fill alive (and traced by the
 * garbage collector) until its results are built. Fill `i` (0 for the first) is read column by column.
 */
export class FillLog {
  #length = 0;
  #ints = new Int32Array(0);
  #numbers = new Float64Array(0);
  #maker = new Uint8Array(0);

  /** Number of fills logged. */
  get length(): number {
    return this.#length;
  }

  /** Logs one execution. */
  push(k: number, n: number, amount: number, price: number, fee: number, maker: boolean, timestamp: number): void {
    const i = this.#length;
    if (i === this.#maker.length) this.#grow();
    this.#ints[2 * i] = k;
    this.#ints[2 * i + 1] = n;
    this.#numbers[4 * i] = amount;
    this.#numbers[4 * i + 1] = price;
    this.#numbers[4 * i + 2] = fee;
    this.#numbers[4 * i + 3] = timestamp;
    this.#maker[i] = maker ? 1 : 0;
    this.#length = i + 1;
  }

  /** Number of the order (the engine's arrival count) that fill `i` (0 for the first) executed. */
  orderOf(i: number): number {
    return this.#ints[2 * i] as number;
  }

  /** The order's fill count after fill `i` (1 for its first). */
  fillNumber(i: number): number {
    return this.#ints[2 * i + 1] as number;
  }

  amount(i: number): number {
    return this.#numbers[4 * i] as number;
  }

  price(i: number): number {
    return this.#numbers[4 * i + 1] as number;
  }

  fee(i: number): number {
    return this.#numbers[4 * i + 2] as number;
  }

  timestamp(i: number): number {
    return this.#numbers[4 * i + 3] as number;
  }

  maker(i: number): boolean {
    return this.#maker[i] === 1;
  }

  #grow(): void {
    const capacity = Math.max(256, this.#maker.length * 2);
    this.#ints = resized(this.#ints, capacity * 2);
    this.#numbers = resized(this.#numbers, capacity * 4);
    this.#maker = resized(this.#maker, capacity);
  }
}
