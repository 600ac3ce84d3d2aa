import { BtError, ManualClock, POSITION_MONITOR } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { isTimeMode, TIME_MODE_DELAY_MS, TimeController, TimeMode } from '../src/index.js';
import { flush, track } from './helpers.js';

/** Two participants arrive; returns their tracked waits. */
function arriveBoth(tc: TimeController) {
  return [track(tc.waitForNextStep('a')), track(tc.waitForNextStep('b'))] as const;
}

describe('time modes', () => {
  it('MAX_SPEED releases as soon as the last participant arrives, without clock time', async () => {
    const clock = new ManualClock(1_000);
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.MAX_SPEED, clock });
    tc.start();
    const [a, b] = arriveBoth(tc);
    await flush();
    expect(a.value).toBe(true);
    expect(b.value).toBe(true);
    expect(tc.currentStep).toBe(1);
    expect(clock.now()).toBe(1_000);
    expect(clock.pendingSleeps).toBe(0);
    tc.stop();
  });

  it.each([
    [TimeMode.FAST, 100],
    [TimeMode.REALTIME, 1000],
  ])('%s holds each release until the clock has advanced %i ms', async (mode, delay) => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b'], mode, clock });
    expect(tc.stepDelayMs).toBe(delay);
    tc.start();
    for (let step = 1; step <= 3; step++) {
      const [a, b] = arriveBoth(tc);
      await flush();
      expect(clock.pendingSleeps).toBe(1);
      await clock.advance(delay - 1);
      expect(a.settled || b.settled).toBe(false);
      expect(tc.currentStep).toBe(step - 1);
      await clock.advance(1);
      expect(a.value).toBe(true);
      expect(b.value).toBe(true);
      expect(tc.currentStep).toBe(step);
    }
    expect(clock.now()).toBe(3 * delay);
    tc.stop();
  });

  it('a custom stepDelayMs overrides the mode', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.REALTIME, stepDelayMs: 250, clock });
    tc.start();
    const [a] = arriveBoth(tc);
    await clock.advance(249);
    expect(a.settled).toBe(false);
    await clock.advance(1);
    expect(a.value).toBe(true);
    tc.stop();
  });

  it('setMode changes the pacing from the next release', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.MAX_SPEED, clock });
    tc.start();
    tc.setMode(TimeMode.FAST);
    expect(tc.mode).toBe(TimeMode.FAST);
    const [a] = arriveBoth(tc);
    await flush();
    expect(a.settled).toBe(false);
    await clock.advance(100);
    expect(a.value).toBe(true);
    tc.setMode(TimeMode.MAX_SPEED);
    const [c] = arriveBoth(tc);
    await flush();
    expect(c.value).toBe(true);
    tc.stop();
  });

  it('a clock whose sleep fails stops the run with that error', async () => {
    const failing = { now: () => 0, sleep: () => Promise.reject(new BtError('STATE', 'no sleeping here')) };
    const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.FAST, clock: failing });
    let reason: unknown;
    tc.on('stop', (event) => {
      reason = event.reason;
    });
    tc.start();
    const [a, b] = arriveBoth(tc);
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
    expect(tc.state).toBe('stopped');
    expect(reason).toMatchObject({ code: 'STATE', message: 'no sleeping here' });
  });

  it('arrivals before start() wait, whatever the mode', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    const [a, b] = arriveBoth(tc);
    await flush();
    expect(a.settled || b.settled).toBe(false);
    expect(tc.state).toBe('idle');
    tc.start();
    await flush();
    expect(a.value).toBe(true);
    expect(b.value).toBe(true);
    tc.stop();
  });

  it('includePositionMonitor adds the position monitor as a participant', () => {
    const tc = new TimeController({ participants: ['ETH/USDT', 'BTC/USDT'], includePositionMonitor: true });
    expect(tc.participants()).toEqual(['BTC/USDT', 'ETH/USDT', POSITION_MONITOR].sort());
    expect(new TimeController({ participants: ['x'] }).participants()).toEqual(['x']);
  });

  it('exports the mode values and their delays', () => {
    expect(TIME_MODE_DELAY_MS).toEqual({ 'max-speed': 0, fast: 100, realtime: 1000 });
    expect(isTimeMode('fast')).toBe(true);
    expect(isTimeMode('FAST')).toBe(false);
    expect(isTimeMode(undefined)).toBe(false);
  });

  it('rejects bad options with CONFIG BtErrors naming the field', () => {
    const config = (make: () => unknown, field: string) => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(BtError);
        expect((error as BtError).code).toBe('CONFIG');
        expect((error as BtError).retryable).toBe(false);
        expect((error as BtError).message).toContain(field);
        return;
      }
      throw new Error(`expected a CONFIG error for ${field}`);
    };
    config(() => new TimeController({ mode: 'warp' as TimeMode }), 'mode');
    config(() => new TimeController({ stepDelayMs: -1 }), 'stepDelayMs');
    config(() => new TimeController({ stepDelayMs: Number.NaN }), 'stepDelayMs');
    config(() => new TimeController({ totalSteps: 1.5 }), 'totalSteps');
    config(() => new TimeController({ yieldIntervalMs: 0 }), 'yieldIntervalMs');
    config(() => new TimeController().setMode(TimeMode.FAST, Number.POSITIVE_INFINITY), 'stepDelayMs');
  });
});
