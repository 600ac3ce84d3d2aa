/** A target a figure is held to. */
export interface Target {
  /** The target in words, e.g. `>= 3M symbol-bars/s`. */
  readonly text: string;
  readonly met: boolean;
}

/** One measured figure: the median of `runs` timed runs, with their range. */
export interface Figure {
  /** Figure number of issue 6 (1 to 7). */
  readonly figure: number;
  /** Stable id, e.g. `full-path/50x20000/aligned`. */
  readonly id: string;
  /** What it measures, for the table. */
  readonly label: string;
  readonly unit: string;
  /** Null when the figure could not be measured (see `note`). */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly runs: number;
  readonly target?: Target;
  readonly note?: string;
  /** Everything else worth keeping: raw samples, ratios, counts. */
  readonly detail?: Readonly<Record<string, unknown>>;
}
