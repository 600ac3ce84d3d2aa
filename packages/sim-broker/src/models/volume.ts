import { BtError } from '@bt/core';
import type { BarQuote, VolumeCapModel } from './types.js';

/**
 * Caps what a bar can fill at `share x bar volume` (e.g. 0.1: a tenth of the bar's volume), shared
 * by every order of the symbol in canonical order. What does not fit stays open as a partial fill.
 * A zero-volume bar fills nothing.
 */
export function volumeShareCap(share: number): VolumeCapModel {
  if (!(share > 0 && share <= 1)) throw new BtError('CONFIG', `volumeCap: expected a share in (0, 1], got ${share}`);
  return { capacity: (bar: BarQuote): number => bar.volume * share };
}

/** No volume cap (the default). */
export const noVolumeCap: VolumeCapModel = { capacity: () => Number.POSITIVE_INFINITY };
