/**
 * Decimal number parsing that equals JavaScript `Number(text)` bit for bit (correct rounding,
 * docs/semantics.md §1), with a fast path for the common case and `Number()` as the fallback.
 *
 * Fast path (Clinger): when the digits form an integer mantissa `m < 2^53` and the decimal exponent
 * `k` satisfies `|k| <= 22`, both `m` and `10^|k|` are exact doubles, so the one IEEE operation
 * `m * 10^k` or `m / 10^-k` is correctly rounded. Anything else goes to `Number()`.
 */

/** A read position in a string, advanced by the readers. One per parse, never shared. */
export interface Cursor {
  pos: number;
}

/** Stands for the end of the text: a char code no string has. */
const END = -1;
const TWO_53 = 9_007_199_254_740_992;
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(?:(inf|infinity)|nan)$/i;

/** True for the characters that end a CSV field: `,`, `\n`, `\r`. */
function isDelimiter(c: number): boolean {
  return c === 44 || c === 10 || c === 13;
}

/**
 * Reads one decimal field from `text` at `cursor.pos`, stopping at `,`, `\r`, `\n` or the end of
 * the text, and leaves `cursor.pos` on that stop. Spaces and tabs around the number are allowed.
 * Accepts `[+-]digits[.digits][e[+-]digits]` (also `.5` and `5.`) and, case-insensitively, `nan`,
 * `inf` and `infinity`.
 *
 * @returns the value `Number()` gives for the field's text, or NaN when the field is not a decimal
 * number (tell this apart from a `nan` literal with {@link isNanLiteral}).
 */
export function readDecimal(text: string, cursor: Cursor): number {
  // Fast path: [-+]digits[.digits] straight up to the delimiter, exact by Clinger's rule. Past the
  // end of the text charCodeAt gives NaN, which fails every comparison below.
  let pos = cursor.pos;
  let c = text.charCodeAt(pos);
  const negative = c === 45;
  if (negative || c === 43) c = text.charCodeAt(++pos);
  const intStart = pos;
  let mantissa = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    c = text.charCodeAt(++pos);
  }
  let digits = pos - intStart;
  let scale = 0;
  if (c === 46) {
    c = text.charCodeAt(++pos);
    const fracStart = pos;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = text.charCodeAt(++pos);
    }
    digits += pos - fracStart;
    scale = fracStart - pos;
  }
  if (digits > 0 && (c === 44 || c === 10 || c === 13 || pos >= text.length) && mantissa < TWO_53 && scale >= -22) {
    cursor.pos = pos;
    const value = mantissa / POW10[0 - scale]!;
    return negative ? -value : value;
  }
  return readGeneral(text, cursor, text.length);
}

/** The full grammar behind {@link readDecimal}'s fast path: blanks, exponents, long mantissas. */
function readGeneral(text: string, cursor: Cursor, end: number): number {
  const start = cursor.pos;
  let pos = start;
  let c = pos < end ? text.charCodeAt(pos) : END;
  while (c === 32 || c === 9) c = ++pos < end ? text.charCodeAt(pos) : END;
  const numStart = pos;
  const negative = c === 45;
  if (negative || c === 43) c = ++pos < end ? text.charCodeAt(pos) : END;
  let mantissa = 0;
  const intStart = pos;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    c = ++pos < end ? text.charCodeAt(pos) : END;
  }
  let digits = pos - intStart;
  let scale = 0;
  if (c === 46) {
    c = ++pos < end ? text.charCodeAt(pos) : END;
    const fracStart = pos;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = ++pos < end ? text.charCodeAt(pos) : END;
    }
    digits += pos - fracStart;
    scale = fracStart - pos;
  }
  let exact = digits > 0;
  if (c === 101 || c === 69) {
    c = ++pos < end ? text.charCodeAt(pos) : END;
    const expNegative = c === 45;
    if (expNegative || c === 43) c = ++pos < end ? text.charCodeAt(pos) : END;
    let exponent = 0;
    const expStart = pos;
    while (c >= 48 && c <= 57) {
      if (exponent < 100_000) exponent = exponent * 10 + (c - 48);
      c = ++pos < end ? text.charCodeAt(pos) : END;
    }
    if (pos === expStart) exact = false;
    scale += expNegative ? -exponent : exponent;
  }
  const numEnd = pos;
  while (c === 32 || c === 9) c = ++pos < end ? text.charCodeAt(pos) : END;
  if (!exact || (c !== 44 && c !== 10 && c !== 13 && c !== END)) {
    // Not a plain decimal: find the field's end and let the slow path decide.
    while (pos < end && !isDelimiter(text.charCodeAt(pos))) pos++;
    cursor.pos = pos;
    return slowNumber(text.slice(start, pos).trim());
  }
  cursor.pos = pos;
  if (mantissa < TWO_53) {
    if (scale < 0) {
      if (scale >= -22) return negative ? -mantissa / POW10[-scale]! : mantissa / POW10[-scale]!;
    } else if (scale <= 22) {
      return negative ? -mantissa * POW10[scale]! : mantissa * POW10[scale]!;
    }
  }
  if (mantissa === 0) return negative ? -0 : 0;
  return Number(text.slice(numStart, numEnd));
}

/** `Number(field)` for a decimal or a non-finite literal; NaN for anything else. */
function slowNumber(field: string): number {
  if (DECIMAL.test(field)) return Number(field);
  const match = NON_FINITE.exec(field);
  if (match === null || match[2] === undefined) return Number.NaN;
  return match[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** True when the field text (spaces around allowed) is a `nan` literal, any case and sign. */
export function isNanLiteral(field: string): boolean {
  return /^\s*[+-]?nan\s*$/i.test(field);
}

/**
 * Parses a whole string as a decimal number, exactly as `Number(text)` would for decimal syntax.
 * Unlike `Number()`, an empty string, hex (`0x10`) or other non-decimal text gives NaN.
 *
 * @example
 * ```ts
 * parseDecimal('23144.78') === Number('23144.78'); // true, bit for bit
 * ```
 */
export function parseDecimal(text: string): number {
  const cursor: Cursor = { pos: 0 };
  const value = readDecimal(text, cursor);
  return cursor.pos === text.length ? value : Number.NaN;
}
