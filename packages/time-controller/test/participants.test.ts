import { describe, expect, it } from 'vitest';
import { TimeController } from '../src/index.js';
import { flush, loop, track } from './helpers.js';

describe('dynamic participants', () => {
  it('a participant joining between steps counts from the next step', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.start();
    await Promise.all([tc.waitForNextStep('a'), tc.waitForNextStep('b')]);
    tc.join('c');
    expect(tc.participants()).toEqual(['a', 'b', 'c']);
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect(a.settled || b.settled).toBe(false);
    expect(await tc.waitForNextStep('c')).toBe(true);
    await flush();
    expect([a.value, b.value]).toEqual([true, true]);
    expect(tc.currentStep).toBe(2);
    tc.stop();
  });

  it('a participant joining mid-step is not awaited until the next step', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    tc.join('c');
    expect(await tc.waitForNextStep('b')).toBe(true);
    await flush();
    expect(a.value).toBe(true);
    expect(tc.currentStep).toBe(1);
    // From now on c is awaited too.
    const a2 = track(tc.waitForNextStep('a'));
    const b2 = track(tc.waitForNextStep('b'));
    await flush();
    expect(a2.settled || b2.settled).toBe(false);
    await tc.waitForNextStep('c');
    expect(tc.currentStep).toBe(2);
    tc.stop();
  });

  it('the last awaited participant leaving releases the others', async () => {
    const tc = new TimeController({ participants: ['a', 'b', 'c'] });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    await flush();
    expect(a.settled).toBe(false);
    tc.leave('c');
    await flush();
    expect([a.value, b.value]).toEqual([true, true]);
    expect(tc.participants()).toEqual(['a', 'b']);
    await expect(tc.waitForNextStep('c')).rejects.toMatchObject({ code: 'STATE' });
    tc.stop();
  });

  it('a waiting participant that leaves gets false; the others still wait for the rest', async () => {
    const tc = new TimeController({ participants: ['a', 'b', 'c'] });
    tc.start();
    const a = track(tc.waitForNextStep('a'));
    const b = track(tc.waitForNextStep('b'));
    tc.leave('a');
    await flush();
    expect(a.value).toBe(false);
    expect(b.settled).toBe(false);
    expect(await tc.waitForNextStep('c')).toBe(true);
    expect(b.value).toBe(true);
    tc.stop();
  });

  it('symbols that run out of data leave while the others go on', async () => {
    const tc = new TimeController({ participants: ['long', 'short'] });
    tc.start();
    const worker = async (id: string, bars: number) => {
      let steps = 0;
      while (steps < bars && (await tc.waitForNextStep(id))) steps++;
      tc.leave(id);
      return steps;
    };
    expect(await Promise.all([worker('long', 30), worker('short', 10)])).toEqual([30, 10]);
    expect(tc.currentStep).toBe(30);
    expect(tc.participants()).toEqual([]);
    tc.stop();
  });

  it('a participant may leave and join again later', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    tc.start();
    tc.leave('b');
    expect(await tc.waitForNextStep('a')).toBe(true);
    tc.join('b');
    const loops = [loop(tc, 'a', 3), loop(tc, 'b', 3)];
    expect(await Promise.all(loops)).toEqual([3, 3]);
    expect(tc.currentStep).toBe(4);
    tc.stop();
  });

  it('a seat waits like waitForNextStep(id), counts its steps, and survives a leave and a new join', async () => {
    const tc = new TimeController({ participants: ['a', 'b'] });
    const seat = tc.seat('a');
    expect(seat.participant).toBe('a');
    expect(tc.seat('a')).toBe(seat);
    expect(() => tc.seat('x')).toThrow(expect.objectContaining({ code: 'STATE' }));
    tc.start();
    const first = seat.waitForNextStep();
    expect(await Promise.all([first, tc.waitForNextStep('b')])).toEqual([true, true]);
    tc.leave('a');
    await expect(seat.waitForNextStep()).rejects.toMatchObject({ code: 'STATE' });
    tc.join('a');
    expect(await Promise.all([seat.waitForNextStep(), tc.waitForNextStep('b')])).toEqual([true, true]);
    expect(tc.currentStep).toBe(2);
    expect(tc.metrics().participants.find((p) => p.id === 'a')?.steps).toBe(2);
    tc.stop();
    expect(await seat.waitForNextStep()).toBe(false);
  });
});
