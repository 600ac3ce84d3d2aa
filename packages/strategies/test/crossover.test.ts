import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { CrossOver, type CrossSignal } from '../src/crossover.js';
import { seededRandom } from './support/data.js';

/** Feeds `diffs` to a fresh CrossOver (the first one is the seed at bar P-1). */
function run(diffs: readonly number[]): CrossSignal[] {
  const cross = new CrossOver();
  return diffs.map((diff) => cross.update(diff));
}

describe('CrossOver', () => {
  it('signals an up-cross on the + bar of -, 0, +', () => {
    expect(run([-1, 0, 2])).toEqual(['none', 'none', 'up']);
    expect(run([-1, 0, 0, 0, 0.5])).toEqual(['none', 'none', 'none', 'none', 'up']);
  });

  it('gives nothing for -, 0, - and +, 0, +: a tie neither signals nor resets the memory', () => {
    expect(run([-1, 0, -1])).toEqual(['none', 'none', 'none']);
    expect(run([3, 0, 3])).toEqual(['none', 'none', 'none']);
    const cross = new CrossOver();
    cross.update(-2);
    cross.update(0);
    expect(cross.lastNonZero).toBe(-2);
  });

  it('signals a down-cross on the - bar of +, 0, -', () => {
    expect(run([1, 0, 0, -1e-300])).toEqual(['none', 'none', 'none', 'down']);
  });

  it('uses the first value only as the seed: the first possible signal is on the second', () => {
    expect(run([-1, 1])).toEqual(['none', 'up']);
    expect(run([1, -1])).toEqual(['none', 'down']);
    const cross = new CrossOver();
    expect(cross.seeded).toBe(false);
    cross.update(5);
    expect(cross.seeded).toBe(true);
  });

  it('with a zero seed, lets the first non-zero difference only set the memory', () => {
    expect(run([0, 1, -1])).toEqual(['none', 'none', 'down']);
    expect(run([0, 0, -1, 1])).toEqual(['none', 'none', 'none', 'up']);
    expect(run([0, 1, 2, 0, -3])).toEqual(['none', 'none', 'none', 'none', 'down']);
  });

  it('alternates up and down signals on any sequence', () => {
    const random = seededRandom(3);
    const diffs = Array.from({ length: 5_000 }, () => {
      const r = random();
      return r < 0.4 ? 0 : r < 0.7 ? -random() : random();
    });
    const signals = run(diffs).filter((s) => s !== 'none');
    expect(signals.length).toBeGreaterThan(100);
    for (let k = 1; k < signals.length; k++) expect(signals[k]).not.toBe(signals[k - 1]);
  });

  it('alternates on a hand-built whipsaw', () => {
    expect(run([-1, 1, -1, 0, 1, 0, 0, -1, -2, 2])).toEqual(['none', 'up', 'down', 'none', 'up', 'none', 'none', 'down', 'none', 'up']);
  });

  it('rejects NaN and forgets its memory on reset', () => {
    const cross = new CrossOver();
    cross.update(-1);
    let error: unknown;
    try {
      cross.update(Number.NaN);
    } catch (caught) {
      error = caught;
    }
    expect(isBtError(error, 'DATA')).toBe(true);
    cross.reset();
    expect(cross.seeded).toBe(false);
    expect(cross.update(1)).toBe('none');
    expect(cross.update(-1)).toBe('down');
  });
});
