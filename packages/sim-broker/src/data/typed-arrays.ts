/** The typed arrays the package grows. */
export type GrowableArray = Float64Array | Int32Array | Uint8Array;

/**
 * A new typed array of the same kind as `array`, `length` elements long, holding a copy of
 * `array`'s elements (`length` must be at least `array.length`). The one way this package grows
 * its columns.
 *
 * @example
 * ```ts
 * const bigger = resized(new Float64Array([1, 2]), 4); // Float64Array [1, 2, 0, 0]
 * ```
 */
export function resized<T extends GrowableArray>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array as never);
  return next;
}
