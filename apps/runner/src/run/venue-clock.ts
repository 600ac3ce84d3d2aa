import type { Clock, Logger } from '@bt/core';
import { BtError, formatIsoTime, LiveClock } from '@bt/core';
import type { LiveClockSetting } from '../config/schema.js';

/** The exchange emulator's clock endpoint, relative to its origin (`broker.urls.rest`). */
export const EMULATOR_CLOCK_PATH = '/__control/clock';

/** How long the runner waits for the emulator's clock endpoint. */
const PROBE_TIMEOUT_MS = 2000;

/** The clock a paper or live run uses, and where it comes from. */
export interface ChosenClock {
  readonly clock: Clock;
  /** `wall`: this machine's clock; `emulator`: the replay time of the exchange emulator. */
  readonly kind: 'wall' | 'emulator';
  /** How many times as fast as the wall clock the emulator's time runs (emulator only). */
  readonly speed?: number;
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
 * the live config, `speed` times as fast.
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
  const { now, speed } = (reply ?? {}) as { now?: unknown; speed?: unknown };
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

async function defaultFetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
