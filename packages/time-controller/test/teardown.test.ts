import { LiveClock } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { TimeController, TimeMode } from '../src/index.js';
import { flush, loop, timerResources, track, trackOwnTimers } from './helpers.js';

describe('nothing is left behind after stop (the process can exit by itself)', () => {
  it('REALTIME on the live clock: stop clears the pending delay timer', async () => {
    const timers = trackOwnTimers();
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.REALTIME, clock: new LiveClock() });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect(await timers.pending()).toBe(1); // the 1 s delay
    tc.stop();
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
    expect(await timers.pending()).toBe(0);
    timers.stop();
  });

  it('MAX_SPEED: stop cancels a pending event-loop yield', async () => {
    await flush();
    const baseline = timerResources();
    let now = 0;
    const tc = new TimeController({
      participants: ['a', 'b'],
      wallClock: () => {
        now += 20;
        return now;
      },
    });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b')); // last arrival: the release yields first
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length).toBeGreaterThan(0);
    tc.stop();
    expect(timerResources()).toBe(baseline);
    await Promise.resolve();
    await Promise.resolve();
    expect([a.value, b.value]).toEqual([false, false]);
  });

  it('a full run with loops, pause, step and stop settles every promise and leaves no timers', async () => {
    const timers = trackOwnTimers();
    const tc = new TimeController({ participants: ['a', 'b', 'c'], mode: TimeMode.FAST });
    tc.start();
    const loops = ['a', 'b', 'c'].map((id) => track(loop(tc, id)));
    const stepped = track(tc.step(3));
    tc.pause();
    const later = track(tc.step(2));
    tc.stop();
    await flush();
    expect(loops.every((l) => l.settled)).toBe(true);
    expect(stepped.settled && later.settled).toBe(true);
    expect(await timers.pending()).toBe(0);
    timers.stop();
    expect(tc.state).toBe('stopped');
  });
});
