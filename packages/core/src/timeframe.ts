import { BtError } from './errors.js';

/** A bar length such as `1m`, `5m`, `1h`, `1d` or `1w`. */
export type Timeframe = `${number}${'s' | 'm' | 'h' | 'd' | 'w'}`;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Length of a timeframe in milliseconds.
 *
 * @example
 * ```ts
 * timeframeToMs('15m'); // 900000
 * ```
 */
export function timeframeToMs(timeframe: string): number {
  const match = /^(\d+)([smhdw])$/.exec(timeframe);
  if (match === null || Number(match[1]) <= 0) {
    throw new BtError('CONFIG', `timeframe: expected a positive count and a unit s|m|h|d|w such as "1m", got "${timeframe}"`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** True when `value` is a well-formed {@link Timeframe}. */
export function isTimeframe(value: string): value is Timeframe {
  return /^[1-9]\d*[smhdw]$/.test(value);
}
