/** Options of {@link toStableJson}. */
export interface StableJsonOptions {
  /** Significant digits of non-integer numbers. Default 12. */
  readonly precision?: number;
  /** Indentation. Default 2 spaces. */
  readonly indent?: number;
}

/**
 * JSON that diffs cleanly: object keys sorted (code-unit order) at every depth, non-integer
 * numbers rounded to `precision` significant digits and written in shortest form, `NaN` and
 * infinities as `null`, typed arrays as arrays, undefined fields dropped, a final newline.
 * The same value always gives the same text.
 *
 * @example
 * ```ts
 * toStableJson({ b: 1 / 3, a: [1, 2] }); // '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 0.333333333333\n}\n'
 * ```
 */
export function toStableJson(value: unknown, options: StableJsonOptions = {}): string {
  const precision = options.precision ?? 12;
  return `${JSON.stringify(normalize(value, precision), null, options.indent ?? 2)}\n`;
}

function normalize(value: unknown, precision: number): unknown {
  if (typeof value === 'number') return stableNumber(value, precision);
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (x) => stableNumber(x, precision));
  }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : normalize(item, precision)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined && typeof item !== 'function') out[key] = normalize(item, precision);
  }
  return out;
}

function stableNumber(x: number, precision: number): number | null {
  if (!Number.isFinite(x)) return null;
  if (Number.isSafeInteger(x)) return x;
  const rounded = Number(x.toPrecision(precision));
  return Object.is(rounded, -0) ? 0 : rounded;
}
