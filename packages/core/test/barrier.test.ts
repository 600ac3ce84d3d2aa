import { describe, expect, it } from 'vitest';
import { Barrier, BtError } from '../src/index.js';

interface Tracked {
  readonly id: string;
  settled: boolean;
  value: boolean | undefined;
  error: unknown;
}

/** Arrives and records the outcome once the promise settles. */
function arrive(barrier: Barrier, id: string, order?: string[]): Tracked {
  const tracked: Tracked = { id, settled: false, value: undefined, error: undefined };
  barrier.arrive(id).then(
    (value) => {
      tracked.settled = true;
      tracked.value = value;
      order?.push(id);
    },
    (error: unknown) => {
      tracked.settled = true;
      tracked.error = error;
    },
  );
  return tracked;
}

/** Lets queued promise continuations run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A deterministic shuffle (LCG), so arrival orders vary but runs repeat. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, '0')}`);
}

function timerResources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
}

describe('Barrier', () => {
  describe.each([1, 10, 1000])('with %i participants', (n) => {
    it('releases each step only once everyone has arrived, and counts steps', async () => {
      const all = ids(n);
      const barrier = new Barrier(all);
      expect(barrier.parties).toBe(n);
      for (let step = 0; step < 4; step++) {
        const order = shuffled(all, step + 1);
        const waits: Tracked[] = [];
        for (let i = 0; i < n - 1; i++) waits.push(arrive(barrier, order[i] as string));
        await flush();
        expect(barrier.step).toBe(step);
        expect(barrier.arrived).toBe(n - 1);
        expect(waits.some((w) => w.settled)).toBe(false);
        waits.push(arrive(barrier, order[n - 1] as string));
        await flush();
        expect(barrier.step).toBe(step + 1);
        expect(barrier.arrived).toBe(0);
        expect(waits.every((w) => w.value === true)).toBe(true);
      }
      expect(barrier.step).toBe(4);
    });
  });

  it('releases waiters sorted by participant id, whatever the arrival order', async () => {
    const participants = ['position-monitor', 'ETH/USDT', 'BTC/USDT', 'SOL/USDT', 'ADA/USDT'];
    const barrier = new Barrier(participants);
    const sorted = [...participants].sort();
    for (let step = 0; step < 5; step++) {
      const order: string[] = [];
      for (const id of shuffled(participants, 7 * step + 3)) arrive(barrier, id, order);
      await flush();
      expect(order).toEqual(sorted);
    }
  });

  it('the last arriver continues in its id order too, not after everyone', async () => {
    const barrier = new Barrier(['a', 'b', 'c']);
    const order: string[] = [];
    const c = barrier.arrive('c').then(() => order.push('c'));
    const b = barrier.arrive('b').then(() => order.push('b'));
    const a = barrier.arrive('a').then(() => order.push('a'));
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('loops awaiting the barrier continue in id order', async () => {
    const barrier = new Barrier(['c', 'a', 'b']);
    const order: string[] = [];
    const worker = async (id: string, startDelay: number) => {
      for (let i = 0; i < startDelay; i++) await Promise.resolve();
      for (let step = 0; step < 3; step++) {
        await barrier.arrive(id);
        order.push(`${step}:${id}`);
      }
    };
    await Promise.all([worker('b', 0), worker('c', 3), worker('a', 1)]);
    expect(order).toEqual(['0:a', '0:b', '0:c', '1:a', '1:b', '1:c', '2:a', '2:b', '2:c']);
  });

  describe('leave', () => {
    it('releases the others when the leaver was the last one awaited', async () => {
      const barrier = new Barrier(['a', 'b', 'c']);
      const a = arrive(barrier, 'a');
      const b = arrive(barrier, 'b');
      await flush();
      expect(a.settled).toBe(false);
      barrier.leave('c');
      await flush();
      expect([a.value, b.value]).toEqual([true, true]);
      expect(barrier.step).toBe(1);
      expect(barrier.participants()).toEqual(['a', 'b']);
      expect(barrier.has('c')).toBe(false);
    });

    it('keeps the others waiting when someone else is still awaited', async () => {
      const barrier = new Barrier(['a', 'b', 'c']);
      const a = arrive(barrier, 'a');
      barrier.leave('b');
      await flush();
      expect(a.settled).toBe(false);
      expect(barrier.parties).toBe(2);
      const c = arrive(barrier, 'c');
      await flush();
      expect([a.value, c.value]).toEqual([true, true]);
    });

    it('wakes a waiting participant that leaves with false, and the step goes on without it', async () => {
      const barrier = new Barrier(['a', 'b', 'c']);
      const a = arrive(barrier, 'a');
      const b = arrive(barrier, 'b');
      barrier.leave('a');
      await flush();
      expect(a.value).toBe(false);
      expect(b.settled).toBe(false);
      expect(barrier.arrived).toBe(1);
      const c = arrive(barrier, 'c');
      await flush();
      expect([b.value, c.value]).toEqual([true, true]);
      expect(barrier.step).toBe(1);
    });

    it('a leave during a held release takes effect at that boundary: the leaver gets false', async () => {
      let hold!: () => void;
      const barrier = new Barrier(['a', 'b'], {
        beforeRelease: () =>
          new Promise<void>((resolve) => {
            hold = resolve;
          }),
      });
      const a = arrive(barrier, 'a');
      const b = arrive(barrier, 'b');
      barrier.leave('b');
      await flush();
      expect(a.settled || b.settled).toBe(false);
      hold();
      await flush();
      expect([a.value, b.value]).toEqual([true, false]);
      expect(barrier.participants()).toEqual(['a']);
      // Next step: only a is awaited (the hook holds it again).
      const a2 = arrive(barrier, 'a');
      hold();
      await flush();
      expect(a2.value).toBe(true);
      expect(barrier.step).toBe(2);
    });

    it('leaving twice, or leaving an unknown id, is harmless', () => {
      const barrier = new Barrier(['a']);
      barrier.leave('a');
      barrier.leave('a');
      barrier.leave('zzz');
      expect(barrier.parties).toBe(0);
    });
  });

  describe('join', () => {
    it('a participant joining while a step is in progress counts from the next step', async () => {
      const barrier = new Barrier(['a', 'b']);
      const a = arrive(barrier, 'a');
      barrier.join('c');
      expect(barrier.parties).toBe(2);
      const b = arrive(barrier, 'b');
      await flush();
      expect([a.value, b.value]).toEqual([true, true]);
      expect(barrier.step).toBe(1);
      expect(barrier.parties).toBe(3);
      expect(barrier.participants()).toEqual(['a', 'b', 'c']);
      // Step 2 waits for c as well.
      const a2 = arrive(barrier, 'a');
      const b2 = arrive(barrier, 'b');
      await flush();
      expect(a2.settled || b2.settled).toBe(false);
      const c2 = arrive(barrier, 'c');
      await flush();
      expect([a2.value, b2.value, c2.value]).toEqual([true, true, true]);
    });

    it('a mid-step joiner that arrives at once is released with the others', async () => {
      const barrier = new Barrier(['a', 'b']);
      const a = arrive(barrier, 'a');
      barrier.join('c');
      const c = arrive(barrier, 'c');
      await flush();
      expect(a.settled || c.settled).toBe(false);
      const b = arrive(barrier, 'b');
      await flush();
      expect([a.value, b.value, c.value]).toEqual([true, true, true]);
      expect(barrier.step).toBe(1);
    });

    it('a participant joining between steps counts at once; joining twice is harmless', async () => {
      const barrier = new Barrier(['a']);
      await barrier.arrive('a');
      barrier.join('b');
      barrier.join('b');
      expect(barrier.parties).toBe(2);
      const a = arrive(barrier, 'a');
      await flush();
      expect(a.settled).toBe(false);
      expect(await barrier.arrive('b')).toBe(true);
      await flush();
      expect(a.value).toBe(true);
    });
  });

  describe('abort', () => {
    it('wakes everyone with false, and later arrivals get false at once', async () => {
      const barrier = new Barrier(['a', 'b', 'c']);
      const a = arrive(barrier, 'a');
      const b = arrive(barrier, 'b');
      barrier.abort('done');
      await flush();
      expect([a.value, b.value]).toEqual([false, false]);
      expect(barrier.aborted).toBe(true);
      expect(barrier.abortReason).toBe('done');
      expect(await barrier.arrive('c')).toBe(false);
      expect(await barrier.arrive('a')).toBe(false);
      expect(await barrier.arrive('never-joined')).toBe(false);
      expect(barrier.step).toBe(0);
    });

    it('leaves nothing pending: every arrival settles, no timer, and a held release stays unreleased', async () => {
      const before = timerResources();
      let hold!: () => void;
      const barrier = new Barrier(ids(50), {
        beforeRelease: () =>
          new Promise<void>((resolve) => {
            hold = resolve;
          }),
      });
      const waits = ids(50).map((id) => arrive(barrier, id));
      await flush();
      expect(waits.some((w) => w.settled)).toBe(false);
      barrier.abort();
      await flush();
      expect(waits.every((w) => w.settled && w.value === false)).toBe(true);
      hold();
      await flush();
      expect(barrier.step).toBe(0);
      expect(barrier.arrived).toBe(0);
      expect(timerResources()).toBe(before);
    });

    it('a throwing or rejecting beforeRelease hook aborts with its error', async () => {
      const error = new Error('hook failed');
      const sync = new Barrier(['a'], {
        beforeRelease: () => {
          throw error;
        },
      });
      expect(await sync.arrive('a')).toBe(false);
      expect(sync.aborted).toBe(true);
      expect(sync.abortReason).toBe(error);

      const async = new Barrier(['a'], { beforeRelease: () => Promise.reject(error) });
      expect(await async.arrive('a')).toBe(false);
      expect(async.abortReason).toBe(error);
    });
  });

  it('calls beforeRelease once per step with the step about to begin, before anyone is released', async () => {
    const calls: Array<[number, boolean]> = [];
    let a: Tracked | undefined;
    const barrier = new Barrier(['a', 'b'], {
      beforeRelease: (next) => {
        calls.push([next, a?.settled ?? false]);
      },
    });
    for (let step = 0; step < 3; step++) {
      a = arrive(barrier, 'a');
      arrive(barrier, 'b');
      await flush();
    }
    expect(calls).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it('rejects a non-participant or a participant already waiting with a STATE BtError', async () => {
    const barrier = new Barrier(['a', 'b']);
    await expect(barrier.arrive('x')).rejects.toMatchObject({ code: 'STATE' });
    arrive(barrier, 'a');
    const twice = barrier.arrive('a');
    await expect(twice).rejects.toBeInstanceOf(BtError);
    await expect(twice).rejects.toMatchObject({ code: 'STATE' });
    expect(barrier.isWaiting('a')).toBe(true);
    expect(barrier.isWaiting('b')).toBe(false);
  });

  it('a seat arrives like arrive(id); after its participant left and joined again it goes through the id', async () => {
    const barrier = new Barrier(['a', 'b']);
    const seatA = barrier.seat('a');
    expect(seatA.id).toBe('a');
    expect(barrier.seat('a')).toBe(seatA);
    expect(() => barrier.seat('x')).toThrow(expect.objectContaining({ code: 'STATE' }));
    const a = seatA.arrive();
    expect(barrier.isWaiting('a')).toBe(true);
    await expect(seatA.arrive()).rejects.toMatchObject({ code: 'STATE' });
    await barrier.arrive('b');
    expect(await a).toBe(true);
    // A stale seat of a participant that left is refused; once it joins again, the old seat works.
    barrier.leave('a');
    await expect(seatA.arrive()).rejects.toMatchObject({ code: 'STATE' });
    barrier.join('a');
    const again = seatA.arrive();
    expect(barrier.isWaiting('a')).toBe(true);
    await barrier.arrive('b');
    expect(await again).toBe(true);
    expect(barrier.step).toBe(2);
    barrier.abort();
    expect(await seatA.arrive()).toBe(false);
  });
});
