import { describe, expect, it } from 'vitest';
import { BtError } from '../src/errors.js';
import { LiveClock } from '../src/live-clock.js';
import { ManualClock } from '../src/manual-clock.js';
import { ReplayClock } from '../src/replay-clock.js';
import { formatIsoTime } from '../src/time-format.js';
import { timeframeToMs } from '../src/timeframe.js';

describe('ManualClock', () => {
  it('wakes sleeps in wake-time order, then call order, as time passes them', async () => {
    const clock = new ManualClock(1000);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`a@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`c@${clock.now()}`));
    await clock.advance(99);
    expect(woke).toEqual([]);
    await clock.advance(150);
    expect(woke).toEqual(['b@1100', 'c@1100']);
    expect(clock.now()).toBe(1249);
    await clock.advance(51);
    expect(woke).toEqual(['b@1100', 'c@1100', 'a@1300']);
  });

  it('resolves an aborted sleep at once and forgets it', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(clock.pendingSleeps).toBe(0);
  });

  it('refuses to go back in time', () => {
    const clock = new ManualClock(10);
    expect(() => clock.set(9)).toThrow(RangeError);
  });
});

describe('LiveClock', () => {
  it('reads the wall clock and a pre-aborted sleep resolves at once', async () => {
    const clock = new LiveClock();
    const controller = new AbortController();
    controller.abort();
    await clock.sleep(60_000, controller.signal);
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });
});

describe('ReplayClock', () => {
  it('tells the broker time and refuses to sleep inside a step', async () => {
    const clock = new ReplayClock({ currentTime: () => 42 });
    expect(clock.now()).toBe(42);
    await expect(clock.sleep(5)).rejects.toBeInstanceOf(BtError);
  });
});

describe('formatIsoTime', () => {
  it('matches Date#toISOString across eras, leap years and month ends', () => {
    const samples = [0, 951_782_400_000, 1_677_628_800_000, 1_709_164_799_999, 4_102_444_800_000, -86_400_000, 1_700_000_000_123];
    for (let ms = -2_000_000_000_000; ms < 5_000_000_000_000; ms += 7_777_777_777) samples.push(ms);
    for (const ms of samples) expect(formatIsoTime(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('timeframeToMs', () => {
  it('converts units and rejects malformed timeframes with the expected form', () => {
    expect(timeframeToMs('1m')).toBe(60_000);
    expect(timeframeToMs('4h')).toBe(14_400_000);
    expect(timeframeToMs('1w')).toBe(604_800_000);
    expect(() => timeframeToMs('0m')).toThrow(/expected a positive count/);
    expect(() => timeframeToMs('1y')).toThrow(/got "1y"/);
  });
});
