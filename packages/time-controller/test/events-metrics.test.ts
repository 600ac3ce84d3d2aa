import { BtError, ManualClock } from '@bt/core';
import { describe, expect, it } from 'vitest';
import type { ArriveEvent, StepEvent } from '../src/index.js';
import { TimeController, TimeMode } from '../src/index.js';
import { flush, loop, track } from './helpers.js';

/** A wall clock the test moves by hand. */
function fakeWall(start = 0) {
  const wall = { now: start, read: () => wall.now };
  return wall;
}

describe('events', () => {
  it('emits arrive and step, with the time source of each step', async () => {
    const sim = new ManualClock(1_700_000_000_000);
    const tc = new TimeController({ participants: ['b', 'a'], timeSource: () => sim.now() });
    const arrivals: ArriveEvent[] = [];
    const steps: StepEvent[] = [];
    tc.on('arrive', (event) => arrivals.push(event));
    tc.on('step', (event) => steps.push(event));
    tc.start();
    const worker = async (id: string) => {
      for (let i = 0; i < 3; i++) {
        await tc.waitForNextStep(id);
        if (id === 'a') sim.set(sim.now() + 60_000); // the broker advancing its bar
      }
    };
    await Promise.all([worker('b'), worker('a')]);
    expect(steps).toEqual([
      { step: 1, simTime: 1_700_000_000_000 },
      { step: 2, simTime: 1_700_000_060_000 },
      { step: 3, simTime: 1_700_000_120_000 },
    ]);
    expect(arrivals.slice(0, 2)).toEqual([
      { participant: 'b', step: 0 },
      { participant: 'a', step: 0 },
    ]);
    expect(arrivals).toHaveLength(6);
    expect(arrivals.filter((e) => e.step === 2).map((e) => e.participant)).toHaveLength(2);
    tc.stop();
  });

  it('emits pause, resume and stop once each, and off/unsubscribe remove listeners', async () => {
    const tc = new TimeController({ participants: ['a'] });
    const seen: string[] = [];
    const onPause = () => seen.push('pause');
    tc.on('pause', onPause);
    const unsubscribe = tc.on('resume', () => seen.push('resume'));
    tc.on('stop', (event) => seen.push(`stop:${event.step}:${String(event.reason)}`));
    tc.start();
    tc.pause();
    tc.pause();
    tc.resume();
    tc.resume();
    await tc.waitForNextStep('a');
    const stepped = tc.step(1); // runs one step, then pauses
    await tc.waitForNextStep('a');
    await stepped;
    tc.resume(); // leaves the pause: resume
    tc.off('pause', onPause);
    unsubscribe();
    tc.pause();
    tc.resume();
    tc.stop();
    tc.stop();
    expect(seen).toEqual(['pause', 'resume', 'pause', 'resume', 'stop:2:stopped']);
  });

  it('a listener that throws stops the run with a BtError reason', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    let reason: unknown;
    tc.on('stop', (event) => {
      reason = event.reason;
    });
    tc.on('step', () => {
      throw new Error('listener bug');
    });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect([a.value, b.value]).toEqual([false, false]);
    expect(tc.state).toBe('stopped');
    expect(reason).toBeInstanceOf(BtError);
    expect((reason as BtError).message).toContain('listener bug');
  });
});

describe('metrics', () => {
  it('reports status, steps and working/waiting time per participant', async () => {
    const wall = fakeWall(1_000);
    const tc = new TimeController({ participants: ['a', 'b'], wallClock: wall.read, totalSteps: 10 });
    tc.start();
    wall.now += 10;
    const a = track(tc.waitForNextStep('a')); // a worked 10 ms
    let m = tc.metrics();
    expect(m.participants.map((p) => [p.id, p.status, p.steps])).toEqual([
      ['a', 'waiting', 1],
      ['b', 'working', 0],
    ]);
    wall.now += 30;
    await tc.waitForNextStep('b'); // b worked 40 ms; a waited 30 ms
    await flush();
    expect(a.value).toBe(true);
    wall.now += 5;
    const a2 = track(tc.waitForNextStep('a')); // a worked 5 ms
    wall.now += 15;
    m = tc.metrics();
    const [ma, mb] = m.participants;
    expect(ma).toMatchObject({ id: 'a', status: 'waiting', steps: 2, sinceMs: 15 });
    expect(ma?.working).toEqual({ count: 2, totalMs: 15, minMs: 5, avgMs: 7.5, maxMs: 10 });
    expect(ma?.waiting).toEqual({ count: 1, totalMs: 30, minMs: 30, avgMs: 30, maxMs: 30 });
    expect(ma?.waitingShare).toBeCloseTo(30 / 45);
    expect(mb).toMatchObject({ id: 'b', status: 'working', steps: 1, sinceMs: 20 });
    expect(mb?.working).toEqual({ count: 1, totalMs: 40, minMs: 40, avgMs: 40, maxMs: 40 });
    expect(mb?.waiting).toMatchObject({ count: 1, totalMs: 0 });
    expect(m).toMatchObject({ state: 'running', step: 1, totalSteps: 10, progress: 0.1, elapsedMs: 60, participantTiming: true });
    expect(m.stepsPerSecond).toBeCloseTo(1000 / 60);
    expect(m.etaMs).toBeCloseTo(9 * 60);
    tc.leave('b');
    await flush();
    expect(a2.value).toBe(true);
    expect(tc.metrics().participants.map((p) => p.status)).toEqual(['working', 'left']);
    tc.stop();
  });

  it('elapsed time leaves out pauses and stops counting at stop', () => {
    const wall = fakeWall(0);
    const tc = new TimeController({ participants: ['a'], wallClock: wall.read });
    expect(tc.metrics()).toMatchObject({ state: 'idle', elapsedMs: 0, stepsPerSecond: 0, progress: undefined, etaMs: undefined });
    wall.now = 100;
    tc.start();
    wall.now = 150;
    tc.pause();
    wall.now = 400;
    expect(tc.metrics()).toMatchObject({ state: 'paused', elapsedMs: 50 });
    tc.resume();
    wall.now = 420;
    tc.stop();
    wall.now = 9_000;
    expect(tc.metrics()).toMatchObject({ state: 'stopped', elapsedMs: 70 });
  });

  it('samples timing when steps are short: few clock reads, finite durations, a sensible share', async () => {
    let now = 0;
    let reads = 0;
    // Each read moves the fake wall clock by 1 µs: steps look very short, so few are timed.
    const wall = (): number => {
      reads++;
      now += 0.001;
      return now;
    };
    const tc = new TimeController({ participants: ['a', 'b'], wallClock: wall });
    tc.start();
    const before = reads;
    await Promise.all([loop(tc, 'a', 5_000), loop(tc, 'b', 5_000)]);
    expect(reads - before).toBeLessThan(1_000); // timing every arrival would read 10,000 times
    for (const p of tc.metrics().participants) {
      expect(p.steps).toBe(5_000);
      expect(p.working.count).toBeGreaterThan(0);
      expect(p.working.count).toBeLessThan(1_000);
      expect(p.waiting.count).toBeGreaterThan(0);
      expect(Number.isFinite(p.working.totalMs) && Number.isFinite(p.waiting.totalMs)).toBe(true);
      expect(p.waitingShare).toBeGreaterThanOrEqual(0);
      expect(p.waitingShare).toBeLessThanOrEqual(1);
    }
    tc.stop();
  });

  it('participantTiming: false keeps counts and status but measures no durations', async () => {
    let reads = 0;
    const tc = new TimeController({
      participants: ['a', 'b'],
      participantTiming: false,
      wallClock: () => {
        reads++;
        return reads;
      },
    });
    tc.start();
    const before = reads;
    const loops = [loop(tc, 'a', 100), loop(tc, 'b', 100)];
    await Promise.all(loops);
    expect(reads - before).toBeLessThan(50); // only the cheap, occasional event-loop checks
    const m = tc.metrics();
    expect(m.participantTiming).toBe(false);
    expect(m.participants.map((p) => [p.status, p.steps, p.working.count, p.waiting.totalMs])).toEqual([
      ['working', 100, 0, 0],
      ['working', 100, 0, 0],
    ]);
    tc.stop();
  });

  it('reports the simulated time and works with delayed modes', async () => {
    const clock = new ManualClock(0);
    const tc = new TimeController({ participants: ['a'], mode: TimeMode.FAST, clock, timeSource: () => clock.now() });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    await flush();
    expect(tc.metrics().participants[0]?.status).toBe('waiting');
    await clock.advance(100);
    expect(a.value).toBe(true);
    expect(tc.metrics()).toMatchObject({ step: 1, simTime: 100 });
    tc.stop();
  });
});
