import { BtError, ManualClock } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { TimeController, TimeMode } from '../src/index.js';
import { flush, loop, track } from './helpers.js';

describe('pause, resume and step(n)', () => {
  it('pause holds the next release until resume', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.start();
    tc.pause();
    expect(tc.state).toBe('paused');
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect(a.settled || b.settled).toBe(false);
    expect(tc.currentStep).toBe(0);
    tc.resume();
    expect(tc.state).toBe('running');
    await flush();
    expect([a.value, b.value]).toEqual([true, true]);
    expect(tc.currentStep).toBe(1);
    tc.stop();
  });

  it('step(n) releases exactly n steps, then pauses; repeated calls go on from there', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.pause();
    tc.start();
    const loops = [loop(tc, 'a'), loop(tc, 'b')];
    await flush();
    expect(tc.currentStep).toBe(0);

    await tc.step(3);
    expect(tc.currentStep).toBe(3);
    expect(tc.state).toBe('paused');
    await flush();
    await flush();
    expect(tc.currentStep).toBe(3);

    await tc.step();
    expect(tc.currentStep).toBe(4);
    await tc.step(2);
    expect(tc.currentStep).toBe(6);

    tc.stop();
    expect(await Promise.all(loops)).toEqual([6, 6]);
  });

  it('step(n) then resume: the promise resolves after its n steps and the run goes on', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.pause();
    tc.start();
    const loops = [loop(tc, 'a', 50), loop(tc, 'b', 50)];
    const stepped = tc.step(5);
    tc.resume();
    await stepped;
    expect(tc.currentStep).toBeGreaterThanOrEqual(5);
    await Promise.all(loops);
    expect(tc.currentStep).toBe(50);
    expect(tc.state).toBe('running');
    tc.stop();
  });

  it('step(n) waits for the mode delay of each of its steps', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.FAST, clock });
    tc.pause();
    tc.start();
    const loops = [loop(tc, 'a'), loop(tc, 'b')];
    const stepped = track(tc.step(2));
    await flush();
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(100);
    expect(tc.currentStep).toBe(1);
    expect(stepped.settled).toBe(false);
    await clock.advance(100);
    expect(tc.currentStep).toBe(2);
    expect(stepped.settled).toBe(true);
    expect(tc.state).toBe('paused');
    await clock.advance(1_000);
    expect(tc.currentStep).toBe(2);
    tc.stop();
    await Promise.all(loops);
  });

  it('step(n) before start runs once started', async () => {
    const tc = new TimeController({ participants: ['a'] });
    const stepped = track(tc.step(2));
    const loops = [loop(tc, 'a')];
    await flush();
    expect(tc.currentStep).toBe(0);
    tc.start();
    await stepped.promise;
    expect(tc.currentStep).toBe(2);
    expect(tc.state).toBe('paused');
    tc.stop();
    await Promise.all(loops);
  });

  it('step(n) rejects anything but a positive integer', async () => {
    const tc = new TimeController({ participants: ['a'] });
    await expect(tc.step(0)).rejects.toBeInstanceOf(BtError);
    await expect(tc.step(1.5)).rejects.toMatchObject({ code: 'CONFIG' });
    tc.stop();
  });
});

describe('stop', () => {
  it('releases every waiter with false, answers later arrivals false and settles step promises', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b', 'c'], mode: TimeMode.REALTIME, clock });
    tc.start();
    const stepped = track(tc.step(5));
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    tc.stop();
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
    expect(stepped.settled).toBe(true);
    expect(await tc.waitForNextStep('c')).toBe(false);
    expect(await tc.waitForNextStep('a')).toBe(false);
    expect(tc.state).toBe('stopped');
    expect(clock.pendingSleeps).toBe(0);
    expect(() => tc.start()).toThrow(BtError);
    await expect(tc.step(1)).resolves.toBeUndefined();
    tc.stop();
  });

  it('wakes a release held in its delay: nothing is released after stop', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.FAST, clock });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect(clock.pendingSleeps).toBe(1);
    tc.stop();
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
    expect(clock.pendingSleeps).toBe(0);
    expect(tc.currentStep).toBe(0);
  });

  it('settles waiters held by pause or before start', async () => {
    const paused = new TimeController({ participants: ['a'] });
    paused.start();
    paused.pause();
    const a = track(paused.waitForNextStep('a'));
    const idle = new TimeController({ participants: ['b'] });
    const b = track(idle.waitForNextStep('b'));
    await flush();
    paused.stop();
    idle.stop();
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
  });

  it('abort(reason) ends the run like stop', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.start();
    const reasons: unknown[] = [];
    tc.on('stop', (event) => reasons.push(event.reason));
    const a = track(tc.waitForNextStep('a'));
    tc.abort('boom');
    tc.stop();
    await flush();
    expect(a.value).toBe(false);
    expect(reasons).toEqual(['boom']);
    expect(tc.state).toBe('stopped');
  });
});
