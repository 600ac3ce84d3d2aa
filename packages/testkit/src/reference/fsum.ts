/**
 * A faithful port of CPython's `math.fsum` (Modules/mathmodule.c, `math_fsum`): Shewchuk's
 * exact partials, then one rounding of their sum with CPython's half-even correction across
 * partials. It returns the correctly rounded (round half to even) sum of `values[start..end)`,
 * exactly as Python's `math.fsum(values[start:end])` does.
 *
 * Special values follow CPython too: a NaN anywhere gives NaN, infinities of one sign give that
 * infinity, and the two cases where Python raises throw a `RangeError` here (`-inf + inf`, and an
 * intermediate overflow of finite values).
 *
 * It is O(n) and allocates its partials: meant as an oracle, not for a hot path.
 *
 * @example
 * ```ts
 * fsum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]); // 1 (a plain loop gives 0.9999999999999999)
 * fsum([1e16, 1, 1e-16]); // 10000000000000002
 * fsum(closes, i - 9, i + 1) / 10; // SMA(10) of bar i, as docs/semantics.md §3 defines it
 * ```
 */
export function fsum(values: ArrayLike<number>, start = 0, end: number = values.length): number {
  const partials: number[] = [];
  let specialSum = 0;
  let infSum = 0;

  for (let k = start; k < end; k++) {
    let x = values[k]!;
    const xsave = x;
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const yr = hi - x;
      const lo = y - yr;
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    if (x !== 0) {
      if (!Number.isFinite(x)) {
        // A non-finite x comes either from an intermediate overflow or from a NaN or infinity
        // among the summands.
        if (Number.isFinite(xsave)) throw new RangeError('intermediate overflow in fsum');
        if (xsave === Number.POSITIVE_INFINITY || xsave === Number.NEGATIVE_INFINITY) infSum += xsave;
        specialSum += xsave;
        partials.length = 0;
      } else {
        partials.push(x);
      }
    }
  }

  if (specialSum !== 0) {
    if (Number.isNaN(infSum)) throw new RangeError('-inf + inf in fsum');
    return specialSum;
  }

  let n = partials.length;
  let hi = 0;
  if (n > 0) {
    hi = partials[--n]!;
    let lo = 0;
    // Sum the partials from the top, stopping when the sum becomes inexact.
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-even rounding across partials: when the discarded `lo` sits exactly halfway and the
    // next partial down pushes the same way, round away from the tie (CPython's correction).
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi;
}
