import type { Clock } from '@bt/core';
import { BtError, formatIsoTime, LiveClock } from '@bt/core';

/** Marks a {@link VirtualClock} across copies of this package (a test's source and a built dist). */
const BRAND = Symbol.for('@bt/exchange-emulator/VirtualClock');

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  readonly wake: () => void;
}

/** What a {@link VirtualClock} is doing. */
export interface VirtualClockState {
  /** Virtual time, epoch ms. */
  readonly now: number;
  /** Sleeps waiting for their time: the bot's loops, in process or over `GET /__control/clock/wait`. */
  readonly parked: number;
  /** Wake time of the earliest parked sleep. */
  readonly nextWakeAt?: number;
  /** Work in progress the clock waits for before a step (requests being answered by the emulator). */
  readonly active: number;
}

/** Options of {@link VirtualClock.lockstep}. */
export interface LockstepOptions {
  /**
   * How many sleeps are parked when the bot is idle: one per loop it runs. A `TradingController`
   * runs one worker per symbol and a position monitor; a live `CcxtBroker` adds its order poll.
   */
  readonly sleepers: number;
  /** The bot's run: lockstep ends when it settles (resolved or rejected). */
  readonly until: Promise<unknown>;
  /**
   * Fails when nothing changes for this long of wall time (a bot that never parks as many sleeps
   * as `sleepers`): a hang becomes an error that says where it stood. Default 60 000 ms; 0 never.
   * It decides nothing else: no step waits on it.
   */
  readonly stallMs?: number;
  /** The wall clock of `stallMs`. Default: core's `LiveClock`. */
  readonly wallClock?: Clock;
}

/** What a lockstep run did. */
export interface LockstepResult {
  /** Sleeps woken, one per step. */
  readonly steps: number;
  /** Virtual time at the end. */
  readonly now: number;
}

/**
 * Simulated time that moves only when driven, for the exchange emulator (`startEmulator({ clock })`)
 * and the bot under test alike. A bot's sleep is *parked* here (in process, or from another process
 * through the emulator's `GET /__control/clock/wait`); {@link step} moves time to the earliest
 * parked sleep and wakes that sleep alone. {@link lockstep} steps whenever the bot is idle: as many
 * sleeps parked as it has loops, and no request being answered. So the bot sees every moment it
 * asked for, in order, and nothing it does takes virtual time, however slowly the machine runs: a
 * loaded machine gives the same run as an idle one. Sleeps that end at the same moment wake one
 * after the other in the order they were parked; loops that started together park first in the
 * order they finished their first pass, which is the one thing the machine's speed can change.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock(Date.parse('2023-03-01T00:20:00Z'));
 * const emulator = await startEmulator({ data, clock, keys, balances });
 * const run = runBotAgainst(emulator.url); // `bt run` follows the clock (time.clock: auto)
 * await clock.lockstep({ sleepers: 3, until: run });
 * ```
 */
export class VirtualClock implements Clock {
  readonly [BRAND] = true;
  #now: number;
  #seq = 0;
  /** Parked sleeps, by wake time then arrival. */
  #sleepers: Sleeper[] = [];
  #active = 0;
  readonly #onChange = new Set<() => void>();
  readonly #onAdvance = new Set<(now: number) => void>();

  /** @throws BtError `CONFIG` when `startMs` is not a finite number. */
  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) throw new BtError('CONFIG', `VirtualClock: expected a start time in epoch ms, got ${startMs}`);
    this.#now = Math.floor(startMs);
  }

  now(): number {
    return this.#now;
  }

  /** Parks until time reaches now + `ms` (a {@link step} or {@link advanceTo} wakes it); ends early, parked no more, when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = (): void => {
        const i = this.#sleepers.indexOf(sleeper);
        if (i >= 0) {
          this.#sleepers.splice(i, 1);
          this.#changed();
        }
        resolve();
      };
      const sleeper: Sleeper = {
        wakeAt: this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0),
        seq: this.#seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.#sleepers.length;
      while (i > 0 && (this.#sleepers[i - 1] as Sleeper).wakeAt > sleeper.wakeAt) i--;
      this.#sleepers.splice(i, 0, sleeper);
      this.#changed();
    });
  }

  /** Sleeps parked. */
  get parked(): number {
    return this.#sleepers.length;
  }

  /** Work in progress (see {@link begin}). */
  get active(): number {
    return this.#active;
  }

  /** Wake time of the earliest parked sleep, or undefined. */
  nextWakeAt(): number | undefined {
    return this.#sleepers[0]?.wakeAt;
  }

  state(): VirtualClockState {
    const next = this.nextWakeAt();
    return { now: this.#now, parked: this.#sleepers.length, active: this.#active, ...(next === undefined ? {} : { nextWakeAt: next }) };
  }

  /**
   * Marks work the clock must not step past (the emulator marks each request it answers); call the
   * returned function, once, when it ends.
   */
  begin(): () => void {
    this.#active++;
    this.#changed();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#active--;
      this.#changed();
    };
  }

  /** Calls `listener` each time time moves (the emulator brings its books up to the new time). Returns the unsubscribe. */
  onAdvance(listener: (now: number) => void): () => void {
    this.#onAdvance.add(listener);
    return () => this.#onAdvance.delete(listener);
  }

  /**
   * Moves time to the earliest parked sleep's wake time (never back) and wakes that sleep alone.
   * Returns the time, or undefined when no sleep is parked.
   */
  step(): number | undefined {
    const sleeper = this.#sleepers.shift();
    if (sleeper === undefined) return undefined;
    this.#moveTo(sleeper.wakeAt);
    sleeper.wake();
    this.#changed();
    return this.#now;
  }

  /** Moves time forward to `timeMs`, waking every sleep due by then, in order. Never goes back. */
  advanceTo(timeMs: number): number {
    if (!Number.isFinite(timeMs)) throw new BtError('CONFIG', `VirtualClock.advanceTo: expected epoch ms, got ${timeMs}`);
    for (let next = this.#sleepers[0]; next !== undefined && next.wakeAt <= timeMs; next = this.#sleepers[0]) this.step();
    this.#moveTo(timeMs);
    return this.#now;
  }

  /** Moves time forward by `ms`; see {@link advanceTo}. */
  advance(ms: number): number {
    return this.advanceTo(this.#now + Math.max(0, ms));
  }

  /** True when at least `sleepers` sleeps are parked and no work is in progress. */
  idle(sleepers: number): boolean {
    return this.#active === 0 && this.#sleepers.length >= sleepers;
  }

  /**
   * Runs a bot in lockstep with this clock until `until` settles: each time the bot is idle
   * (`sleepers` sleeps parked, no request in progress), {@link step}. Waits on the clock's own
   * events, never on the wall clock (but for `stallMs`).
   *
   * @throws BtError `CONFIG` on a bad `sleepers`; `STATE` when the bot stalled (`stallMs`).
   */
  async lockstep(options: LockstepOptions): Promise<LockstepResult> {
    const { sleepers, until } = options;
    if (!(Number.isInteger(sleepers) && sleepers >= 1)) {
      throw new BtError('CONFIG', `lockstep: sleepers must be an integer >= 1, got ${sleepers}`);
    }
    const stallMs = options.stallMs ?? 60_000;
    const wall = options.wallClock ?? new LiveClock();
    let ended = false;
    let stalled: BtError | undefined;
    let changes = 0;
    let steps = 0;
    // One pending wake-up at a time: the next change, the end of the run, or the watchdog.
    let wake: (() => void) | undefined;
    const rouse = (): void => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    const onChange = (): void => {
      changes++;
      rouse();
    };
    this.#onChange.add(onChange);
    void until.then(
      () => {
        ended = true;
        rouse();
      },
      () => {
        ended = true;
        rouse();
      },
    );
    const done = new AbortController();
    const watchdog = async (): Promise<void> => {
      while (stallMs > 0 && !done.signal.aborted) {
        const seen = changes;
        await wall.sleep(stallMs, done.signal);
        if (done.signal.aborted || changes !== seen || ended) continue;
        const s = this.state();
        stalled = new BtError(
          'STATE',
          `lockstep stalled at ${formatIsoTime(s.now)}: ${s.parked} of ${sleepers} sleeps parked and ${s.active} requests in progress for ${stallMs} ms of wall time`,
          { details: { ...s, sleepers, steps } },
        );
        rouse();
        return;
      }
    };
    const watching = watchdog();
    try {
      while (!ended && stalled === undefined) {
        if (this.idle(sleepers)) {
          this.step();
          steps++;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      this.#onChange.delete(onChange);
      done.abort();
      await watching;
    }
    if (stalled !== undefined && !ended) throw stalled;
    return { steps, now: this.#now };
  }

  #moveTo(timeMs: number): void {
    const to = Math.floor(timeMs);
    if (to <= this.#now) return;
    this.#now = to;
    for (const listener of this.#onAdvance) listener(to);
  }

  #changed(): void {
    for (const listener of [...this.#onChange]) listener();
  }
}

/** True for a {@link VirtualClock}, also one of another copy of this package. */
export function isVirtualClock(clock: unknown): clock is VirtualClock {
  return typeof clock === 'object' && clock !== null && (clock as { [BRAND]?: unknown })[BRAND] === true;
}
