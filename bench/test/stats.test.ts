import { describe, expect, it } from 'vitest';
import { pairRatios, summarize, timePairs } from '../src/stats.js';

describe('paired timing', () => {
  it('alternates the two functions after their warm-ups, and checks every call', async () => {
    const calls: string[] = [];
    const checked: string[] = [];
    const result = await timePairs(
      3,
      () => calls.push('a'),
      async () => calls.push('b'),
      { warmup: 1, checkFirst: () => checked.push('a'), checkSecond: () => checked.push('b') },
    );
    expect(calls.join('')).toBe('abababab');
    expect(checked.join('')).toBe('abababab');
    expect([result.first.runs, result.second.runs]).toEqual([3, 3]);
  });

  it('takes ratios pair by pair, not from the two medians', () => {
    const path = summarize([40, 10, 100]);
    const floor = summarize([10, 5, 50]);
    const ratios = pairRatios(path, floor);
    expect(ratios.samples).toEqual([4, 2, 2]);
    expect(ratios.median).toBe(2);
    expect(path.median / floor.median).not.toBe(ratios.median);
    expect(() => pairRatios(path, summarize([1]))).toThrow(/not paired/);
  });
});
