/**
 * Exact summation on Shewchuk's non-overlapping partials. Internal: {@link ExactSma} only needs
 * it on its rare fallback path, when a window sum cannot be held exactly as a double-double.
 */

/**
 * Adds `x` exactly into the non-overlapping partials `partials[0..count)`, smallest magnitude
 * first, and returns the new count. The inputs and their sum must be finite.
 */
export function addToPartials(partials: number[], count: number, x: number): number {
  let i = 0;
  for (let j = 0; j < count; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  if (x !== 0) partials[i++] = x;
  return i;
}

/**
 * The sum of `partials[0..count)` rounded once, half to even: the value `math.fsum` returns for
 * the numbers the partials were built from.
 */
export function roundPartials(partials: readonly number[], count: number): number {
  if (count === 0) return 0;
  let n = count - 1;
  let hi = partials[n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // A discarded `lo` of exactly half an ulp is not a tie when the next partial down pushes the
  // same way: round away from it.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (x - hi === y) hi = x;
  }
  return hi;
}
