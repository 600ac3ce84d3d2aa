import type { BtError, Clock } from '@bt/core';
import { isBtError } from '@bt/core';

/** Bounded exponential backoff of retryable calls. */
export interface RetryOptions {
  /** Tries in all, the first included (1 = never retry). Default 5. */
  readonly attempts: number;
  /** Delay before the first retry, before jitter (ms). Default 250. */
  readonly baseMs: number;
  /** Largest delay between two tries (ms), before a venue's Retry-After. Default 10000. */
  readonly maxMs: number;
}

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({ attempts: 5, baseMs: 250, maxMs: 10_000 });

/**
 * Longest Retry-After the adapter waits out (ms). A venue asking for more (an IP ban) gets the
 * error back at once: sleeping that long inside one call would stall the bot.
 */
export const RETRY_AFTER_LIMIT_MS = 120_000;

/** A source of uniform numbers in [0, 1): `Math.random`, or {@link seededRandom} in tests. */
export type RandomSource = () => number;

/**
 * A deterministic {@link RandomSource} (mulberry32): the same seed gives the same jitter.
 *
 * @example
 * ```ts
 * const broker = createCcxtBroker({ exchange: 'binance', random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Delay before retry number `retry` (1 for the first retry): `baseMs x 2^(retry-1)` capped at
 * `maxMs`, with "equal jitter" (between half and all of it), and never shorter than the venue's
 * `retryAfterMs`.
 *
 * @example
 * ```ts
 * backoffDelay({ attempts: 5, baseMs: 100, maxMs: 1000 }, 3, () => 0.5); // 300
 * ```
 */
export function backoffDelay(options: RetryOptions, retry: number, random: RandomSource, retryAfterMs?: number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(retry - 1, 0), 30));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/** Checks retry options, naming the field and what was expected. */
export function validateRetry(options: RetryOptions): string | undefined {
  if (!(Number.isInteger(options.attempts) && options.attempts >= 1))
    return `retry.attempts: expected an integer >= 1, got ${options.attempts}`;
  if (!(options.baseMs >= 0 && Number.isFinite(options.baseMs)))
    return `retry.baseMs: expected a finite number >= 0, got ${options.baseMs}`;
  if (!(options.maxMs >= options.baseMs && Number.isFinite(options.maxMs))) {
    return `retry.maxMs: expected a finite number >= retry.baseMs (${options.baseMs}), got ${options.maxMs}`;
  }
  return undefined;
}

/** What {@link retrying} needs around the call. */
export interface RetryContext {
  readonly options: RetryOptions;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Wakes sleeping retries early (the broker is closing). */
  readonly signal?: AbortSignal;
  /** The venue's Retry-After (ms) after a rate-limit error, if it sent one. */
  readonly retryAfterMs?: (error: BtError) => number | undefined;
  /** Called before each retry's sleep. */
  readonly onRetry?: (error: BtError, retry: number, delayMs: number) => void;
}

/**
 * Runs `call`, retrying it while it fails with a retryable {@link BtError}, at most
 * `options.attempts` tries in all, sleeping {@link backoffDelay} on the injected clock between
 * tries (a Retry-After beyond {@link RETRY_AFTER_LIMIT_MS} ends the retries). `call` must already
 * classify what it throws (see `classifyCcxtError`).
 */
export async function retrying<T>(context: RetryContext, call: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (!isBtError(error)) throw error;
      const bt = error;
      if (!bt.retryable || attempt >= context.options.attempts || context.signal?.aborted) throw error;
      const retryAfter = context.retryAfterMs?.(bt);
      if (retryAfter !== undefined && retryAfter > RETRY_AFTER_LIMIT_MS) throw error;
      const delay = backoffDelay(context.options, attempt, context.random, retryAfter);
      context.onRetry?.(bt, attempt, delay);
      await context.clock.sleep(delay, context.signal);
      if (context.signal?.aborted) throw error;
    }
  }
}

/** Parses an HTTP Retry-After value (seconds, or an HTTP date relative to `now`) into ms. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
