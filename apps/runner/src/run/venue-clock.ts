import type { Clock, Logger } from '@bt/core';
import { BtError, formatIsoTime, LiveClock } from '@bt/core';
import type { LiveClockSetting } from '../config/schema.js';

/** The exchange emulator's clock endpoint, relative to its origin (`broker.urls.rest`). */
export const EMULATOR_CLOCK_PATH = '/__control/clock';

/** Where a client sleeps on the emulator's virtual clock: `?until=<epoch ms>` answers `{ now }` once time has reached it. */
export const EMULATOR_WAIT_PATH = '/__control/clock/wait';

/** The header that carries the emulator's control token (the emulator's `CONTROL_TOKEN_HEADER`). */
export const EMULATOR_TOKEN_HEADER = 'x-bt-emulator-token';

/** The environment variable with the emulator's control token, as `bt emulate` prints it. */
export const EMULATOR_TOKEN_ENV = 'BT_EMULATOR_TOKEN';

/** Fetches JSON from the emulator's control API: `headers` carry its token. */
export type ControlFetch = (url: string, signal?: AbortSignal, headers?: Readonly<Record<string, string>>) => Promise<unknown>;

/** The control token from the environment ({@link EMULATOR_TOKEN_ENV}), or undefined when it is not set. */
export function emulatorTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[EMULATOR_TOKEN_ENV]?.trim();
  return token === undefined || token === '' ? undefined : token;
}

/** The headers of a control request: the token, when there is one. */
function tokenHeaders(token: string | undefined): Readonly<Record<string, string>> {
  return token === undefined ? {} : { [EMULATOR_TOKEN_HEADER]: token };
}

/** A control request the emulator answered with an HTTP error. */
class ControlHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}${body === '' ? '' : `: ${body}`}`);
  }
}

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
 * const clock = new LockstepClock(Date.parse('2023-03-01T00:20:00Z'), 'http://127.0.0.1:8080', { token: process.env.BT_EMULATOR_TOKEN });
 * await clock.sleep(5_000); // returns when the emulator's clock has reached 00:20:05
 * ```
 */
export class LockstepClock implements Clock {
  readonly #wait: string;
  readonly #fetchJson: ControlFetch;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #wall: Clock;
  readonly #logger: Logger | undefined;
  #now: number;
  #failing = false;

  constructor(
    at: number,
    origin: string,
    options: {
      fetchJson?: ControlFetch;
      wallClock?: Clock;
      logger?: Logger;
      /** The emulator's control token; default: {@link EMULATOR_TOKEN_ENV} from the environment. */
      token?: string;
    } = {},
  ) {
    this.#now = at;
    this.#wait = new URL(EMULATOR_WAIT_PATH, origin).href;
    this.#fetchJson = options.fetchJson ?? fetchJsonOnce;
    this.#headers = tokenHeaders(options.token ?? emulatorTokenFromEnv());
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
        reply = await this.#fetchJson(`${this.#wait}?until=${until}`, request.signal, this.#headers);
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
  readonly fetchJson?: ControlFetch;
  /** The emulator's control token; default: {@link EMULATOR_TOKEN_ENV} from the environment. */
  readonly token?: string;
}

/**
 * Picks the clock of a paper or live run. `wall` is this machine's clock (a real venue). With
 * `emulator`, or `auto` when `broker.urls.rest` is an exchange emulator (`bt emulate`), the run
 * follows the emulator's replay time, so bars close, orders fill and every interval
 * (`time.pollIntervalMs`, `monitorIntervalMs`) passes at the replay's pace: a dress rehearsal of
 * the live config, `speed` times as fast ({@link FollowedClock}), or, on an emulator's virtual
 * clock, as fast as the emulator's driver steps it ({@link LockstepClock}).
 *
 * The emulator's control API asks for the token `bt emulate` printed: it is sent from
 * {@link EMULATOR_TOKEN_ENV} (or `options.token`) in {@link EMULATOR_TOKEN_HEADER}.
 *
 * @throws BtError `CONFIG` when `setting` is `emulator` and no emulator answers at `rest`, or when
 *   an emulator answers but refuses the token (none or a wrong one).
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
  const token = options.token ?? emulatorTokenFromEnv();
  let reply: unknown;
  let problem: string | undefined;
  try {
    reply = await fetchJson(url, undefined, tokenHeaders(token));
  } catch (error) {
    if (error instanceof ControlHttpError && error.status === 401 && error.body.includes(EMULATOR_TOKEN_HEADER)) {
      throw new BtError(
        'CONFIG',
        `the exchange emulator at ${rest} refuses ${token === undefined ? 'a request without its control token' : 'the control token given'}: set the environment variable ${EMULATOR_TOKEN_ENV} to the token bt emulate printed at start (${EMULATOR_TOKEN_ENV}=...)`,
        { details: { url, env: EMULATOR_TOKEN_ENV } },
      );
    }
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
    return {
      clock: new LockstepClock(now, rest, { logger, ...(token === undefined ? {} : { token }) }),
      kind: 'emulator',
      virtual: true,
    };
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

async function fetchJsonOnce(url: string, signal?: AbortSignal, headers: Readonly<Record<string, string>> = {}): Promise<unknown> {
  const response = await fetch(url, { headers, ...(signal === undefined ? {} : { signal }) });
  if (!response.ok) throw new ControlHttpError(response.status, await response.text().catch(() => ''));
  return response.json();
}

function defaultFetchJson(url: string, signal?: AbortSignal, headers: Readonly<Record<string, string>> = {}): Promise<unknown> {
  return fetchJsonOnce(url, signal ?? AbortSignal.timeout(PROBE_TIMEOUT_MS), headers);
}
