import { rm } from 'node:fs/promises';
import { isBtError, ManualClock } from '@bt/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/index.js';
import { isVirtualClock, startEmulator, VirtualClock } from '../src/index.js';
import { controlFetch, controlJson, MINUTE, makeBars, T0, writeFixture } from './helpers.js';

// The virtual clock: time that moves only when driven, and a bot run in lockstep with it, in
// process and from "another process" (plain HTTP, as `bt run` does).

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function virtualEmulator(startAt: number, wallClock?: ManualClock): Promise<{ emulator: RunningEmulator; clock: VirtualClock }> {
  const { dir, file } = await writeFixture(makeBars(300));
  const clock = new VirtualClock(startAt);
  const emulator = await startEmulator({
    data: [{ symbol: 'BTC/USDT', file }],
    clock,
    keys: [],
    balances: {},
    ...(wallClock === undefined ? {} : { wallClock }),
  });
  cleanups.push(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { emulator, clock };
}

/** Lets pending promise continuations and I/O callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('VirtualClock', () => {
  it('parks sleeps; step moves time to the earliest and wakes it alone, in wake time then arrival order', async () => {
    const clock = new VirtualClock(1_000);
    const woke: string[] = [];
    const sleep = (name: string, ms: number) => void clock.sleep(ms).then(() => woke.push(`${name}@${clock.now()}`));
    sleep('a', 500);
    sleep('b', 200);
    sleep('c', 500);
    expect(clock.state()).toEqual({ now: 1_000, parked: 3, active: 0, nextWakeAt: 1_200 });
    expect(clock.step()).toBe(1_200);
    await turn();
    expect(woke).toEqual(['b@1200']);
    expect(clock.step()).toBe(1_500);
    await turn();
    expect(woke).toEqual(['b@1200', 'a@1500']);
    expect(clock.parked).toBe(1);
    expect(clock.step()).toBe(1_500);
    await turn();
    expect(woke).toEqual(['b@1200', 'a@1500', 'c@1500']);
    expect(clock.step()).toBeUndefined();
  });

  it('advanceTo wakes every sleep due and never goes back; an aborted sleep is parked no more', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.onAdvance((now) => seen.push(now));
    let woken = 0;
    for (const ms of [10, 20, 30]) void clock.sleep(ms).then(() => woken++);
    const abort = new AbortController();
    let aborted = false;
    void clock.sleep(15, abort.signal).then(() => {
      aborted = true;
    });
    abort.abort();
    await turn();
    expect(aborted).toBe(true);
    expect(clock.parked).toBe(3);
    expect(clock.advanceTo(25)).toBe(25);
    await turn();
    expect(woken).toBe(2);
    expect(seen).toEqual([10, 20, 25]);
    expect(clock.advanceTo(5)).toBe(25);
    expect(clock.advance(10)).toBe(35);
    await turn();
    expect(woken).toBe(3);
    expect(isVirtualClock(clock)).toBe(true);
    expect(isVirtualClock(new ManualClock(0))).toBe(false);
    expect(() => new VirtualClock(Number.NaN)).toThrow(/VirtualClock/);
  });

  it('lockstep: steps only while every loop is parked and no work is in progress; the same run every time', async () => {
    const run = async () => {
      const clock = new VirtualClock(0);
      const log: string[] = [];
      const stop = new AbortController();
      // Two loops, each doing work between sleeps that takes real time (I/O turns), the way a bot's do.
      const loop = async (name: string, every: number) => {
        while (!stop.signal.aborted) {
          const end = clock.begin();
          for (let i = 0; i < (name === 'a' ? 3 : 1); i++) await turn();
          log.push(`${name}@${clock.now()}`);
          end();
          if (clock.now() >= 60) stop.abort();
          await clock.sleep(every, stop.signal);
        }
      };
      const result = await clock.lockstep({ sleepers: 2, until: Promise.all([loop('a', 10), loop('b', 25)]) });
      return { log, result };
    };
    const first = await run();
    expect(first.log).toEqual(['b@0', 'a@0', 'a@10', 'a@20', 'b@25', 'a@30', 'a@40', 'b@50', 'a@50', 'a@60']);
    expect(first.result).toEqual({ steps: 8, now: 60 });
    expect(await run()).toEqual(first);
  });

  it('lockstep fails when the bot never parks as many sleeps as it has loops', async () => {
    const clock = new VirtualClock(0);
    const wall = new ManualClock(0);
    void clock.sleep(10);
    const stalled = clock.lockstep({ sleepers: 2, until: new Promise(() => {}), stallMs: 5_000, wallClock: wall }).catch((e: unknown) => e);
    await wall.advance(5_000);
    const error = await stalled;
    expect(isBtError(error, 'STATE')).toBe(true);
    expect((error as Error).message).toMatch(/lockstep stalled at 1970-01-01T00:00:00.000Z: 1 of 2 sleeps parked and 0 requests/);
    await expect(clock.lockstep({ sleepers: 0, until: Promise.resolve() })).rejects.toThrow(/sleepers/);
  });
});

describe('the emulator on a VirtualClock', () => {
  it('says so on its clock endpoint, parks a client’s sleep until the time comes, and moves on control requests', async () => {
    const start = T0 + 100 * MINUTE;
    const { emulator, clock } = await virtualEmulator(start);
    expect((await controlJson(emulator, `/__control/clock`)).body).toEqual({ now: start, speed: null, virtual: true });
    // A sleep whose time has come is answered at once.
    expect((await controlJson(emulator, `/__control/clock/wait?until=${start}`)).body).toEqual({ now: start });
    const waiting = controlJson(emulator, `/__control/clock/wait?until=${start + 30_000}`);
    while (clock.parked === 0) await turn();
    expect(clock.state()).toMatchObject({ parked: 1, active: 0, nextWakeAt: start + 30_000 });
    expect((await controlJson(emulator, `/__control/clock/advance`, { method: 'POST', body: '{"by":10000}' })).body).toEqual({
      now: start + 10_000,
    });
    expect(clock.parked).toBe(1);
    expect((await controlJson(emulator, `/__control/clock/step`, { method: 'POST' })).body).toEqual({ now: start + 30_000, woke: true });
    expect((await waiting).body).toEqual({ now: start + 30_000 });
    expect(emulator.now()).toBe(start + 30_000);
    expect((await controlJson(emulator, `/__control/clock/step`, { method: 'POST' })).body).toEqual({ now: start + 30_000, woke: false });
    expect((await controlJson(emulator, `/__control/clock/advance`, { method: 'POST', body: '{}' })).status).toBe(400);
    expect((await controlJson(emulator, `/__control/clock/wait?until=soon`)).status).toBe(400);
    // The replay follows the virtual time: 30 s into bar 100, bar 99 is the newest closed one.
    const rows = (await (await fetch(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=1m&limit=2`)).json()) as number[][];
    expect(rows.map((r) => r[0])).toEqual([T0 + 99 * MINUTE, T0 + 100 * MINUTE]);
  });

  it('unparks the sleep of a client that goes away, and counts a request being answered as work', async () => {
    const wall = new ManualClock(Date.UTC(2024, 0, 1));
    const { emulator, clock } = await virtualEmulator(T0 + 100 * MINUTE, wall);
    const gone = new AbortController();
    const waiting = controlFetch(emulator, `/__control/clock/wait?until=${clock.now() + 5_000}`, { signal: gone.signal }).catch(
      () => 'aborted',
    );
    while (clock.parked === 0) await turn();
    gone.abort();
    expect(await waiting).toBe('aborted');
    while (clock.parked > 0) await turn();
    // A request held by a latency fault (on the wall clock) is work in progress until it is answered.
    emulator.control.setFaults({ latency: { ms: 1_000, count: 1 } });
    const slow = fetch(`${emulator.restUrl}/ping`);
    while (clock.active === 0) await turn();
    expect(clock.idle(0)).toBe(false);
    await wall.advance(1_000);
    expect((await slow).status).toBe(200);
    while (clock.active > 0) await turn();
    expect(clock.idle(0)).toBe(true);
  });

  it('runs a bot of two HTTP loops in lockstep: each sees every moment it slept to, with the bars closed by then', async () => {
    const run = async () => {
      const start = T0 + 100 * MINUTE;
      const { emulator, clock } = await virtualEmulator(start);
      const log: string[] = [];
      const stop = new AbortController();
      // As `bt run` does from its own process: sleep on the emulator, then read the newest bar.
      const loop = async (name: string, every: number) => {
        let now = (await controlJson(emulator, `/__control/clock`)).body.now as number;
        while (!stop.signal.aborted) {
          const rows = (await (await fetch(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=1m&limit=2`)).json()) as number[][];
          const closed = rows.filter((r) => (r[0] as number) + MINUTE <= now).map((r) => (r[0] as number) - T0);
          log.push(`${name} ${(now - start) / 1000}s: newest closed bar ${(closed.at(-1) ?? 0) / MINUTE}`);
          if (now - start >= 2 * MINUTE) stop.abort();
          const reply = await controlJson(emulator, `/__control/clock/wait?until=${now + every}`, { signal: stop.signal }).catch(
            () => undefined,
          );
          if (reply !== undefined) now = reply.body.now as number;
        }
      };
      const result = await clock.lockstep({ sleepers: 2, until: Promise.all([loop('poll', 20_000), loop('slow', 45_000)]) });
      return { log, result };
    };
    const first = await run();
    expect(first.log).toEqual([
      expect.stringMatching(/^(poll|slow) 0s: newest closed bar 99$/),
      expect.stringMatching(/^(poll|slow) 0s: newest closed bar 99$/),
      'poll 20s: newest closed bar 99',
      'poll 40s: newest closed bar 99',
      'slow 45s: newest closed bar 99',
      'poll 60s: newest closed bar 100',
      'poll 80s: newest closed bar 100',
      'slow 90s: newest closed bar 100',
      'poll 100s: newest closed bar 100',
      'poll 120s: newest closed bar 101',
    ]);
    expect(first.result).toEqual({ steps: 8, now: T0 + 102 * MINUTE });
    const second = await run();
    expect(second.log.slice(2)).toEqual(first.log.slice(2));
  });
});
