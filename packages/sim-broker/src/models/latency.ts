import { BtError } from '@bt/core';
import type { LatencyModel } from './types.js';

/** Every order reaches the book `steps` bars of its symbol later (0, the default: matched from the next bar). */
export function fixedLatency(steps: number): LatencyModel {
  if (!(Number.isInteger(steps) && steps >= 0)) throw new BtError('CONFIG', `latencySteps: expected an integer >= 0, got ${steps}`);
  return { steps: () => steps };
}
