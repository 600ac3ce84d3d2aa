/** Median, min and max of repeated measurements, plus the raw samples. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly samples: readonly number[];
}

/** The median (mean of the two middle values for an even count), min and max of `samples`. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: samples.length, samples: [...samples] };
}

/** Runs the garbage collector when node was started with `--expose-gc`, so runs start alike. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/**
 * Times `runs` calls of `fn` by wall clock (ms each), with a full GC before each one. The first
 * `warmup` calls are not timed.
 */
export async function timeRuns<T>(
  runs: number,
  fn: (run: number) => Promise<T> | T,
  options: { warmup?: number; check?: (value: T, run: number) => void } = {},
): Promise<Summary> {
  for (let i = 0; i < (options.warmup ?? 0); i++) {
    collectGarbage();
    options.check?.(await fn(-1 - i), -1 - i);
  }
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    const start = performance.now();
    const value = await fn(i);
    samples.push(performance.now() - start);
    options.check?.(value, i);
  }
  return summarize(samples);
}

/** `count` items per `ms` milliseconds, as items per second. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}

/** A rate summary from a time summary: median rate from the median time, min rate from the max time. */
export function rateOf(count: number, time: Summary): { median: number; min: number; max: number } {
  return { median: perSecond(count, time.median), min: perSecond(count, time.max), max: perSecond(count, time.min) };
}
