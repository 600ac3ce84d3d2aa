import type { Clock, Logger } from '@bt/core';
import { BtError, formatIsoTime, LiveClock } from '@bt/core';
import type { LiveClockSetting } from '../config/schema.js';

/** The exchange emulator's clock endpoint, relative to its origin (`broker.urls.rest`). */
export const EMULATOR_CLOCK_PATH = '/__control/clock';

/** Where a client sleeps on the emulator's virtual clock: `?until=<epoch ms>` answers `{ now }` once time has reached it. */
export const EMULATOR_WAIT_PATH = '/__control/clock/wait';

/** Wall time between two tries when the emulator does not answer a sleep. */
const WAIT_RETRY_MS = 1000;

/** How long the runner waits for the emulator's clock endpoint. */
const PROBE_TIMEOUT_MS = 2000;

/** The clock a paper or live run uses, and where it comes from. */
export interface ChosenClock {
  readonly clock: Clock;
  /** `wall`: this machine's clock; `emulator`: the replay time of the exchange emulator. */
  readonly kind: 'wall' | 'emulator';
  /** How many times as fast as the wall clock the emulator's time runs (emulator only, not virtual). */
  readonly speed?: number;
  /** The emulator's time is virtual: it moves only when driven (a test running the bot in lockstep). */
  readonly virtual?: true;
}

/**
 * The emulator's replay time, followed from here: `now = at + (wall now - wall at sync) x speed`,
 * and a sleep of `ms` takes `ms / speed` of wall time. It is synced once, from the reply to one
 * request, as if that reply had been read the instant it arrived: so this clock is never ahead of
 * the emulator's (a bar is never taken for closed before the venue closed it), and lags it by at
 * most the request's round trip times `speed`.
 *
 * @example
 * ```ts
 * const clock = new FollowedClock(Date.parse('2023-03-01T00:10:00Z'), 600); // a bar every 100 ms
 * ```
 */
export class FollowedClock implements Clock {
  readonly #base: Clock;
  readonly #at: number;
  readonly #baseAt: number;
  /** Replay speed (1 = real time). */
  readonly speed: number;

  constructor(at: number, speed: number, base: Clock = new LiveClock()) {
    this.#base = base;
    this.#at = at;
    this.#baseAt = base.now();
    this.speed = speed;
  }

  now(): number {
    return Math.floor(this.#at + (this.#base.now() - this.#baseAt) * this.speed);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#base.sleep(Math.max(0, ms) / this.speed, signal);
  }
}

/**
 * The exchange emulator's virtual time (a `VirtualClock`, which moves only when driven), followed
 * from another process: `now()` is the time the emulator gave with its last answer, and a sleep
 * waits at the emulator (`GET /__control/clock/wait?until=...`) until the emulator's time has
 * reached its end. Time moves only while every loop of the bot sleeps (that is how the emulator's
 * lockstep steps), so whichever loop runs reads the emulator's time exactly: a bar is seen at its
 * close, never before, and everything the bot does takes no virtual time.
 *
 * @example
 * ```ts
 * const clock = new LockstepClock(Date.parse('2023-03-01T00:20:00Z'), 'http://127.0.0.1:8080');
 * await clock.sleep(5_000); // returns when the emulator's clock has reached 00:20:05
 * ```
 */
export class LockstepClock implements Clock {
  readonly #wait: string;
  readonly #fetchJson: (url: string, signal?: AbortSignal) => Promise<unknown>;
  readonly #wall: Clock;
  readonly #logger: Logger | undefined;
  #now: number;
  #failing = false;

  constructor(
    at: number,
    origin: string,
    options: { fetchJson?: (url: string, signal?: AbortSignal) => Promise<unknown>; wallClock?: Clock; logger?: Logger } = {},
  ) {
    this.#now = at;
    this.#wait = new URL(EMULATOR_WAIT_PATH, origin).href;
    this.#fetchJson = options.fetchJson ?? fetchJsonOnce;
    this.#wall = options.wallClock ?? new LiveClock();
    this.#logger = options.logger;
  }

  now(): number {
    return this.#now;
  }

  /** Resolves once the emulator's time has reached now + `ms`; at once when `signal` aborts. Never rejects: while the emulator does not answer, it asks again every second. */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const until = this.#now + Math.max(0, ms);
    const aborted = (): boolean => signal?.aborted === true;
    while (!aborted()) {
      let reply: unknown;
      // A request of its own for each sleep: fetch would leave a listener per request on a long-lived signal.
      const request = new AbortController();
      const abort = (): void => request.abort();
      signal?.addEventListener('abort', abort, { once: true });
      try {
        reply = await this.#fetchJson(`${this.#wait}?until=${until}`, request.signal);
      } catch (error) {
        if (aborted()) return;
        if (!this.#failing) {
          this.#failing = true;
          this.#logger?.warn('the exchange emulator does not answer a sleep on its clock; asking again every second', {
            cause: error instanceof Error ? error.message : String(error),
          });
        }
        await this.#wall.sleep(WAIT_RETRY_MS, signal);
        continue;
      } finally {
        signal?.removeEventListener('abort', abort);
      }
      this.#failing = false;
      const now = (reply as { now?: unknown } | null)?.now;
      if (typeof now === 'number' && Number.isFinite(now) && now > this.#now) this.#now = now;
      if (this.#now >= until) return;
    }
  }
}

/** What {@link chooseLiveClock} needs. */
export interface ClockChoiceOptions {
  /** The config's `time.clock`. */
  readonly setting: LiveClockSetting;
  /** The config's `broker.urls.rest`, where an emulator would answer. */
  readonly rest: string | undefined;
  readonly logger: Logger;
  /** Fetches a URL; default: the global `fetch`. */
  readonly fetchJson?: (url: string) => Promise<unknown>;
}

/**
 * Picks the clock of a paper or live run. `wall` is this machine's clock (a real venue). With
 * `emulator`, or `auto` when `broker.urls.rest` is an exchange emulator (`bt emulate`), the run
 * follows the emulator's replay time, so bars close, orders fill and every interval
 * (`time.pollIntervalMs`, `monitorIntervalMs`) passes at the replay's pace: a dress rehearsal of
 * the live config, `speed` times as fast ({@link FollowedClock}), or, on an emulator's virtual
 * clock, as fast as the emulator's driver steps it ({@link LockstepClock}).
 *
 * @throws BtError `CONFIG` when `setting` is `emulator` and no emulator answers at `rest`.
 */
export async function chooseLiveClock(options: ClockChoiceOptions): Promise<ChosenClock> {
  const { setting, rest, logger } = options;
  const wall: ChosenClock = { clock: new LiveClock(), kind: 'wall' };
  if (setting === 'wall') return wall;
  if (rest === undefined) {
    if (setting === 'emulator') {
      throw new BtError('CONFIG', 'time.clock: "emulator" needs broker.urls.rest, the origin of the exchange emulator (bt emulate)');
    }
    return wall;
  }
  const url = new URL(EMULATOR_CLOCK_PATH, rest).href;
  const fetchJson = options.fetchJson ?? defaultFetchJson;
  let reply: unknown;
  let problem: string | undefined;
  try {
    reply = await fetchJson(url);
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const { now, speed, virtual } = (reply ?? {}) as { now?: unknown; speed?: unknown; virtual?: unknown };
  if (problem === undefined && typeof now === 'number' && Number.isFinite(now) && virtual === true) {
    logger.info(
      `following the exchange emulator's virtual clock from ${formatIsoTime(now)}: time moves when the emulator's driver moves it`,
      {
        url,
      },
    );
    return { clock: new LockstepClock(now, rest, { logger }), kind: 'emulator', virtual: true };
  }
  if (problem === undefined && typeof now === 'number' && Number.isFinite(now) && typeof speed === 'number' && speed > 0) {
    logger.info(`following the exchange emulator's clock: ${formatIsoTime(now)} at ${speed}x real time`, { url });
    return { clock: new FollowedClock(now, speed), kind: 'emulator', speed };
  }
  const why =
    problem ??
    (reply !== null && typeof reply === 'object' && 'speed' in reply && reply.speed === null
      ? 'the emulator runs on an injected clock, which cannot be followed from another process'
      : `unexpected reply ${JSON.stringify(reply)}`);
  if (setting === 'emulator') {
    throw new BtError('CONFIG', `time.clock: "emulator", but ${url} gives no emulator clock: ${why}`, { details: { url } });
  }
  logger.debug('no exchange emulator at broker.urls.rest: using the wall clock', { url, reason: why });
  return wall;
}

async function fetchJsonOnce(url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, signal === undefined ? {} : { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function defaultFetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
