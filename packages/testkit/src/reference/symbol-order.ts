const utf8 = new TextEncoder();

/**
 * Compares two symbols in byte order of their UTF-8 encoding (the order of their file names,
 * docs/semantics.md §1). Negative when `a` sorts first.
 */
export function compareSymbols(a: string, b: string): number {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}
