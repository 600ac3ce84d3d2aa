/**
 * Client order id -> order number, for the engine's duplicate check and lookups: an open-addressing
 * hash table whose slots hold the 32-bit hash and the number in typed arrays.
 *
 * A `Map<string, number>` costs every submission a lookup of a new id that walks its bucket and
 * loads each stored key string to compare it (the map keeps no hashes), one cache miss per string
 * in a run of tens of thousands of orders (measured: about 0.6 us a submission, a twentieth of a
 * backtest). Here a miss compares hashes in one typed array, and only a slot whose hash matches
 * reads its key.
 */
export class ClientIdIndex {
  /** Hash per slot; 0 marks an empty slot (a key hashing to 0 is stored as 1). */
  #hashes = new Int32Array(1024);
  /** Index into `#keys` per slot. */
  #slots = new Int32Array(1024);
  readonly #keys: string[] = [];
  readonly #numbers: number[] = [];
  #mask = 1023;

  /** Number of ids held. */
  get size(): number {
    return this.#keys.length;
  }

  /** The number stored for `key`, or undefined. */
  get(key: string): number | undefined {
    const h = hashOf(key);
    const hashes = this.#hashes;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const stored = hashes[i] as number;
      if (stored === 0) return undefined;
      if (stored === h) {
        const at = this.#slots[i] as number;
        if (this.#keys[at] === key) return this.#numbers[at];
      }
    }
  }

  /** Stores `number` for `key`, which must not be held yet (check with {@link ClientIdIndex.get}). */
  add(key: string, number: number): void {
    if ((this.#keys.length + 1) * 2 > this.#hashes.length) this.#grow();
    this.#place(hashOf(key), this.#keys.length);
    this.#keys.push(key);
    this.#numbers.push(number);
  }

  #place(h: number, at: number): void {
    const hashes = this.#hashes;
    const mask = this.#mask;
    let i = h & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    hashes[i] = h;
    this.#slots[i] = at;
  }

  #grow(): void {
    const hashes = this.#hashes;
    const slots = this.#slots;
    this.#hashes = new Int32Array(hashes.length * 2);
    this.#slots = new Int32Array(hashes.length * 2);
    this.#mask = hashes.length * 2 - 1;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0) this.#place(hashes[i] as number, slots[i] as number);
  }
}

/** FNV-1a over the UTF-16 code units, never 0. */
function hashOf(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h;
}
