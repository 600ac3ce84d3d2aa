import type { Layout } from './data.js';

/** Sizes and repetitions of one bench run. */
export interface BenchConfig {
  readonly smoke: boolean;
  /** Timed runs per figure (median, min and max are taken over them). */
  readonly runs: number;
  /** Figure 1: party sizes, and participant-steps per timed run. */
  readonly barrierParties: readonly number[];
  readonly barrierWork: number;
  /** Figures 2 and 3: symbols x bars per symbol, each aligned and ragged. */
  readonly pathSizes: readonly { readonly symbols: number; readonly bars: number }[];
  readonly layouts: readonly Layout[];
  /** The size whose figure 2 carries the 3M symbol-bars/s target. */
  readonly targetSize: { readonly symbols: number; readonly bars: number };
  /** Figure 4: symbols x bars of generated CSV. */
  readonly csv: { readonly symbols: number; readonly bars: number };
  /** Figure 5: symbols x bars of the memory backtest. */
  readonly memory: { readonly symbols: number; readonly bars: number };
  /** Figure 7: total symbol-bars, and the symbol counts it is split over. */
  readonly scalingTotal: number;
  readonly scalingSymbols: readonly number[];
}

/** The real figures: about five minutes on a 2-core machine. */
export const FULL: BenchConfig = {
  smoke: false,
  runs: 5,
  barrierParties: [1, 10, 100, 1000],
  barrierWork: 1_000_000,
  pathSizes: [
    { symbols: 10, bars: 100_000 },
    { symbols: 50, bars: 20_000 },
    { symbols: 200, bars: 5_000 },
  ],
  layouts: ['aligned', 'ragged'],
  targetSize: { symbols: 50, bars: 20_000 },
  csv: { symbols: 10, bars: 100_000 },
  memory: { symbols: 10, bars: 500_000 },
  scalingTotal: 1_000_000,
  scalingSymbols: [1, 10, 100, 1000],
};

/** Tiny sizes that exercise every figure in a few seconds (`--smoke`, `BENCH_SMOKE=1`). */
export const SMOKE: BenchConfig = {
  smoke: true,
  runs: 5,
  barrierParties: [1, 10, 100],
  barrierWork: 5_000,
  pathSizes: [
    { symbols: 3, bars: 1_000 },
    { symbols: 10, bars: 300 },
  ],
  layouts: ['aligned', 'ragged'],
  targetSize: { symbols: 10, bars: 300 },
  csv: { symbols: 3, bars: 2_000 },
  memory: { symbols: 3, bars: 5_000 },
  scalingTotal: 3_000,
  scalingSymbols: [1, 10, 100],
};
