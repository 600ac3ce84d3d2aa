/**
 * How fast a {@link TimeController} releases steps.
 *
 * - `MAX_SPEED`: no delay, as fast as the participants go;
 * - `FAST`: 100 ms per step;
 * - `REALTIME`: 1000 ms per step.
 *
 * A custom delay is set with the `stepDelayMs` option, which overrides the mode's delay.
 *
 * @example
 * ```ts
 * const controller = new TimeController({ participants: ['BTC/USDT'], mode: TimeMode.FAST });
 * ```
 */
export const TimeMode = {
  MAX_SPEED: 'max-speed',
  FAST: 'fast',
  REALTIME: 'realtime',
} as const;

/** One of the {@link TimeMode} values: `'max-speed' | 'fast' | 'realtime'`. */
export type TimeMode = (typeof TimeMode)[keyof typeof TimeMode];

/** Delay per step of each {@link TimeMode}, in milliseconds of the controller's clock. */
export const TIME_MODE_DELAY_MS: Readonly<Record<TimeMode, number>> = {
  [TimeMode.MAX_SPEED]: 0,
  [TimeMode.FAST]: 100,
  [TimeMode.REALTIME]: 1000,
};

/**
 * True when `value` is a {@link TimeMode} value, e.g. to check a command-line flag.
 *
 * @example
 * ```ts
 * if (!isTimeMode(flag)) throw new BtError('CONFIG', `--mode: expected max-speed, fast or realtime, got "${flag}"`);
 * ```
 */
export function isTimeMode(value: unknown): value is TimeMode {
  return typeof value === 'string' && Object.hasOwn(TIME_MODE_DELAY_MS, value);
}
